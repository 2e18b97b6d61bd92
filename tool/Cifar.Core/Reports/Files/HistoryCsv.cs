using System.Globalization;
using System.Text;
using Cifar.Reports.Formatting;

namespace Cifar.Reports.Files;

/// <summary>
/// history.csv: <see cref="ReportFiles.HistoryHeader"/>, then one <see cref="EpochMetrics"/> per line, numbers with 6
/// fixed decimals and an empty cell for a non-finite value (no timings: those are in timing.json).
/// </summary>
public static class HistoryCsv
{
    /// <summary>The file's text.</summary>
    public static string Render(IEnumerable<EpochMetrics> epochs)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        var csv = new StringBuilder(ReportFiles.HistoryHeader).Append('\n');
        foreach (var e in epochs)
        {
            csv.Append(ReportNumbers.WholeNumber(e.Epoch)).Append(',')
                .Append(e.Phase).Append(',')
                .Append(ReportNumbers.Machine(e.Loss)).Append(',')
                .Append(ReportNumbers.Machine(e.Accuracy)).Append(',')
                .Append(ReportNumbers.Machine(e.ValLoss)).Append(',')
                .Append(ReportNumbers.Machine(e.ValAccuracy)).Append('\n');
        }
        return csv.ToString();
    }

    /// <summary>Parses history.csv; an empty cell reads as NaN.</summary>
    /// <exception cref="CifarUserException">InvalidInput when the text is not a history file.</exception>
    public static IReadOnlyList<EpochMetrics> Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        if (lines[0] != ReportFiles.HistoryHeader)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, $"{source}: the first line must be '{ReportFiles.HistoryHeader}'");
        }
        var epochs = new List<EpochMetrics>();
        for (var i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            if (cells.Length != 6 || !int.TryParse(cells[0], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
            {
                throw new CifarUserException(UserErrorKind.InvalidInput,
                    $"{source}:{i + 1}: expected an epoch number and 5 more cells, found '{lines[i]}'");
            }
            double Number(int cell) => cells[cell].Length == 0
                ? double.NaN
                : double.TryParse(cells[cell], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                    ? value
                    : throw new CifarUserException(UserErrorKind.InvalidInput, $"{source}:{i + 1}: '{cells[cell]}' is not a number");
            epochs.Add(new EpochMetrics(epoch, cells[1], Number(2), Number(3), Number(4), Number(5)));
        }
        return epochs;
    }
}
