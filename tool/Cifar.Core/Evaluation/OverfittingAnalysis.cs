using System.Globalization;
using Cifar.Training;

namespace Cifar.Evaluation;

/// <summary>The plain-language reading of the learning curves.</summary>
public enum OverfittingVerdict
{
    /// <summary>Training accuracy exceeds validation accuracy by less than <see cref="OverfittingAnalysis.MildGapPoints"/> points.</summary>
    None,
    /// <summary>A gap of <see cref="OverfittingAnalysis.MildGapPoints"/> to <see cref="OverfittingAnalysis.StrongGapPoints"/> points.</summary>
    Mild,
    /// <summary>A gap of more than <see cref="OverfittingAnalysis.StrongGapPoints"/> points.</summary>
    Strong,
    /// <summary>No meaningful gap, but training accuracy is below <see cref="OverfittingAnalysis.UnderfittingTrainAccuracy"/>.</summary>
    Underfitting,
}

/// <summary>
/// How far the model overfits, read from its training history alone (a pure function: same history, same result).
/// All figures are taken at the best epoch, the weights the model ends with.
/// </summary>
/// <param name="BestEpoch">The epoch the figures are taken at (<see cref="TrainingHistory.BestEpoch"/>).</param>
/// <param name="TrainAccuracy">Training accuracy at the best epoch (0..1).</param>
/// <param name="ValAccuracy">Validation accuracy at the best epoch (0..1).</param>
/// <param name="AccuracyGap">Training minus validation accuracy at the best epoch, as a fraction (0.05 = 5 points).</param>
/// <param name="LossRatio">Validation loss / training loss at the best epoch; null if the training loss is not positive.</param>
/// <param name="RisingValLossEpochs">
/// Epochs at the end of training whose val_loss stayed above the lowest val_loss: last epoch minus the (last) epoch
/// of the lowest val_loss. This is what Keras' EarlyStopping counts against its patience when it monitors val_loss.
/// </param>
/// <param name="DivergenceEpoch">
/// The epoch after which the curves diverge: the (last) epoch of the lowest val_loss, provided later epochs exist and
/// the training loss at the last epoch is below its value there (validation got worse while training kept improving).
/// Null if val_loss was still at its lowest at the end, or the training loss stopped falling too.
/// </param>
/// <param name="Verdict">The class of <see cref="AccuracyGap"/> by the documented thresholds.</param>
/// <param name="Summary">One or two sentences saying the verdict and the numbers behind it.</param>
public sealed record OverfittingAnalysis(
    int BestEpoch,
    double TrainAccuracy,
    double ValAccuracy,
    double AccuracyGap,
    double? LossRatio,
    int RisingValLossEpochs,
    int? DivergenceEpoch,
    OverfittingVerdict Verdict,
    string Summary)
{
    /// <summary>Gap (percentage points, train minus validation accuracy) from which overfitting is called mild.</summary>
    public const double MildGapPoints = 3.0;

    /// <summary>Gap (percentage points) above which overfitting is called strong.</summary>
    public const double StrongGapPoints = 10.0;

    /// <summary>Training accuracy below which a model without a meaningful gap is called underfitting (5x chance on CIFAR-10).</summary>
    public const double UnderfittingTrainAccuracy = 0.5;

    /// <summary>Training loss at the best epoch.</summary>
    public double TrainLoss { get; init; } = double.NaN;

    /// <summary>Validation loss at the best epoch.</summary>
    public double ValLoss { get; init; } = double.NaN;

    /// <summary>Validation minus training loss at the best epoch: the gap in loss, as <see cref="AccuracyGap"/> is in
    /// accuracy (how a comparison shows what augmentation did to it); NaN if either loss is not finite.</summary>
    public double LossGap => double.IsFinite(TrainLoss) && double.IsFinite(ValLoss) ? ValLoss - TrainLoss : double.NaN;

    /// <summary>
    /// Reads the history. Verdict: a gap above <see cref="StrongGapPoints"/> is strong overfitting, from
    /// <see cref="MildGapPoints"/> up to it mild; below that, training accuracy under
    /// <see cref="UnderfittingTrainAccuracy"/> is underfitting, anything else no meaningful overfitting.
    /// </summary>
    /// <exception cref="ArgumentException">The history has no epochs.</exception>
    public static OverfittingAnalysis Analyze(TrainingHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var epochs = history.Epochs;
        if (epochs.Count == 0) throw new ArgumentException("The training history has no epochs.", nameof(history));

        // Fall back to the last epoch if BestEpoch names none (a history cut short by hand, say).
        var best = epochs.FirstOrDefault(e => e.Epoch == history.BestEpoch) ?? epochs[^1];
        var gap = best.Accuracy - best.ValAccuracy;
        double? lossRatio = best.Loss > 0 && double.IsFinite(best.Loss) && double.IsFinite(best.ValLoss)
            ? best.ValLoss / best.Loss
            : null;

        // Last index of the lowest val_loss (ties go to the later epoch, so every epoch after it is strictly worse).
        var lowest = -1;
        for (var i = 0; i < epochs.Count; i++)
        {
            if (!double.IsFinite(epochs[i].ValLoss)) continue;
            if (lowest < 0 || epochs[i].ValLoss <= epochs[lowest].ValLoss) lowest = i;
        }
        var last = epochs[^1];
        var rising = lowest < 0 ? 0 : last.Epoch - epochs[lowest].Epoch;
        int? divergence = lowest >= 0 && lowest < epochs.Count - 1 && last.Loss < epochs[lowest].Loss
            ? epochs[lowest].Epoch
            : null;

        var gapPoints = gap * 100;
        var verdict = gapPoints > StrongGapPoints ? OverfittingVerdict.Strong
            : gapPoints >= MildGapPoints ? OverfittingVerdict.Mild
            : best.Accuracy < UnderfittingTrainAccuracy ? OverfittingVerdict.Underfitting
            : OverfittingVerdict.None;

        return new OverfittingAnalysis(best.Epoch, best.Accuracy, best.ValAccuracy, gap, lossRatio, rising, divergence,
            verdict, Describe(verdict, best, gapPoints, rising, divergence))
        {
            TrainLoss = best.Loss,
            ValLoss = best.ValLoss,
        };
    }

    private static string Describe(OverfittingVerdict verdict, EpochLog best, double gapPoints, int rising, int? divergence)
    {
        var c = CultureInfo.InvariantCulture;
        var gapText = gapPoints >= 0
            ? string.Format(c, "training accuracy exceeds validation accuracy by {0:F1} points", gapPoints)
            : string.Format(c, "validation accuracy exceeds training accuracy by {0:F1} points", -gapPoints);
        var sentence = verdict switch
        {
            OverfittingVerdict.Strong => string.Format(c,
                "Strong overfitting: at the best epoch ({0}) {1} (more than {2:F0}).", best.Epoch, gapText, StrongGapPoints),
            OverfittingVerdict.Mild => string.Format(c,
                "Mild overfitting: at the best epoch ({0}) {1} ({2:F0} to {3:F0}).", best.Epoch, gapText, MildGapPoints, StrongGapPoints),
            OverfittingVerdict.Underfitting => string.Format(c,
                "Underfitting: at the best epoch ({0}) training accuracy is only {1:F1}% (below {2:F0}%) and {3}; the model fits neither split well.",
                best.Epoch, best.Accuracy * 100, UnderfittingTrainAccuracy * 100, gapText),
            _ => string.Format(c,
                "No meaningful overfitting: at the best epoch ({0}) {1} (less than {2:F0}).", best.Epoch, gapText, MildGapPoints),
        };
        if (divergence is { } d)
        {
            sentence += string.Format(c,
                " Validation loss was lowest at epoch {0} and stayed higher for the {1} epoch{2} after it while training loss kept falling.",
                d, rising, rising == 1 ? "" : "s");
        }
        return sentence;
    }
}
