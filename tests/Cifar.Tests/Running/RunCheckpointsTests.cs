using Cifar.Running;
using Cifar.Tests.Infra;
using Cifar.Tests.Reports;
using Cifar.Training;
using static TorchSharp.torch;

namespace Cifar.Tests.Running;

/// <summary>A run's checkpoints in the cache: only its own are used, and a damaged one costs a one-line notice, never the run.</summary>
[Collection("libtorch")]
public sealed class RunCheckpointsTests : IDisposable
{
    private readonly TempFolder _temp = new("run-checkpoints");
    private readonly NoticeRecorder _observer = new();

    public void Dispose() => _temp.Dispose();

    private RunCheckpoints Store(string specHash = "spec-a", int threads = 1, int seed = 3) => RunCheckpoints.For(
        _temp.Combine("cache"), "tiny", specHash, "dataset-a", ReportFixtures.FakeEnvironment, threads, seed, _observer);

    [TorchFact]
    public void Its_own_checkpoint_is_loaded_and_Clear_removes_it()
    {
        var store = Store();
        SaveOne(store);

        using (var loaded = store.TryLoad("train"))
        {
            Assert.NotNull(loaded);
            Assert.Equal(1, loaded.Epoch);
        }
        Assert.Empty(_observer.Notices);
        store.Clear();
        Assert.False(File.Exists(store.PathOf("train")));
    }

    [TorchFact]
    public void A_checkpoint_of_another_spec_hash_thread_count_or_seed_is_not_used()
    {
        SaveOne(Store());

        Assert.Null(Store(specHash: "spec-b").TryLoad("train"));
        Assert.Null(Store(threads: 2).TryLoad("train"));
        Assert.Null(Store(seed: 4).TryLoad("train"));
        Assert.Empty(_observer.Notices); // another run's checkpoint has another file name: nothing to warn about
    }

    [TorchFact]
    public void A_checkpoint_copied_under_another_runs_name_is_ignored_with_one_line()
    {
        var mine = Store();
        SaveOne(mine);
        var other = Store(threads: 2);
        Directory.CreateDirectory(other.Folder);
        File.Copy(mine.PathOf("train"), other.PathOf("train"));

        Assert.Null(other.TryLoad("train"));
        var notice = Assert.Single(_observer.Notices);
        Assert.Contains("belongs to another run", notice, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', notice);
    }

    [TorchTheory]
    [InlineData("truncated")]
    [InlineData("one byte changed")]
    [InlineData("empty")]
    [InlineData("not a checkpoint")]
    public void A_damaged_checkpoint_is_ignored_with_one_line_and_never_used(string damage)
    {
        var store = Store();
        SaveOne(store);
        var path = store.PathOf("train");
        var bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "truncated": File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]); break;
            case "one byte changed": bytes[bytes.Length / 2] ^= 1; File.WriteAllBytes(path, bytes); break;
            case "empty": File.WriteAllBytes(path, []); break;
            default: File.WriteAllText(path, "name: not a checkpoint\n"); break;
        }

        Assert.Null(store.TryLoad("train"));
        var notice = Assert.Single(_observer.Notices);
        Assert.StartsWith($"tiny: ignoring checkpoint {path}: ", notice, StringComparison.Ordinal);
        Assert.EndsWith("; starting train afresh", notice, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', notice);
    }

    [TorchFact]
    public void A_temporary_file_left_by_a_killed_write_is_removed_once_it_is_old()
    {
        var store = Store();
        Directory.CreateDirectory(store.Folder);
        var leftover = Path.Combine(store.Folder, $".{Path.GetFileName(store.PathOf("train"))}.0123.tmp");
        File.WriteAllText(leftover, "half a checkpoint");
        File.SetLastWriteTimeUtc(leftover, DateTime.UtcNow - TimeSpan.FromMinutes(5));

        Assert.Null(store.TryLoad("train"));
        Assert.False(File.Exists(leftover));
    }

    private static void SaveOne(RunCheckpoints store)
    {
        using var weight = ones(4);
        using var defaultState = TorchSharp.torch.Generator.Default.get_state();
        using var generator = new TorchSharp.torch.Generator(1, CPU);
        using var shuffleState = generator.get_state();
        using var checkpoint = new TrainingCheckpoint("train", 1, 3, 1, false, null, [new(1, "train", 1, 0.5, 1, 0.5, 1, 1)],
            [new("w", weight)], [1, 2, 3], defaultState, shuffleState, [], ownsTensors: false);
        store.Save(checkpoint);
    }

    private sealed class NoticeRecorder : IRunObserver
    {
        public List<string> Notices { get; } = [];

        public void Info(string message) { }

        public void Notice(string message) => Notices.Add(message);

        public IProgressSink BeginProgress(string description, long? total, ProgressUnit unit) =>
            SilentRunObserver.Instance.BeginProgress(description, total, unit);

        public void EpochCompleted(string experiment, EpochLog epoch, int plannedEpochs) { }
    }
}
