using Cifar.Reports;
using Cifar.Tests.Infra;
using Cifar.Tests.Reports;
using Cifar.Tests.Running;

namespace Cifar.Tests.Cli;

/// <summary>
/// <c>dotnet cifar verify</c> as a user runs it: the built tool as a child process, and its documented exit codes
/// (0 identical, 5 differs, 6 cannot verify).
/// </summary>
[Collection("libtorch")]
public sealed class VerifyCliTests(GeneratedCacheFixture cache) : IClassFixture<GeneratedCacheFixture>, IDisposable
{
    private readonly TempFolder _temp = new("verify-cli-test");

    public void Dispose() => _temp.Dispose();

    private ToolResult Cifar(params string[] args) => ToolProcess.Run(_temp.Path, null, timeout: null, args);

    [Fact]
    public void Manifest_only_exits_0_on_a_fresh_folder_and_5_naming_the_file_after_one_byte_changes()
    {
        var folder = _temp.Combine("reports", "golden-cnn");
        ReportWriter.Write(ReportFixtures.Result(), folder, ReportOptions.Default);

        var fresh = Cifar("verify", "--manifest-only", folder);
        VerificationTests.ChangeOneByteOfTestAccuracy(Path.Combine(folder, "metrics.json"));
        var changed = Cifar("verify", "--manifest-only", folder);

        Assert.True(fresh.ExitCode == 0, fresh.ToString());
        Assert.Equal($"{folder}: identical: all 10 files match manifest.json\n", fresh.Output);
        Assert.Empty(fresh.Error);
        Assert.True(changed.ExitCode == 5, changed.ToString());
        Assert.Contains("  metrics.json: changed since manifest.json was written", changed.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Manifest_only_on_a_report_without_a_manifest_exits_6_with_one_clear_line()
    {
        // A report folder as the tool wrote it before manifests existed: every file but manifest.json.
        var folder = _temp.Combine("reports", "before-manifests");
        ReportWriter.Write(ReportFixtures.Result(), folder, ReportOptions.Default);
        File.Delete(Path.Combine(folder, "manifest.json"));

        var result = Cifar("verify", "--manifest-only", folder);

        Assert.True(result.ExitCode == 6, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"error: {folder}: cannot verify: no manifest.json", line, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [TorchFact]
    public void Verify_reruns_a_real_run_exits_0_then_5_after_one_byte_of_metrics_json_changes()
    {
        string spec = _temp.Combine("tiny.yaml");
        File.WriteAllText(spec, """
            name: tiny
            seed: 11
            data:
              dataset: cifar10
              normalization: rescale
              validation_split: 0.1
              batch_size: 32
              train_samples: 400
              test_samples: 100
            model:
              type: cnn
              layers:
                - conv2d: {filters: 4, kernel_size: 3, activation: relu}
                - flatten: {}
                - dense: {units: 10}
            training:
              epochs: 1
              optimizer: {type: adam, learning_rate: 0.001}
            """);
        var run = Cifar("run", spec, "--output", _temp.Combine("reports"), "--cache-dir", cache.CacheRoot, "--threads", "1");
        Assert.True(run.ExitCode == 0, run.ToString());
        var folder = _temp.Combine("reports", "tiny");

        var identical = Cifar("verify", folder, "--cache-dir", cache.CacheRoot);
        var (was, now) = VerificationTests.ChangeOneByteOfTestAccuracy(Path.Combine(folder, "metrics.json"));
        var differs = Cifar("verify", folder, "--cache-dir", cache.CacheRoot);

        Assert.True(identical.ExitCode == 0, identical.ToString());
        Assert.Contains($"{folder}: identical: a rerun with 1 thread reproduced metrics.json", identical.Output, StringComparison.Ordinal);
        Assert.True(differs.ExitCode == 5, differs.ToString());
        Assert.Contains($"{folder}: differs from a rerun with 1 thread", differs.Output, StringComparison.Ordinal);
        Assert.Contains($"  metrics.json: 'test.accuracy' is {now} in the folder, {was} on the rerun", differs.Output, StringComparison.Ordinal);
    }
}
