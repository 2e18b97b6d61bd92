using static TorchSharp.torch;

namespace Cifar.Training;

/// <summary>What a callback can see of the running fit, and the two things it can tell the loop.</summary>
public sealed class TrainingContext
{
    private readonly List<EpochLog> _epochs = [];

    /// <param name="firstEpoch">1-based number of this fit's first epoch.</param>
    /// <param name="lastEpoch">1-based number of the last epoch the fit will run unless stopped.</param>
    public TrainingContext(
        nn.Module<Tensor, Tensor> model, string phase, int firstEpoch, int lastEpoch, int batchesPerEpoch,
        long trainingExamples, long validationExamples)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(phase);
        ArgumentOutOfRangeException.ThrowIfLessThan(firstEpoch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(lastEpoch, firstEpoch);
        (Model, Phase, FirstEpoch, LastEpoch, BatchesPerEpoch, TrainingExamples, ValidationExamples) =
            (model, phase, firstEpoch, lastEpoch, batchesPerEpoch, trainingExamples, validationExamples);
    }

    /// <summary>The model being trained (callbacks may read or set its weights, as Keras' callbacks do).</summary>
    public nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>"train", or "fine_tune" for a transfer model's second phase.</summary>
    public string Phase { get; }

    public int FirstEpoch { get; }

    public int LastEpoch { get; }

    public int BatchesPerEpoch { get; }

    public long TrainingExamples { get; }

    public long ValidationExamples { get; }

    /// <summary>This fit's epochs so far.</summary>
    public IReadOnlyList<EpochLog> Epochs => _epochs;

    public bool StopRequested { get; private set; }

    /// <summary>Why the first callback that asked to stop did so, e.g. "val_loss did not improve for 3 epochs".</summary>
    public string? StopReason { get; private set; }

    /// <summary>The epoch whose weights a callback put back into the model (early stopping's restore_best_weights).</summary>
    public int? RestoredEpoch { get; private set; }

    /// <summary>Asks the loop to stop after the current epoch; the first reason given is kept.</summary>
    public void RequestStop(string reason)
    {
        StopReason ??= reason;
        StopRequested = true;
    }

    /// <summary>Tells the loop (and the history) that the model now holds the weights from the end of <paramref name="epoch"/>.</summary>
    public void ReportWeightsRestored(int epoch) => RestoredEpoch = epoch;

    internal void Add(EpochLog log) => _epochs.Add(log);

    /// <summary>A resumed fit: its epochs so far and whether a callback had asked to stop.</summary>
    internal void Restore(IEnumerable<EpochLog> epochs, bool stopRequested, string? stopReason)
    {
        _epochs.Clear();
        _epochs.AddRange(epochs);
        (StopRequested, StopReason) = (stopRequested, stopReason);
    }
}
