using System.Text;
using Cifar.Data;
using Cifar.Reports;
using Cifar.Reports.Files;
using Cifar.Running;
using Cifar.Specs;
using Cifar.Tests.Infra;
using Cifar.Tests.Reports;

namespace Cifar.Tests.Running;

/// <summary>
/// <c>dotnet cifar verify</c>'s checks: a folder against its manifest (fresh, one byte changed, a file added or
/// removed, no manifest), and a rerun of a real tiny run (identical, then one byte of metrics.json changed).
/// </summary>
[Collection("libtorch")]
public sealed class VerificationTests : IDisposable
{
    private readonly TempFolder _temp = new("verify-test");

    public void Dispose() => _temp.Dispose();

    private string WriteFixtureReport()
    {
        var folder = _temp.Combine("reports", "golden-cnn");
        ReportWriter.Write(ReportFixtures.Result(), folder, ReportOptions.Default);
        return folder;
    }

    [Fact]
    public void A_fresh_folder_matches_its_manifest()
    {
        var result = Verification.CheckManifest(WriteFixtureReport());

        Assert.Equal(VerificationVerdict.Identical, result.Verdict);
        Assert.Equal("identical: all 10 files match manifest.json", result.Summary);
        Assert.Empty(result.Details);
    }

    [Fact]
    public void One_changed_byte_of_metrics_json_is_named()
    {
        var folder = WriteFixtureReport();
        ChangeOneByteOfTestAccuracy(Path.Combine(folder, ReportFiles.Metrics));

        var result = Verification.CheckManifest(folder);

        Assert.Equal(VerificationVerdict.Differs, result.Verdict);
        var finding = Assert.Single(result.Details);
        Assert.StartsWith("metrics.json: changed since manifest.json was written (sha256 ", finding, StringComparison.Ordinal);
    }

    [Fact]
    public void Added_and_removed_files_are_named()
    {
        var folder = WriteFixtureReport();
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "added by hand\n");
        Directory.CreateDirectory(Path.Combine(folder, "extra"));
        File.WriteAllText(Path.Combine(folder, "extra", "more.txt"), "and more\n");
        File.Delete(Path.Combine(folder, ReportFiles.LossChart));

        var result = Verification.CheckManifest(folder);

