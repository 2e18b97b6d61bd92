namespace Cifar.Training;

/// <summary>
/// One epoch's logs, as Keras' History records them. Accuracy and loss are means over the epoch's training batches
/// (weighted by batch size); the val_ values come from one pass over the validation split after the epoch.
/// </summary>
/// <param name="Epoch">1-based, counted across phases (a fine-tuning phase continues the numbering).</param>
/// <param name="Phase">"train" for the only/first phase, "fine_tune" for the second phase of a transfer model.</param>
/// <param name="Seconds">Wall time of the epoch including validation; never written to metrics.json.</param>
/// <param name="ImagesPerSecond">Training images per second of the epoch (training passes only).</param>
public sealed record EpochLog(
    int Epoch,
    string Phase,
    double Loss,
    double Accuracy,
    double ValLoss,
    double ValAccuracy,
    double Seconds,
    double ImagesPerSecond)
{
    /// <summary>The learning rate of each of the epoch's optimizer steps, in order, as the optimizer held it; empty in
    /// a log not made by <see cref="Trainer.Fit"/>. Kept per step so a chart can show warm-up and decay inside an epoch.</summary>
    public IReadOnlyList<double> LearningRates { get; init; } = [];

    /// <summary>
    /// Keras' <c>learning_rate</c> log: the rate in force at the epoch's end, i.e. of its last step (NaN when
    /// <see cref="LearningRates"/> is empty). Keras 3 reads the optimizer's rate after the epoch, which under a schedule
    /// is the next step's; the last step's is the one that made the epoch's weights, and it is defined at the end of a
    /// phase too (the next step's would belong to the fine-tuning phase, with its own rate).
    /// </summary>
    public double LearningRate => LearningRates.Count > 0 ? LearningRates[^1] : double.NaN;

    /// <summary>Value equality, the per-step rates compared element by element (a record would compare the list's
    /// reference), so a log read back from a checkpoint equals the one written.</summary>
    public bool Equals(EpochLog? other) =>
        other is not null && Epoch == other.Epoch && Phase == other.Phase && Loss.Equals(other.Loss) && Accuracy.Equals(other.Accuracy)
        && ValLoss.Equals(other.ValLoss) && ValAccuracy.Equals(other.ValAccuracy) && Seconds.Equals(other.Seconds)
        && ImagesPerSecond.Equals(other.ImagesPerSecond) && LearningRates.SequenceEqual(other.LearningRates);

    public override int GetHashCode() => HashCode.Combine(Epoch, Phase, Loss, Accuracy, ValLoss, ValAccuracy, Seconds, LearningRates.Count);
}

/// <summary>Everything training produced that reports need: per-epoch logs and where early stopping acted.</summary>
/// <param name="BestEpoch">Epoch whose weights the model holds at the end (restored best, or the last one).</param>
/// <param name="StoppedEpoch">Epoch at which early stopping stopped training; null if it ran all epochs.</param>
public sealed record TrainingHistory(IReadOnlyList<EpochLog> Epochs, int BestEpoch, int? StoppedEpoch);
