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
    double ImagesPerSecond);

/// <summary>Everything training produced that reports need: per-epoch logs and where early stopping acted.</summary>
/// <param name="BestEpoch">Epoch whose weights the model holds at the end (restored best, or the last one).</param>
/// <param name="StoppedEpoch">Epoch at which early stopping stopped training; null if it ran all epochs.</param>
public sealed record TrainingHistory(IReadOnlyList<EpochLog> Epochs, int BestEpoch, int? StoppedEpoch);
