using System.Globalization;
using System.Text;
using Cifar.Reports.Formatting;

namespace Cifar.Reports.Files;

/// <summary>
/// history.csv: <see cref="ReportFiles.HistoryHeader"/>, then one <see cref="EpochMetrics"/> per line, numbers with 6
/// fixed decimals, the learning rate with 6 significant digits, and an empty cell for a non-finite or missing value (no
/// timings: those are in timing.json). Keras' CSVLogger likewise writes <c>learning_rate</c> as a column of its own.
/// </summary>
public static class HistoryCsv
{
    /// <summary>The file's text; a history without any learning rate (read from an older folder) keeps the older
    /// header, so it round-trips byte for byte.</summary>
    public static string Render(IEnumerable<EpochMetrics> epochs)
    {
        ArgumentNullException.ThrowIfNull(epochs);
        var rows = epochs.ToList();
        var withRates = rows.Any(e => e.LearningRate is not null);
        var csv = new StringBuilder(withRates ? ReportFiles.HistoryHeader : ReportFiles.HistoryHeaderWithoutLearningRate).Append('\n');
        foreach (var e in rows)
        {
            csv.Append(ReportNumbers.WholeNumber(e.Epoch)).Append(',')
                .Append(e.Phase).Append(',')
                .Append(ReportNumbers.Machine(e.Loss)).Append(',')
                .Append(ReportNumbers.Machine(e.Accuracy)).Append(',')
                .Append(ReportNumbers.Machine(e.ValLoss)).Append(',')
                .Append(ReportNumbers.Machine(e.ValAccuracy));
            if (withRates) csv.Append(',').Append(e.LearningRate is { } rate ? ReportNumbers.Rate(rate) : null);
            csv.Append('\n');
        }
        return csv.ToString();
    }

    /// <summary>Parses history.csv, with or without its learning_rate column; an empty cell reads as NaN (a
    /// learning rate as null).</summary>
    /// <exception cref="CifarUserException">InvalidInput when the text is not a history file.</exception>
    public static IReadOnlyList<EpochMetrics> Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        var withRates = lines[0] == ReportFiles.HistoryHeader;
        if (!withRates && lines[0] != ReportFiles.HistoryHeaderWithoutLearningRate)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, $"{source}: the first line must be '{ReportFiles.HistoryHeader}'");
        }
        var cellCount = withRates ? 7 : 6;
        var epochs = new List<EpochMetrics>();
        for (var i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            if (cells.Length != cellCount || !int.TryParse(cells[0], NumberStyles.None, CultureInfo.InvariantCulture, out var epoch))
            {
                throw new CifarUserException(UserErrorKind.InvalidInput,
                    $"{source}:{i + 1}: expected an epoch number and {cellCount - 1} more cells, found '{lines[i]}'");
            }
            double Number(int cell) => cells[cell].Length == 0
                ? double.NaN
                : double.TryParse(cells[cell], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
                    ? value
                    : throw new CifarUserException(UserErrorKind.InvalidInput, $"{source}:{i + 1}: '{cells[cell]}' is not a number");
            double? rate = withRates && cells[6].Length > 0 ? Number(6) : null;
            epochs.Add(new EpochMetrics(epoch, cells[1], Number(2), Number(3), Number(4), Number(5), rate));
        }
        return epochs;
    }
}
