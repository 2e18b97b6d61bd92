using Cifar.Data;
using Cifar.Running;
using Cifar.Tests.Infra;
using Cifar.Training;

namespace Cifar.Tests.Running;

/// <summary>A fine-tuning run on cached activations: the same metrics whether the cache was cold or warm (issue 14).</summary>
[Collection("libtorch")]
public sealed class ActivationCacheRunTests : IDisposable
{
    private readonly TempFolder _temp = new("activation-run");
    private readonly GeneratedCifarArchive _archive = new CifarArchiveBuilder(recordsPerBatch: 40).Learnable().Build();

    public void Dispose() => _temp.Dispose();

    private sealed class Recorder : IRunObserver
    {
        public List<string> Lines { get; } = [];

        public void Info(string message)
        {
            lock (Lines) Lines.Add(message);
        }

        public IProgressSink BeginProgress(string description, long? total, ProgressUnit unit) => SilentRunObserver.Instance.BeginProgress(description, total, unit);

        public void EpochCompleted(string experiment, EpochLog epoch, int plannedEpochs)
        {
        }
    }

    private string Spec()
    {
        var yaml = $"""
            name: finetune
            seed: 7
            data:
              dataset: cifar10
              normalization: imagenet
              validation_split: 0.2
              batch_size: 16
              url: {_archive.WriteTo(_temp.Combine("cifar-10-binary.tar.gz"))}
            model:
              type: transfer
              base: resnet18
              weights: none
              trainable_layers: 0
              head:
                - dense: {"{units: 10}"}
            training:
              epochs: 1
              optimizer: {"{type: adam, learning_rate: 0.001}"}
              fine_tune: {"{trainable_layers: 1, epochs: 2, learning_rate: 0.0001}"}
            """;
        var path = _temp.Combine("finetune.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private (RunOutcome Outcome, Recorder Log) Run(string output)
    {
        var log = new Recorder();
        var outcome = new ExperimentRunner(new RunOptions(_temp.Combine(output), CacheDir: _temp.Combine("cache"), Threads: 1), log,
                new Cifar10Download(_archive.Md5s, _archive.RecordsPerBatch))
            .Run(ExperimentSpecs.Loader.Load(Spec()));
        return (outcome, log);
    }

    [TorchFact]
    public void Metrics_are_identical_with_a_cold_or_a_warm_activation_cache()
    {
        var (cold, coldLog) = Run("cold");
        var (warm, warmLog) = Run("warm");

        Assert.Contains(coldLog.Lines, l => l.Contains("activations below layer4 ready", StringComparison.Ordinal) && l.Contains("images computed", StringComparison.Ordinal));
        Assert.Contains(warmLog.Lines, l => l.Contains("all from the activation cache", StringComparison.Ordinal));
        Assert.Contains(warmLog.Lines, l => l.Contains("[256x2x2] Float16 per image", StringComparison.Ordinal));
        Assert.Equal(File.ReadAllBytes(Path.Combine(cold.Folder, "metrics.json")), File.ReadAllBytes(Path.Combine(warm.Folder, "metrics.json")));
        Assert.True(cold.TestAccuracy >= 0.3, $"fine-tuning on cached activations learned: {cold.TestAccuracy:P1}");
        var listed = CacheInventory.List(_temp.Combine("cache"));
        Assert.Equal(2, listed.Count(e => e.Kind == CacheEntryKind.Activations)); // train and validation
        Assert.All(listed.Where(e => e.Kind == CacheEntryKind.Activations), e => Assert.True(e.Bytes > 0));
    }
}