        Assert.Equal(VerificationVerdict.Differs, result.Verdict);
        Assert.Equal(
        [
            "loss.svg: missing (listed in manifest.json)",
            "extra/more.txt: not in manifest.json (added since it was written)",
            "notes.txt: not in manifest.json (added since it was written)",
        ], result.Details);
    }

    [Fact]
    public void A_folder_without_a_manifest_cannot_be_verified()
    {
        var folder = WriteFixtureReport();
        File.Delete(Path.Combine(folder, ReportFiles.Manifest));

        var result = Verification.CheckManifest(folder);

        Assert.Equal(VerificationVerdict.CannotVerify, result.Verdict);
        Assert.StartsWith("cannot verify: no manifest.json (the folder was written before reports had one", result.Summary, StringComparison.Ordinal);
    }

    [TorchFact]
    public void A_spec_this_tool_no_longer_accepts_or_a_dataset_it_cannot_get_cannot_be_verified()
    {
        var invalid = _temp.Combine("reports", "invalid");
        ReportWriter.Write(ReportFixtures.Result(specText: ReportFixtures.SpecText + "colour: blue\n"), invalid, ReportOptions.Default);
        var missing = _temp.Combine("no-such-archive.tar.gz");
        var unavailable = _temp.Combine("reports", "unavailable");
        ReportWriter.Write(ReportFixtures.Result(specText: ReportFixtures.SpecText.Replace("  batch_size: 64\n", $"  batch_size: 64\n  url: {missing}\n", StringComparison.Ordinal)),
            unavailable, ReportOptions.Default);
        var verification = new Verification(new VerifyOptions(_temp.Combine("cache")), SilentRunObserver.Instance);

        var notValid = verification.Rerun(invalid);
        var noData = verification.Rerun(unavailable);

        Assert.Equal(VerificationVerdict.CannotVerify, notValid.Verdict);
        Assert.Equal("cannot verify: its spec.yaml is not a valid spec for this tool (made with dotnet-cifar 0.0.0-fake)", notValid.Summary);
        Assert.Contains(notValid.Details, d => d.Contains("colour", StringComparison.Ordinal));
        Assert.Equal(VerificationVerdict.CannotVerify, noData.Verdict);
        Assert.Equal("cannot verify: the rerun failed", noData.Summary);
        Assert.Contains(noData.Details, d => d.Contains(missing, StringComparison.Ordinal));
        Assert.False(Directory.Exists(_temp.Combine("reports", "golden-cnn"))); // nothing written beside the verified folders
    }

    [Fact]
    public void The_first_difference_of_json_is_its_key_path_and_both_values_and_of_text_its_line_and_column()
    {
        var json = FirstDifference.Of("metrics.json",
            Encoding.UTF8.GetBytes("{\"test\": {\"accuracy\": 0.5, \"loss\": 1}, \"history\": [{\"loss\": 2}, {\"loss\": 3}]}"),
            Encoding.UTF8.GetBytes("{\"test\": {\"accuracy\": 0.5, \"loss\": 1}, \"history\": [{\"loss\": 2}, {\"loss\": 4}]}"));
        var text = FirstDifference.Of("predictions.txt", Encoding.UTF8.GetBytes("# header\n0123\n0123\n"), Encoding.UTF8.GetBytes("# header\n0123\n0193\n"));

        Assert.Equal("'history[1].loss' is 3 in the folder, 4 on the rerun", json);
        Assert.Equal("line 3, column 3: '23' in the folder, '93' on the rerun", text);
        Assert.Null(FirstDifference.Of("history.csv", [1, 2], [1, 2]));
    }

    [Fact]
    public void A_report_is_compared_without_its_timing_section()
    {
        const string report = "# r\nbody\n<!-- timing:begin -->\n12.3 s\n<!-- timing:end -->\n";

        Assert.Equal(Verification.WithoutTiming(report), Verification.WithoutTiming(report.Replace("12.3", "45.6", StringComparison.Ordinal)));
        Assert.NotEqual(Verification.WithoutTiming(report), Verification.WithoutTiming(report.Replace("body", "bodY", StringComparison.Ordinal)));
    }

    [TorchFact]
    public void A_rerun_reproduces_a_tiny_run_and_finds_one_changed_byte_of_metrics_json()
    {
        var archive = new CifarArchiveBuilder(recordsPerBatch: 40).Build();
        var download = new Cifar10Download(archive.Md5s, archive.RecordsPerBatch);
        string spec = _temp.Combine("tiny.yaml");
        File.WriteAllText(spec, $"""
            name: tiny
            seed: 5
            data:
              dataset: cifar10
              normalization: rescale
              validation_split: 0.2
              batch_size: 16
              url: {archive.WriteTo(_temp.Combine("cifar-10-binary.tar.gz"))}
            model:
              type: cnn
              layers:
                - conv2d: {"{filters: 4, kernel_size: 3, activation: relu}"}
                - max_pooling2d: {"{pool_size: 2}"}
                - flatten: {"{}"}
                - dense: {"{units: 10}"}
            training:
              epochs: 2
              optimizer: {"{type: adam, learning_rate: 0.01}"}
            """);
        var cache = _temp.Combine("cache");
        var folder = new ExperimentRunner(new RunOptions(_temp.Combine("reports"), cache, Threads: 1), SilentRunObserver.Instance, download)
            .Run(ExperimentSpecs.Loader.Load(spec)).Folder;
        var before = _temp.Contents("reports");
        var verification = new Verification(new VerifyOptions(cache), SilentRunObserver.Instance, download);

        var identical = verification.Rerun(folder);
        Assert.True(identical.Verdict == VerificationVerdict.Identical, string.Join('\n', [identical.Summary, .. identical.Details]));
        Assert.StartsWith("identical: a rerun with 1 thread reproduced metrics.json, predictions.txt, history.csv", identical.Summary, StringComparison.Ordinal);
        Assert.Equal(before, _temp.Contents("reports")); // the verified folder is only read

        var (was, now) = ChangeOneByteOfTestAccuracy(Path.Combine(folder, ReportFiles.Metrics));
        var differs = verification.Rerun(folder);

        Assert.Equal(VerificationVerdict.Differs, differs.Verdict);
        Assert.Equal("differs from a rerun with 1 thread", differs.Summary);
        Assert.Contains(differs.Details, d => d.StartsWith("metrics.json: changed since manifest.json was written", StringComparison.Ordinal));
        Assert.Contains($"metrics.json: 'test.accuracy' is {now} in the folder, {was} on the rerun", differs.Details);
        Assert.Contains(differs.Details, d => d.EndsWith("this difference is not expected", StringComparison.Ordinal));
    }

    /// <summary>Changes the last digit of metrics.json's test accuracy; returns the value before and after.</summary>
    internal static (string Was, string Now) ChangeOneByteOfTestAccuracy(string metricsPath)
    {
        var text = File.ReadAllText(metricsPath);
        const string key = "\"accuracy\": ";
        var start = text.IndexOf(key, text.IndexOf("\"test\": {", StringComparison.Ordinal), StringComparison.Ordinal) + key.Length;
        var end = text.IndexOfAny([',', '\n'], start);
        var was = text[start..end];
        var last = was[^1];
        var now = was[..^1] + (char)('0' + ((last - '0' + 1) % 10));
        File.WriteAllText(metricsPath, text[..start] + now + text[end..]);
        return (was, now);
    }
}
