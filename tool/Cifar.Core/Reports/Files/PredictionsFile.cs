namespace Cifar.Reports.Files;

/// <summary>
/// predictions.txt: the <see cref="ReportFiles.PredictionsHeader"/> line, then the true labels and the predicted labels
/// of the test images in test-set order, one digit (class index) per image, so two runs can be paired image by image.
/// </summary>
public sealed record PredictionsFile(string TrueLabels, string Predicted)
{
    /// <summary>Per test image, whether the prediction was right.</summary>
    public bool[] Correct() => [.. TrueLabels.Select((label, i) => label == Predicted[i])];

    /// <summary>From class indices; one character per image only works for up to 10 classes, which CIFAR-10 has.</summary>
    public static PredictionsFile From(IReadOnlyList<byte> labels, IReadOnlyList<byte> predictions)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(predictions);
        if (labels.Count != predictions.Count)
        {
            throw new ArgumentException($"There are {labels.Count} labels but {predictions.Count} predictions.", nameof(predictions));
        }
        return new PredictionsFile(Digits(labels, nameof(labels)), Digits(predictions, nameof(predictions)));
    }

    /// <summary>The file's text.</summary>
    public string Render() => ReportFiles.PredictionsHeader + "\n" + TrueLabels + "\n" + Predicted + "\n";

    /// <summary>Parses predictions.txt; <paramref name="source"/> names the file in error messages.</summary>
    /// <exception cref="CifarUserException">InvalidInput when the text is not a predictions file.</exception>
    public static PredictionsFile Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        if (lines.Length != 3 || !lines[0].StartsWith(ReportFiles.PredictionsFormat, StringComparison.Ordinal))
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"{source}: expected 3 lines (a '{ReportFiles.PredictionsFormat}' comment, true labels, predicted labels), found {lines.Length}");
        }
        var (labels, predicted) = (lines[1].Trim(), lines[2].Trim());
        if (labels.Length != predicted.Length)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"{source}: {labels.Length} true labels but {predicted.Length} predictions");
        }
        if (labels.Concat(predicted).FirstOrDefault(c => !char.IsAsciiDigit(c)) is var bad && bad != default)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"{source}: labels must be digits 0-9, found '{bad}'");
        }
        return new PredictionsFile(labels, predicted);
    }

    private static string Digits(IReadOnlyList<byte> classes, string name)
    {
        var digits = new char[classes.Count];
        for (var i = 0; i < digits.Length; i++)
        {
            if (classes[i] > 9) throw new ArgumentException($"Class index {classes[i]} at position {i} does not fit one digit.", name);
            digits[i] = (char)('0' + classes[i]);
        }
        return new string(digits);
    }
}
