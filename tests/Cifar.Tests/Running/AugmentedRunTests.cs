using Cifar.Data;
using Cifar.Running;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Running;

/// <summary>Issue 10: a spec with augmentation and the training recipe, run twice end to end on a generated archive.</summary>
[Collection("libtorch")]
public sealed class AugmentedRunTests : IDisposable
{
    private readonly TempFolder _temp = new("augmented-run-test");
    private readonly GeneratedCifarArchive _archive = new CifarArchiveBuilder(recordsPerBatch: 40).Build();

    public void Dispose() => _temp.Dispose();

    private RunOutcome Run(string specPath, string output) =>
        new ExperimentRunner(new RunOptions(output, CacheDir: _temp.Combine("cache"), Threads: 1), SilentRunObserver.Instance,
                new Cifar10Download(_archive.Md5s, _archive.RecordsPerBatch))
            .Run(ExperimentSpecs.Loader.Load(specPath));

    [TorchFact]
    public void An_augmented_spec_run_twice_gives_a_byte_identical_metrics_json_and_a_setup_that_shows_the_recipe()
    {
        var path = _temp.Combine("augmented.yaml");
        File.WriteAllText(path, $$"""
            name: augmented
            seed: 7
            data:
              dataset: cifar10
              normalization: standardize
              validation_split: 0.2
              batch_size: 16
              url: {{_archive.WriteTo(_temp.Combine("cifar-10-binary.tar.gz"))}}
              augmentation:
                - random_crop: {padding: 4, fill: reflect}
                - horizontal_flip: {mode: alternating}
                - rand_augment: {num_ops: 1, magnitude: 5}
                - color_jitter: {brightness: 0.2}
                - cutout: {size: 8}
                - mixup: {alpha: 0.4, probability: 0.5}
            model:
              type: cnn
              layers:
                - conv2d: {filters: 4, kernel_size: 3, activation: relu}
                - max_pooling2d: {pool_size: 2}
                - flatten: {}
                - dense: {units: 10}
            training:
              epochs: 2
              optimizer: {type: sgd, learning_rate: 0.05, momentum: 0.9, nesterov: true, weight_decay: 0.0005}
              lr_schedule: {type: linear, warmup_epochs: 1}
              label_smoothing: 0.2
            """);

        var first = Run(path, _temp.Combine("first"));
        var second = Run(path, _temp.Combine("second"));

        foreach (var file in new[] { "metrics.json", "history.csv", "predictions.txt", "learning_rate.svg" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(first.Folder, file)), File.ReadAllBytes(Path.Combine(second.Folder, file)));
        var report = File.ReadAllText(Path.Combine(first.Folder, "report.md"));
        Assert.Contains("random_crop (padding 4, fill reflect), horizontal_flip (mode alternating), rand_augment (num_ops 1, magnitude 5), color_jitter (brightness 0.2, contrast 0, saturation 0), cutout (size 8, count 1), mixup (alpha 0.4, probability 0.5)", report, StringComparison.Ordinal);
        Assert.Contains("linear (warmup_epochs 1, end_factor 0), per step", report, StringComparison.Ordinal);
        Assert.Contains("label_smoothing 0.2", report, StringComparison.Ordinal);
        // Each setting is its own table row, between the optimizer and early stopping.
        Assert.Matches(@"\n\| Optimizer \| sgd \(learning_rate 0\.05, momentum 0\.9, nesterov true, weight_decay 0\.0005\) \|\n\| Learning rate schedule \| [^\n]+ \|\n\| Loss \| [^\n]+ \|\n\| Augmentation \| [^\n]+ \(training images only\) \|\n\| Early stopping \|", report);
    }
}
