using Cifar.Specs;
using Cifar.Training;

namespace Cifar.Running;

/// <summary>What a bar counts, so the console can format it (bytes with size and speed, images, batches).</summary>
public enum ProgressUnit { Bytes, Images, Batches }

/// <summary>One live progress bar; disposed when its work ends (successfully or not).</summary>
public interface IProgressSink : IDisposable
{
    void SetTotal(long? total);
    void Report(long done);
}

/// <summary>
/// How a run reports what it is doing. The core never writes to the console; the command line implements this with
/// progress bars on a terminal and plain lines when output is redirected. Tests use a recording implementation.
/// </summary>
public interface IRunObserver
{
    /// <summary>A one-line status message ("cnn: dataset ready (cached)").</summary>
    void Info(string message);

    /// <summary>Starts a progress bar (download, feature extraction, the batches of one epoch).</summary>
    IProgressSink BeginProgress(string description, long? total, ProgressUnit unit);

    /// <summary>One line per finished epoch, shown whether or not the output is a terminal.</summary>
    void EpochCompleted(string experiment, EpochLog epoch, int plannedEpochs);

    /// <summary>A one-line notice that is not progress and that the user should see even with the output redirected
    /// (the command line writes it to standard error): a run resuming from a checkpoint, a damaged checkpoint ignored.</summary>
    void Notice(string message) => Info(message);
}

/// <summary>An observer that shows nothing; for tests and library use.</summary>
public sealed class SilentRunObserver : IRunObserver
{
    public static readonly SilentRunObserver Instance = new();

    public void Info(string message) { }

    public IProgressSink BeginProgress(string description, long? total, ProgressUnit unit) => NullSink.Instance;

    public void EpochCompleted(string experiment, EpochLog epoch, int plannedEpochs) { }

    private sealed class NullSink : IProgressSink
    {
        public static readonly NullSink Instance = new();
        public void SetTotal(long? total) { }
        public void Report(long done) { }
        public void Dispose() { }
    }
}
