using System.Globalization;
using Cifar.Data;
using Cifar.Running;
using Cifar.Specs;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Running;

/// <summary>The whole pipeline (spec -> data -> train -> evaluate -> report folder) on a generated CIFAR-format archive.</summary>
[Collection("libtorch")]
public sealed class ExperimentRunnerTests : IDisposable
{
    private readonly TempFolder _temp = new("runner-test");
    private readonly GeneratedCifarArchive _archive = new CifarArchiveBuilder(recordsPerBatch: 40).Learnable().Build();

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
            .Run(ExperimentSpecs.Loader.Load(specPath));

    [TorchFact]
    public void A_run_writes_the_whole_report_folder()
    {
        var outcome = Run(WriteSpec(), _temp.Combine("reports"));

        Assert.Equal(_temp.Combine("reports", "tiny"), outcome.Folder);
        // The generated images are learnable (one colour per class): chance is 10%, this run gets all 40 test images right.
        Assert.True(outcome.TestAccuracy >= 0.8, $"the CNN learned: {outcome.TestAccuracy:P1} test accuracy");
        string[] expected = ["accuracy.svg", "history.csv", "learning_rate.svg", "loss.svg", "manifest.json", "metrics.json", "predictions.txt", "reliability.svg", "report.html", "report.md", "spec.yaml", "test-outcomes.csv", "timing.json"];
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

        foreach (string file in new[] { "metrics.json", "history.csv", "predictions.txt", "loss.svg", "accuracy.svg", "learning_rate.svg", "spec.yaml" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(first.Folder, file)), File.ReadAllBytes(Path.Combine(second.Folder, file)));
        foreach (string report in new[] { "report.md", "report.html" })
            Assert.Equal(WithoutTiming(File.ReadAllText(Path.Combine(first.Folder, report))), WithoutTiming(File.ReadAllText(Path.Combine(second.Folder, report))));
        // The manifests differ only in the hashes of the files that hold timings.
        static string[] Manifest(string folder) => [.. File.ReadAllLines(Path.Combine(folder, "manifest.json"))
            .Where(line => !(line.Contains("\"timing.json\": \"", StringComparison.Ordinal) || line.Contains("\"report.md\": \"", StringComparison.Ordinal)
                || line.Contains("\"report.html\": \"", StringComparison.Ordinal)))];
        Assert.Equal(Manifest(first.Folder), Manifest(second.Folder));
    }

    [TorchFact]
    public void Several_specs_also_get_a_comparison()
    {
        var outcomes = new ExperimentRunner(new RunOptions(_temp.Combine("reports"), CacheDir: _temp.Combine("cache"), Threads: 1),
                SilentRunObserver.Instance, new Cifar10Download(_archive.Md5s, _archive.RecordsPerBatch))
            .RunAll([ExperimentSpecs.Loader.Load(WriteSpec("alpha")), ExperimentSpecs.Loader.Load(WriteSpec("beta"))]);

        Assert.Equal(["alpha", "beta"], outcomes.Select(o => o.Name));
        Assert.True(File.Exists(_temp.Combine("reports", "comparison.html")));
        // Each experiment's row links its report and shows its own test accuracy (k/40, so two decimals are exact).
        var rows = File.ReadAllLines(_temp.Combine("reports", "comparison.md"));
        foreach (var outcome in outcomes)
        {
            var row = Assert.Single(rows, line => line.StartsWith($"| [{outcome.Name}]({outcome.Name}/report.md) |", StringComparison.Ordinal));
            Assert.Contains($"| {(outcome.TestAccuracy * 100).ToString("F2", CultureInfo.InvariantCulture)}% |", row, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// The transfer paths get uint8 splits and normalize each batch: head on cached features then fine-tuning, and a
    /// base trainable from the start. A random-init ResNet18 needs no download.
    /// </summary>
    [TorchFact]
    public void Transfer_runs_with_a_frozen_or_trainable_base_train_on_normalized_batches()
    {
        string Spec(string name, int trainableLayers, string fineTune)
        {
            string yaml = $"""
                name: {name}
                seed: 7
                data:
                  dataset: cifar10
                  normalization: imagenet
                  validation_split: 0.2
                  batch_size: 32
                  url: {_archive.WriteTo(_temp.Combine("cifar-10-binary.tar.gz"))}
                model:
                  type: transfer
                  base: resnet18
                  weights: none
                  trainable_layers: {trainableLayers}
                  head:
                    - dense: {"{units: 10}"}
                training:
                  epochs: 1
                  optimizer: {"{type: adam, learning_rate: 0.001}"}
                {fineTune}
                """;
            string path = _temp.Combine(name + ".yaml");
            File.WriteAllText(path, yaml);
            return path;
        }

        var frozen = Run(Spec("frozen", 0, "  fine_tune: {trainable_layers: 1, epochs: 1, learning_rate: 0.0001}"), _temp.Combine("reports"));
        var trainable = Run(Spec("trainable", 1, ""), _temp.Combine("reports"));

        string frozenMetrics = File.ReadAllText(Path.Combine(frozen.Folder, "metrics.json"));
        Assert.Contains("fine_tune", frozenMetrics, StringComparison.Ordinal);
        var manifest = Cifar.Reports.Files.ReportFileJson.ReadManifest(File.ReadAllText(Path.Combine(frozen.Folder, "manifest.json")), "manifest.json");
        Assert.Equal("none (random init)", manifest.Weights?.Description);
        Assert.Equal(3, Directory.GetDirectories(_temp.Combine("cache", "features")).Length); // train, validation, test
        // Fine-tuning layer4 (and training it from the start) reads layer3's activations of train and validation from the cache.
        Assert.Equal(2, Directory.GetDirectories(_temp.Combine("cache", "activations")).Length);
        // Chance is 10%. The frozen random base still separates the colours for the head (82.5% here); one epoch of
        // the trainable base gets half of the test images right.
        Assert.True(frozen.TestAccuracy >= 0.5, $"the head on frozen features learned: {frozen.TestAccuracy:P1} test accuracy");
        Assert.True(trainable.TestAccuracy >= 0.3, $"the trainable base learned: {trainable.TestAccuracy:P1} test accuracy");
    }

    private static string WithoutTiming(string report)
    {
        int begin = report.IndexOf("<!-- timing:begin -->", StringComparison.Ordinal);
        int end = report.IndexOf("<!-- timing:end -->", StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "the report has a marked timing section");
        return report[..begin] + report[end..];
    }
}
