using System.Text.RegularExpressions;
using Cifar.Reports;
using Cifar.Reports.Files;
using Cifar.Tests.Infra;
using Cifar.Tests.Reports;

namespace Cifar.Tests.Hostile;

/// <summary>
/// Report folders are files anyone can edit: <c>compare</c> and <c>diff</c> range-check what they read, and a value
/// the tool could not have written is one <c>error: FILE: 'KEY' is VALUE; expected ...</c> line with exit code 2,
/// never a crash or a nonsense figure.
/// </summary>
public sealed partial class HostileReportFolderTests : IDisposable
{
    private readonly TempFolder _temp = new("cifar-hostile-reports");

    public void Dispose() => _temp.Dispose();

    private string WriteReport(string root, string name)
    {
        var folder = _temp.Combine(root, name);
        ReportWriter.Write(ReportFixtures.Result() with { Name = name }, folder, ReportOptions.Default);
        return folder;
    }

    /// <summary>Replaces the first value of <paramref name="key"/> (after <paramref name="after"/>) in a JSON file.</summary>
    private static void Tamper(string file, string key, string value, string after = "")
    {
        var text = File.ReadAllText(file);
        var start = after.Length == 0 ? 0 : text.IndexOf(after, StringComparison.Ordinal);
        var match = new Regex($"\"{key}\": [^,\\n}}\\]]+").Match(text, start);
        Assert.True(match.Success, $"{key} not found in {file}");
        File.WriteAllText(file, text[..match.Index] + $"\"{key}\": {value}" + text[(match.Index + match.Length)..]);
    }

    [Theory]
    [InlineData("accuracy", "1e308", "\"test\"", "'test.accuracy' is 1E+308; expected a number from 0 to 1")]
    [InlineData("accuracy", "-5", "\"test\"", "'test.accuracy' is -5; expected a number from 0 to 1")]
    [InlineData("loss", "-0.5", "\"test\"", "'test.loss' is -0.5; expected a finite number >= 0")]
    [InlineData("f1", "7", "\"per_class\"", "'per_class[0].f1' is 7; expected a number from 0 to 1")]
    [InlineData("support", "-1000", "\"per_class\"", "'per_class[0].support' is -1000; expected a count >= 0")]
    [InlineData("test_samples", "-1", "", "'test_samples' is -1; expected a count >= 0")]
    [InlineData("val_accuracy", "1.5", "\"history\"", "'history[0].val_accuracy' is 1.5; expected a number from 0 to 1")]
    [InlineData("accuracy_gap", "-3", "\"overfitting\"", "'overfitting.accuracy_gap' is -3; expected a number from -1 to 1")]
    public void A_metrics_value_out_of_range_is_one_line_naming_the_file_and_key(string key, string value, string after, string message)
    {
        var folder = WriteReport("reports", "cnn");
        var metrics = Path.Combine(folder, ReportFiles.Metrics);
        Tamper(metrics, key, value, after);

        var error = Assert.Throws<CifarUserException>(() => ReportSnapshotReader.ReadFolder(folder));

        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        Assert.Equal($"{folder}/{ReportFiles.Metrics}: {message}", Assert.Single(error.Lines));
    }

    [Fact]
    public void A_negative_confusion_cell_and_a_negative_timing_are_refused()
    {
        var folder = WriteReport("reports", "cnn");
        var metrics = Path.Combine(folder, ReportFiles.Metrics);
        File.WriteAllText(metrics, ConfusionStart().Replace(File.ReadAllText(metrics), "\"confusion_matrix\": [[-7,", 1));
        Assert.EndsWith("'confusion_matrix[0][0]' is -7; expected a count >= 0",
            Assert.Throws<CifarUserException>(() => ReportSnapshotReader.ReadFolder(folder)).Message, StringComparison.Ordinal);

        var other = WriteReport("reports", "other");
        Tamper(Path.Combine(other, ReportFiles.Timing), "total_seconds", "-1");
        Assert.Equal($"{other}/{ReportFiles.Timing}: 'total_seconds' is -1; expected a finite number >= 0",
            Assert.Throws<CifarUserException>(() => ReportSnapshotReader.ReadFolder(other)).Message);
    }

    [GeneratedRegex(@"""confusion_matrix"": \[\[[0-9]+,")]
    private static partial Regex ConfusionStart();

    [Fact]
    public void Diff_and_compare_of_a_tampered_folder_exit_2_with_one_line_and_no_stack_trace()
    {
        var good = WriteReport("base", "cnn");
        var bad = WriteReport("head", "cnn");
        Tamper(Path.Combine(bad, ReportFiles.Metrics), "accuracy", "1e308", "\"test\"");
        var expected = $"error: {bad}/{ReportFiles.Metrics}: 'test.accuracy' is 1E+308; expected a number from 0 to 1";

        foreach (var args in new[]
        {
            new[] { "diff", good, bad },
            ["diff", good, bad, "--format", "json"],
            ["compare", good, bad, "--output", _temp.Combine("comparison")],
        })
        {
            var result = ToolProcess.Run(_temp.Path, null, timeout: null, args);

            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Equal(expected, Assert.Single(result.ErrorLines));
        }
    }
}
