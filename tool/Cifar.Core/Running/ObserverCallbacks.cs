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

/// <summary>Returns freed native memory to the OS after every batch; see <see cref="Reproducibility.NativeHeap"/>.</summary>
internal sealed class NativeHeapTrim : Callback
{
    public override void OnBatchEnd(TrainingContext context, int batch, int batchCount, BatchLogs logs) => Reproducibility.NativeHeap.Trim();
}
