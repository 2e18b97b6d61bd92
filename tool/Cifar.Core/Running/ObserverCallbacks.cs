using Cifar.Data;
using Cifar.Specs;
using Cifar.Training;

namespace Cifar.Running;

/// <summary>The callbacks every fit of a run gets.</summary>
internal static class RunCallbacks
{
    /// <param name="plannedEpochs">Epochs the run may take in all, for the progress lines ("epoch 3/23").</param>
    public static List<Callback> For(ExperimentSpec spec, IRunObserver observer, int plannedEpochs)
    {
        var callbacks = new List<Callback>();
        if (spec.Training.EarlyStopping is { } earlyStopping) callbacks.Add(new EarlyStopping(earlyStopping));
        // After EarlyStopping, so the progress line can say why training stopped and which epoch was restored.
        callbacks.Add(new ProgressCallback(observer, spec.Name, plannedEpochs));
        return callbacks;
    }
}

/// <summary>Feeds the batches of each epoch to a progress bar and each finished epoch to the observer's epoch line.</summary>
internal sealed class ProgressCallback(IRunObserver observer, string experiment, int plannedEpochs) : Callback
{
    private IProgressSink? _bar;

    public override void OnEpochBegin(TrainingContext context, int epoch)
    {
        _bar?.Dispose();
        string phase = context.Phase == "train" ? "" : $" ({context.Phase})";
        _bar = observer.BeginProgress($"{experiment} epoch {epoch}/{plannedEpochs}{phase}", context.BatchesPerEpoch, ProgressUnit.Batches);
    }

    public override void OnBatchEnd(TrainingContext context, int batch, int batchCount, BatchLogs logs) => _bar?.Report(batch);

    public override void OnEpochEnd(TrainingContext context, EpochLog log)
    {
        _bar?.Dispose();
        _bar = null;
        observer.EpochCompleted(experiment, log, plannedEpochs);
        if (context.StopRequested && context.StopReason is { } reason) observer.Info($"{experiment}: early stopping: {reason}");
    }

    public override void OnTrainEnd(TrainingContext context)
    {
        _bar?.Dispose();
        _bar = null;
        if (context.RestoredEpoch is { } restored) observer.Info($"{experiment}: restored the weights of epoch {restored}");
    }
}

/// <summary>Shows a dataset or weights download as a progress bar in bytes.</summary>
internal sealed class DownloadProgressAdapter(IRunObserver observer, string description) : IDownloadProgress
{
    private IProgressSink? _bar;

    public void Begin(string source, long? totalBytes) => _bar = observer.BeginProgress($"{description} {source}", totalBytes, ProgressUnit.Bytes);

    public void Report(long bytesDone) => _bar?.Report(bytesDone);

    public void Finish()
    {
        _bar?.Dispose();
        _bar = null;
    }
}

/// <summary>Shows feature extraction as a progress bar in images, and counts what was really extracted (not cached).</summary>
internal sealed class ExtractionProgressAdapter(IRunObserver observer, string experiment) : Cifar.Models.Transfer.IExtractionProgress
{
    private IProgressSink? _bar;
    private long _done;

    public long ExtractedImages { get; private set; }

    public void Begin(string description, long totalImages)
    {
        _done = 0;
        _bar = observer.BeginProgress($"{experiment}: {description}", totalImages, ProgressUnit.Images);
    }

    public void Report(long imagesDone)
    {
        _done = imagesDone;
        _bar?.Report(imagesDone);
    }

    public void Resumed(string description, int cachedChunks, int chunks) =>
        observer.Info(string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{experiment}: {description}: resumed: {cachedChunks} of {chunks} chunks cached, extracting the rest"));

    public void Finish()
    {
        ExtractedImages += _done;
        _bar?.Dispose();
        _bar = null;
    }
}

/// <summary>
/// Returns freed native memory to the OS (see <see cref="Reproducibility.NativeHeap"/>) once resident memory has grown
/// by <paramref name="growthBeforeTrim"/> since the last trim, checked after every batch (reading /proc/self/statm takes
/// microseconds). Trimming after every batch kept memory as flat but made the next batch fault every trimmed page in
/// again (about 5,000 page faults and 4 to 7% of a fine-tuning step's CPU, benchmarks/RESULTS.md); this bounds the
/// growth to the threshold instead. Where resident memory cannot be read, every batch trims, as before.
/// </summary>
/// <param name="residentBytes">Reads resident memory (tests pass their own); default <see cref="Reproducibility.NativeHeap.ResidentBytes"/>.</param>
/// <param name="trim">Trims (tests pass their own); default <see cref="Reproducibility.NativeHeap.Trim"/>.</param>
internal sealed class NativeHeapTrim(
    long growthBeforeTrim = NativeHeapTrim.DefaultGrowthBeforeTrim, Func<long?>? residentBytes = null, Action? trim = null) : Callback
{
    /// <summary>256 MiB: a few batches of the 25 MB a batch that fine-tuning leaked without trimming, well inside issue 14's
    /// 3 GB bound for a fine-tuning run (which peaked at 2.2 GB trimming every batch).</summary>
    public const long DefaultGrowthBeforeTrim = 256L << 20;

    private readonly Func<long?> _residentBytes = residentBytes ?? Reproducibility.NativeHeap.ResidentBytes;
    private readonly Action _trim = trim ?? Reproducibility.NativeHeap.Trim;
    private long? _residentAfterTrim;

    /// <summary>How many times this callback has trimmed.</summary>
    public int Trims { get; private set; }

    public override void OnBatchEnd(TrainingContext context, int batch, int batchCount, BatchLogs logs)
    {
        var resident = _residentBytes();
        // The first batch's resident size is the baseline: the model, the optimizer's state and one batch's working set.
        _residentAfterTrim ??= resident;
        if (resident is not null && resident - _residentAfterTrim < growthBeforeTrim) return;
        _trim();
        Trims++;
        _residentAfterTrim = _residentBytes();
    }
}
