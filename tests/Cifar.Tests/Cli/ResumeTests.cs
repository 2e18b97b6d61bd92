using System.Runtime.InteropServices;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Cli;

/// <summary>
/// Issue 12's promise, with the real tool: a run killed with SIGKILL (<c>kill -9</c>, nothing cleaned up) during its
/// second epoch, started again, resumes from its checkpoint and writes a <c>metrics.json</c> byte-identical to an
/// uninterrupted run's; and its checkpoint is gone once the report is written.
/// </summary>
[Collection("libtorch")]
public sealed class ResumeTests(GeneratedCacheFixture cache) : IClassFixture<GeneratedCacheFixture>, IDisposable
{
    private readonly TempFolder _temp = new("resume-test");

    public void Dispose() => _temp.Dispose();

    /// <summary>Dropout (torch's default generator), a shuffle, Adam's moments, a cosine schedule and early stopping's best
    /// weights: every kind of state a resume must carry over. Epochs of a few seconds, so a kill lands inside one.</summary>
    private string WriteSpec()
    {
        string path = _temp.Combine("resume.yaml");
        File.WriteAllText(path, """
            name: resume
            seed: 11
            data:
              dataset: cifar10
              normalization: rescale
              validation_split: 0.1
              batch_size: 32
              train_samples: 12000   # about 2 s an epoch at 1 thread: room to kill inside epoch 2
              test_samples: 200
            model:
              type: cnn
              layers:
                - conv2d: {filters: 8, kernel_size: 3, activation: relu}
                - max_pooling2d: {pool_size: 2}
                - dropout: {rate: 0.25}
                - flatten: {}
                - dense: {units: 10}
            training:
              epochs: 3
              optimizer: {type: adam, learning_rate: 0.002}
              lr_schedule: {type: cosine, warmup_epochs: 1}
              early_stopping: {monitor: val_loss, patience: 5, restore_best_weights: true}
            """);
        return path;
    }

    [SignalFact(PosixSignal.SIGTERM)]
    public void A_run_killed_during_its_second_epoch_resumes_and_writes_a_byte_identical_metrics_json()
    {
        string spec = WriteSpec();
        string checkpoints = Path.Combine(cache.CacheRoot, "checkpoints");
        var uninterrupted = Run(spec, "uninterrupted");
        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.ToString());
        Assert.Empty(CheckpointFiles(checkpoints));

        string reports = _temp.Combine("interrupted");
        using (var tool = ToolProcess.Start(_temp.Path, null, "run", spec, "--output", reports, "--cache-dir", cache.CacheRoot, "--threads", "1"))
        {
            tool.WaitForOutputLine(line => line.StartsWith("resume epoch 1/3:", StringComparison.Ordinal), TimeSpan.FromMinutes(3));
            // The checkpoint is written just after the epoch line: wait until it is in place, then kill.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (CheckpointFiles(checkpoints).Count == 0 && clock.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(20);
            Assert.False(tool.HasPrinted(line => line.StartsWith("resume epoch 2/3:", StringComparison.Ordinal)), "killed during epoch 2");
            var killed = tool.KillHard();
            Assert.DoesNotContain("resume: test accuracy", killed.Output, StringComparison.Ordinal);
        }
        Assert.Single(CheckpointFiles(checkpoints));
        Assert.False(File.Exists(Path.Combine(reports, "resume", "metrics.json")));

        var resumed = ToolProcess.Run(_temp.Path, null, TimeSpan.FromMinutes(3),
            "run", spec, "--output", reports, "--cache-dir", cache.CacheRoot, "--threads", "1");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains(resumed.ErrorLines, line => line.StartsWith("resume: resuming from epoch 2, epochs 1-1 restored from checkpoint ", StringComparison.Ordinal));
        Assert.DoesNotContain("resume epoch 1/3:", resumed.Output, StringComparison.Ordinal);
        Assert.Contains("resume epoch 2/3:", resumed.Output, StringComparison.Ordinal);
        Assert.Equal(
            File.ReadAllBytes(Path.Combine(_temp.Combine("uninterrupted"), "resume", "metrics.json")),
            File.ReadAllBytes(Path.Combine(reports, "resume", "metrics.json")));
        Assert.Empty(CheckpointFiles(checkpoints));
    }

    [SignalFact(PosixSignal.SIGTERM)]
    public void Restart_ignores_the_checkpoint_and_trains_from_the_first_epoch()
    {
        string spec = WriteSpec();
        string checkpoints = Path.Combine(cache.CacheRoot, "checkpoints");
        // --restart here too: the cache is shared with the other tests, whose checkpoints must not be resumed.
        using (var tool = ToolProcess.Start(_temp.Path, null, "run", spec, "--output", _temp.Combine("a"), "--cache-dir", cache.CacheRoot, "--threads", "1", "--restart"))
        {
            tool.WaitForOutputLine(line => line.StartsWith("resume epoch 1/3:", StringComparison.Ordinal), TimeSpan.FromMinutes(3));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (CheckpointFiles(checkpoints).Count == 0 && clock.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(20);
            tool.KillHard();
        }

        var restarted = ToolProcess.Run(_temp.Path, null, TimeSpan.FromMinutes(3),
            "run", spec, "--output", _temp.Combine("a"), "--cache-dir", cache.CacheRoot, "--threads", "1", "--restart");

        Assert.True(restarted.ExitCode == 0, restarted.ToString());
        Assert.DoesNotContain("resuming", restarted.Error, StringComparison.Ordinal);
        Assert.Contains("resume epoch 1/3:", restarted.Output, StringComparison.Ordinal);
        Assert.Empty(CheckpointFiles(checkpoints));
    }

    private ToolResult Run(string spec, string output) => ToolProcess.Run(_temp.Path, null, TimeSpan.FromMinutes(3),
        "run", spec, "--output", _temp.Combine(output), "--cache-dir", cache.CacheRoot, "--threads", "1");

    private static List<string> CheckpointFiles(string folder) =>
        Directory.Exists(folder) ? [.. Directory.EnumerateFiles(folder, "*.checkpoint")] : [];
}
