using System.Text.Json;
using Cifar.Data;
using Cifar.Running;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Running;

/// <summary>Issue 10's training.ema and evaluation.tta, run end to end on a generated archive.</summary>
[Collection("libtorch")]
public sealed class EmaAndTtaRunTests : IDisposable
{
    private readonly TempFolder _temp = new("ema-tta-run-test");
    private readonly GeneratedCifarArchive _archive = new CifarArchiveBuilder(recordsPerBatch: 40).Build();

    public void Dispose() => _temp.Dispose();

    /// <summary>Runs a small spec with the given extra training keys and evaluation section; returns its report folder.</summary>
    private string Run(string name, string training, string evaluation)
    {
        var path = _temp.Combine(name + ".yaml");
        File.WriteAllText(path, $$"""
            name: {{name}}
            seed: 3
            data:
              dataset: cifar10
              normalization: standardize
              validation_split: 0.2
              batch_size: 16
              url: {{_archive.WriteTo(_temp.Combine("cifar-10-binary.tar.gz"))}}
            model:
              type: cnn
              layers:
                - conv2d: {filters: 4, kernel_size: 3, activation: relu}
                - batch_normalization: {}
                - max_pooling2d: {pool_size: 2}
                - flatten: {}
                - dense: {units: 10}
            training:
              epochs: 2
              optimizer: {type: sgd, learning_rate: 0.05, momentum: 0.9}
            {{training}}
            {{evaluation}}
            """);
        return new ExperimentRunner(new RunOptions(_temp.Combine(name + "-reports"), CacheDir: _temp.Combine("cache"), Threads: 1),
                SilentRunObserver.Instance, new Cifar10Download(_archive.Md5s, _archive.RecordsPerBatch))
            .Run(ExperimentSpecs.Loader.Load(path)).Folder;
    }

    private static string[] Column(string folder, int index) =>
        [.. File.ReadAllLines(Path.Combine(folder, "history.csv")).Skip(1).Select(line => line.Split(',')[index])];

    private static double TestLoss(string folder)
    {
        using var metrics = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "metrics.json")));
        return metrics.RootElement.GetProperty("test").GetProperty("loss").GetDouble();
    }

    [TorchFact]
    public void The_average_and_the_test_views_are_what_the_report_shows_and_a_rerun_is_byte_identical()
    {
        const string Ema = "  ema: {decay: 0.9}";
        const string Tta = "evaluation:\n  tta: {flip: true, translate: 1}";
        var both = Run("both", Ema, Tta);
        var bothAgain = Run("both", Ema, Tta);
        var averaged = Run("averaged", Ema, "");
        var plain = Run("plain", "", "");

        foreach (var file in new[] { "metrics.json", "history.csv", "predictions.txt" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(both, file)), File.ReadAllBytes(Path.Combine(bothAgain, file)));

        // The average trains nothing: the training batches' loss and accuracy (columns 2 and 3) are the raw run's; the
        // validation loss (column 4) and the test are the average's.
        Assert.Equal(Column(plain, 2), Column(averaged, 2));
        Assert.Equal(Column(plain, 3), Column(averaged, 3));
        Assert.NotEqual(Column(plain, 4), Column(averaged, 4));
        Assert.NotEqual(TestLoss(plain), TestLoss(averaged));

        // Test-time augmentation is for the test only: the history is the same, the test is not.
        Assert.Equal(File.ReadAllBytes(Path.Combine(averaged, "history.csv")), File.ReadAllBytes(Path.Combine(both, "history.csv")));
        Assert.NotEqual(TestLoss(averaged), TestLoss(both));

        var report = File.ReadAllText(Path.Combine(both, "report.md"));
        Assert.Contains("\n| Weight averaging | exponential moving average of the weights (decay 0.9, every step); validation, early stopping and the test evaluation use it |\n", report, StringComparison.Ordinal);
        Assert.Contains("\n| Test-time augmentation | horizontal flip, 1-pixel translations (logits averaged; test images only) |\n", report, StringComparison.Ordinal);
        Assert.DoesNotContain("Weight averaging", File.ReadAllText(Path.Combine(plain, "report.md")), StringComparison.Ordinal);
        Assert.Contains("<tr><th>Test-time augmentation</th><td>horizontal flip, 1-pixel translations (logits averaged; test images only)</td></tr>",
            File.ReadAllText(Path.Combine(both, "report.html")), StringComparison.Ordinal);
    }
}
