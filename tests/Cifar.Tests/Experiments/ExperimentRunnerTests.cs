using Cifar.Data;
using Cifar.Experiments;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Experiments;

/// <summary>The whole pipeline (spec -> data -> train -> evaluate -> report folder) on a generated CIFAR-format archive.</summary>
[Collection("libtorch")]
public sealed class ExperimentRunnerTests : IDisposable
{
    private readonly TempFolder _temp = new("runner-test");
    private readonly GeneratedCifarArchive _archive = new CifarArchiveBuilder(recordsPerBatch: 40).Build();

    public void Dispose() => _temp.Dispose();

    private string WriteSpec(string name = "tiny")
    {
        string archivePath = _archive.WriteTo(_temp.Combine("cifar-10-binary.tar.gz"));
        string yaml = $"""
            name: {name}
            description: tiny <b>end-to-end</b> run
            seed: 7
            data:
              dataset: cifar10
              normalization: standardize
              validation_split: 0.2
              batch_size: 16
              url: {archivePath}
            model:
              type: cnn
              layers:
                - conv2d: {"{filters: 4, kernel_size: 3, activation: relu}"}
                - max_pooling2d: {"{pool_size: 2}"}
                - dropout: {"{rate: 0.25}"}
                - flatten: {"{}"}
                - dense: {"{units: 10}"}
            training:
              epochs: 3
              optimizer: {"{type: adam, learning_rate: 0.01}"}
              early_stopping: {"{monitor: val_loss, patience: 1, restore_best_weights: true}"}
            """;
        string path = _temp.Combine(name + ".yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private RunOutcome Run(string specPath, string output) =>
        new ExperimentRunner(new RunOptions(output, CacheDir: _temp.Combine("cache"), Threads: 1), SilentRunObserver.Instance,
                new Cifar10Download(_archive.Md5s, _archive.RecordsPerBatch))
            .Run(SpecLoader.Load(specPath));

    [TorchFact]
    public void A_run_writes_the_whole_report_folder()
    {
        var outcome = Run(WriteSpec(), _temp.Combine("reports"));

        Assert.Equal(_temp.Combine("reports", "tiny"), outcome.Folder);
        string[] expected = ["accuracy.svg", "history.csv", "loss.svg", "metrics.json", "predictions.txt", "report.html", "report.md", "spec.yaml", "timing.json"];
        Assert.Equal(expected, Directory.GetFiles(outcome.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        string html = File.ReadAllText(Path.Combine(outcome.Folder, "report.html"));
        Assert.Contains("tiny &lt;b&gt;end-to-end&lt;/b&gt; run", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>end-to-end</b>", html, StringComparison.Ordinal);
    }

    /// <summary>Issue 3, point 3: same spec, same machine, same thread count -> byte-identical metrics.json and report.md
    /// outside the timing section.</summary>
    [TorchFact]
    public void Two_runs_of_the_same_spec_give_byte_identical_metrics_and_reports()
    {
        string spec = WriteSpec();
        var first = Run(spec, _temp.Combine("first"));
        var second = Run(spec, _temp.Combine("second"));

        foreach (string file in new[] { "metrics.json", "history.csv", "predictions.txt", "loss.svg", "accuracy.svg", "spec.yaml" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(first.Folder, file)), File.ReadAllBytes(Path.Combine(second.Folder, file)));
        foreach (string report in new[] { "report.md", "report.html" })
            Assert.Equal(WithoutTiming(File.ReadAllText(Path.Combine(first.Folder, report))), WithoutTiming(File.ReadAllText(Path.Combine(second.Folder, report))));
    }

    [TorchFact]
    public void Several_specs_also_get_a_comparison()
    {
        var outcomes = new ExperimentRunner(new RunOptions(_temp.Combine("reports"), CacheDir: _temp.Combine("cache"), Threads: 1),
                SilentRunObserver.Instance, new Cifar10Download(_archive.Md5s, _archive.RecordsPerBatch))
            .RunAll([SpecLoader.Load(WriteSpec("alpha")), SpecLoader.Load(WriteSpec("beta"))]);

        Assert.Equal(["alpha", "beta"], outcomes.Select(o => o.Name));
        Assert.True(File.Exists(_temp.Combine("reports", "comparison.md")));
        Assert.True(File.Exists(_temp.Combine("reports", "comparison.html")));
    }

    private static string WithoutTiming(string report)
    {
        int begin = report.IndexOf("<!-- timing:begin -->", StringComparison.Ordinal);
        int end = report.IndexOf("<!-- timing:end -->", StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "the report has a marked timing section");
        return report[..begin] + report[end..];
    }
}
