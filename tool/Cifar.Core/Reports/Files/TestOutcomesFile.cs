using System.Globalization;
using System.Text;
using Cifar.Reports.Formatting;

namespace Cifar.Reports.Files;

/// <summary>How the model did on one test image.</summary>
/// <param name="TestIndex">The image's index in the CIFAR-10 test set (0-9999), so a subset run still names the right image.</param>
/// <param name="Label">True class index.</param>
/// <param name="Prediction">Predicted class index (argmax).</param>
/// <param name="Confidence">Softmax probability of <paramref name="Prediction"/>.</param>
/// <param name="LabelProbability">Softmax probability of <paramref name="Label"/>.</param>
/// <param name="Loss">Cross-entropy of this image, from log_softmax (not from the rounded probability).</param>
public sealed record TestOutcome(int TestIndex, byte Label, byte Prediction, double Confidence, double LabelProbability, double Loss)
{
    public bool Correct => Label == Prediction;
}

/// <summary>
/// test-outcomes.csv: <see cref="Header"/>, then one <see cref="TestOutcome"/> per evaluated test image in evaluation
/// order, probabilities and losses with 6 fixed decimals. The one writer and reader of the file; <c>diff</c> reads it
/// through <see cref="Parse"/>. Report folders written before it existed lack it and are still valid.
/// </summary>
public static class TestOutcomesFile
{
    /// <summary>The first line.</summary>
    public const string Header = "test_index,label,prediction,confidence,label_probability,loss";

    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The file's text.</summary>
    public static string Render(IEnumerable<TestOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var csv = new StringBuilder(Header).Append('\n');
        foreach (var o in outcomes)
        {
            csv.Append(o.TestIndex.ToString(Invariant)).Append(',')
                .Append(o.Label.ToString(Invariant)).Append(',')
                .Append(o.Prediction.ToString(Invariant)).Append(',')
                .Append(ReportNumbers.Machine(o.Confidence)).Append(',')
                .Append(ReportNumbers.Machine(o.LabelProbability)).Append(',')
                .Append(ReportNumbers.Machine(o.Loss)).Append('\n');
        }
        return csv.ToString();
    }

    /// <summary>Parses test-outcomes.csv; <paramref name="source"/> names the file in error messages.</summary>
    /// <exception cref="CifarUserException">InvalidInput when the text is not a test outcomes file.</exception>
    public static IReadOnlyList<TestOutcome> Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        if (lines[0] != Header)
            throw new CifarUserException(UserErrorKind.InvalidInput, $"{source}: the first line must be '{Header}'");
        var outcomes = new List<TestOutcome>(lines.Length - 1);
        for (var i = 1; i < lines.Length; i++)
        {
            var cells = lines[i].Split(',');
            if (cells.Length != 6
                || !int.TryParse(cells[0], NumberStyles.None, Invariant, out var index) || index is > 9999
                || !byte.TryParse(cells[1], NumberStyles.None, Invariant, out var label) || label > 9
                || !byte.TryParse(cells[2], NumberStyles.None, Invariant, out var prediction) || prediction > 9
                || !Probability(cells[3], out var confidence)
                || !Probability(cells[4], out var labelProbability)
                || !double.TryParse(cells[5], NumberStyles.Float, Invariant, out var loss) || !double.IsFinite(loss) || loss < 0)
            {
                throw new CifarUserException(UserErrorKind.InvalidInput,
                    $"{source}:{i + 1}: expected a test index (0-9999), two class indices (0-9), two probabilities and a loss, found '{lines[i]}'");
            }
            outcomes.Add(new TestOutcome(index, label, prediction, confidence, labelProbability, loss));
        }
        return outcomes;
    }

    /// <summary>Reads <c>test-outcomes.csv</c> of a report folder; null when the folder predates the file.</summary>
    public static IReadOnlyList<TestOutcome>? ReadIfPresent(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var path = Path.Combine(folder, ReportFiles.TestOutcomes);
        return File.Exists(path) ? Parse(File.ReadAllText(path), path) : null;
    }

    private static bool Probability(string cell, out double value) =>
        double.TryParse(cell, NumberStyles.Float, Invariant, out value) && value is >= 0 and <= 1;
}
