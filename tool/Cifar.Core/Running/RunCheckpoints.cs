using System.Globalization;
using Cifar.Data;
using Cifar.Reproducibility;
using Cifar.Training;

namespace Cifar.Running;

/// <summary>What a run does with checkpoints (<c>run</c> resumes, <c>run --restart</c> starts afresh, <c>verify</c> keeps none).</summary>
public enum CheckpointMode
{
    /// <summary>Resume from a matching checkpoint if there is one; keep one at every epoch end; remove them when the report is written.</summary>
    Resume,

    /// <summary>Delete any matching checkpoint first, then keep new ones as <see cref="Resume"/> does.</summary>
    Restart,

    /// <summary>Neither read nor write checkpoints (a rerun that must be a fresh run, such as <c>verify</c>'s).</summary>
    None,
}

/// <summary>
/// One run's epoch-end checkpoints in the cache, one file per training phase:
/// <c>&lt;cache&gt;/checkpoints/&lt;experiment&gt;.&lt;key&gt;.&lt;phase&gt;.checkpoint</c>. The key is the SHA-256 (first 16
/// hex digits) of the run's identity: the spec's hash, the dataset's content hash, the tool version and commit, the
/// libtorch thread count and the seed actually used; the whole identity is also stored in the file and compared, so a
/// checkpoint of another spec, dataset, tool, thread count or seed is never used. A checkpoint that cannot be used is
/// ignored with a one-line notice (and replaced at the next epoch end); one that cannot be written costs the resume,
/// not the run.
/// </summary>
internal sealed class RunCheckpoints : ICheckpointStore
{
    /// <summary>The cache subfolder that holds checkpoints.</summary>
    public const string FolderName = "checkpoints";

    /// <summary>File name ending of a checkpoint.</summary>
    public const string Extension = ".checkpoint";

    private readonly IRunObserver _observer;
    private readonly string _experiment;
    private bool _saveFailed;

    private RunCheckpoints(string folder, string experiment, string identity, IRunObserver observer)
    {
        (Folder, _experiment, Identity, _observer) = (folder, experiment, identity, observer);
        Key = Hashing.Sha256Hex(identity)[..16];
    }

    /// <summary>The run's checkpoints under <paramref name="cacheRoot"/>.</summary>
    /// <param name="specHash">SHA-256 of the spec text as the report records it.</param>
    /// <param name="seed">The seed this run uses (one of a spec's several seeds, if it has them).</param>
    public static RunCheckpoints For(
        string cacheRoot, string experiment, string specHash, string datasetHash, EnvironmentInfo environment, int threads, int seed,
        IRunObserver observer)
    {
        ArgumentException.ThrowIfNullOrEmpty(cacheRoot);
        ArgumentNullException.ThrowIfNull(environment);
        var identity = string.Create(CultureInfo.InvariantCulture, $"""
            dotnet-cifar training checkpoint
            experiment: {experiment}
            spec: {specHash}
            dataset: {datasetHash}
            tool: {environment.ToolVersion} {environment.GitCommit}
            threads: {threads}
            seed: {seed}
            """);
        return new RunCheckpoints(Path.Combine(cacheRoot, FolderName), experiment, identity, observer);
    }

    public string Folder { get; }

    /// <summary>The identity text stored in (and required of) every checkpoint of this run.</summary>
    public string Identity { get; }

    /// <summary>16 hex digits of the identity's SHA-256: part of each file name.</summary>
    public string Key { get; }

    public string PathOf(string phase) => Path.Combine(Folder, $"{FileStem}.{Key}.{phase}{Extension}");

    /// <summary>The experiment's name as the start of a file name: a sweep cell's <c>sweep/cell</c> with its '/'
    /// replaced (the key, a hash of the identity that holds the real name, keeps names apart).</summary>
    private string FileStem => _experiment.Replace('/', '_');

    public TrainingCheckpoint? TryLoad(string phase)
    {
        var path = PathOf(phase);
        LeftoverTempFiles.Remove(Folder, $".*{Extension}.*.tmp");
        var checkpoint = CheckpointFile.TryRead(path, Identity, out var problem);
        if (problem is not null) _observer.Notice($"{_experiment}: ignoring checkpoint {path}: {problem}; starting {phase} afresh");
        return checkpoint;
    }

    public void Save(TrainingCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        try
        {
            CheckpointFile.Write(PathOf(checkpoint.Phase), Identity, checkpoint);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Training goes on: the checkpoint only saves time after a kill. Said once per run.
            if (!_saveFailed) _observer.Notice($"{_experiment}: cannot write checkpoint {PathOf(checkpoint.Phase)} ({e.Message.ReplaceLineEndings(" ")}); this run cannot be resumed");
            _saveFailed = true;
        }
    }

    public void Resumed(TrainingCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var finished = checkpoint.StopRequested || checkpoint.Epoch == checkpoint.LastEpoch;
        var phase = checkpoint.Phase == "train" ? "" : $" ({checkpoint.Phase})";
        _observer.Notice(finished
            ? string.Create(CultureInfo.InvariantCulture,
                $"{_experiment}: resuming after epoch {checkpoint.Epoch}{phase}, where training had finished (checkpoint {PathOf(checkpoint.Phase)})")
            : string.Create(CultureInfo.InvariantCulture,
                $"{_experiment}: resuming from epoch {checkpoint.Epoch + 1}{phase}, epochs {checkpoint.FirstEpoch}-{checkpoint.Epoch} restored from checkpoint {PathOf(checkpoint.Phase)}"));
    }

    public void Rejected(string phase, string reason) =>
        _observer.Notice($"{_experiment}: ignoring checkpoint {PathOf(phase)}: {reason}; starting {phase} afresh");

    /// <summary>Deletes every checkpoint of this run (all phases): when its report is written, or for <c>--restart</c>.</summary>
    public void Clear()
    {
        if (!Directory.Exists(Folder)) return;
        foreach (var file in Directory.EnumerateFiles(Folder, $"{FileStem}.{Key}.*{Extension}"))
        {
            try
            {
                File.Delete(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _observer.Notice($"{_experiment}: cannot remove checkpoint {file}: {e.Message.ReplaceLineEndings(" ")}");
            }
        }
    }
}
