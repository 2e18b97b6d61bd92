using Cifar.Evaluation;
using Cifar.Training;

namespace Cifar.Tests.Reports;

/// <summary>OverfittingAnalysis (Evaluation/) is tested here beside the report that shows it.</summary>
public class OverfittingAnalysisTests
{
    /// <summary>A history from (loss, accuracy, val_loss, val_accuracy) per epoch, best at <paramref name="best"/>.</summary>
    private static TrainingHistory History(int best, params (double Loss, double Acc, double ValLoss, double ValAcc)[] epochs) => new(
        epochs.Select((e, i) => new EpochLog(i + 1, "train", e.Loss, e.Acc, e.ValLoss, e.ValAcc, 1, 1000)).ToList(), best, null);

    [Fact]
    public void A_small_gap_is_no_meaningful_overfitting()
    {
        var analysis = OverfittingAnalysis.Analyze(History(2, (1.0, 0.70, 1.0, 0.69), (0.8, 0.8125, 0.85, 0.796875)));

        Assert.Equal(OverfittingVerdict.None, analysis.Verdict);
        Assert.Equal(0.015625, analysis.AccuracyGap, 12);
        Assert.StartsWith("No meaningful overfitting: at the best epoch (2) training accuracy exceeds validation accuracy by 1.6 points (less than 3).", analysis.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.53125, OverfittingVerdict.Mild)] // 3.1 points
    [InlineData(0.59375, OverfittingVerdict.Mild)] // 9.4 points
    [InlineData(0.625, OverfittingVerdict.Strong)] // 12.5 points
    public void The_gap_decides_mild_or_strong(double trainAccuracy, OverfittingVerdict expected)
    {
        var analysis = OverfittingAnalysis.Analyze(History(1, (0.9, trainAccuracy, 1.1, 0.5)));

        Assert.Equal(expected, analysis.Verdict);
        Assert.StartsWith(expected == OverfittingVerdict.Mild ? "Mild overfitting:" : "Strong overfitting:", analysis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Low_training_accuracy_without_a_gap_is_underfitting()
    {
        var analysis = OverfittingAnalysis.Analyze(History(1, (2.0, 0.35, 2.0, 0.34)));

        Assert.Equal(OverfittingVerdict.Underfitting, analysis.Verdict);
        Assert.Contains("training accuracy is only 35.0% (below 50%)", analysis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_validation_accuracy_above_training_is_said_so()
    {
        // Dropout makes training accuracy (measured with dropout on) lower than validation accuracy.
        var analysis = OverfittingAnalysis.Analyze(History(1, (0.9, 0.70, 0.8, 0.75)));

        Assert.Equal(OverfittingVerdict.None, analysis.Verdict);
        Assert.Contains("validation accuracy exceeds training accuracy by 5.0 points", analysis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Divergence_is_the_last_lowest_val_loss_when_training_loss_keeps_falling()
    {
        var analysis = OverfittingAnalysis.Analyze(History(3,
            (2.0, 0.3, 1.9, 0.3),
            (1.5, 0.5, 1.4, 0.5),
            (1.2, 0.6, 1.2, 0.58),
            (1.0, 0.7, 1.25, 0.57),
            (0.8, 0.8, 1.2, 0.57), // ties the lowest: the curves diverge after this epoch, not epoch 3
            (0.6, 0.9, 1.3, 0.56),
            (0.4, 0.95, 1.5, 0.55)));

        Assert.Equal(5, analysis.DivergenceEpoch);
        Assert.Equal(2, analysis.RisingValLossEpochs);
        Assert.Equal(1.0, analysis.LossRatio!.Value, 12);
        Assert.Contains("Validation loss was lowest at epoch 5 and stayed higher for the 2 epochs after it", analysis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void No_divergence_while_val_loss_is_still_falling()
    {
        var analysis = OverfittingAnalysis.Analyze(History(3, (2.0, 0.3, 1.9, 0.3), (1.5, 0.5, 1.4, 0.5), (1.2, 0.6, 1.2, 0.58)));

        Assert.Null(analysis.DivergenceEpoch);
        Assert.Equal(0, analysis.RisingValLossEpochs);
        Assert.DoesNotContain("Validation loss was lowest", analysis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void No_divergence_when_training_loss_rises_too()
    {
        // Both curves get worse (a learning rate too high): that is not overfitting's divergence.
        var analysis = OverfittingAnalysis.Analyze(History(2, (2.0, 0.3, 1.9, 0.3), (1.5, 0.5, 1.4, 0.5), (1.6, 0.45, 1.6, 0.45), (1.7, 0.4, 1.8, 0.4)));

        Assert.Null(analysis.DivergenceEpoch);
        Assert.Equal(2, analysis.RisingValLossEpochs);
    }

    [Fact]
    public void Figures_are_taken_at_the_best_epoch_and_fall_back_to_the_last()
    {
        var epochs = new[] { (2.0, 0.3, 1.9, 0.3), (1.5, 0.5, 1.4, 0.5), (1.0, 0.75, 1.6, 0.5) };

        Assert.Equal(2, OverfittingAnalysis.Analyze(History(2, epochs)).BestEpoch);
        Assert.Equal(0.0, OverfittingAnalysis.Analyze(History(2, epochs)).AccuracyGap, 12);
        var fallback = OverfittingAnalysis.Analyze(History(99, epochs));
        Assert.Equal(3, fallback.BestEpoch);
        Assert.Equal(0.25, fallback.AccuracyGap, 12);
    }

    [Fact]
    public void Loss_ratio_is_null_for_a_zero_training_loss()
    {
        Assert.Null(OverfittingAnalysis.Analyze(History(1, (0.0, 1.0, 0.5, 0.9))).LossRatio);
    }

    [Fact]
    public void The_analysis_is_a_pure_function_of_the_history()
    {
        var history = History(2, (2.0, 0.3, 1.9, 0.3), (1.5, 0.5, 1.4, 0.5), (1.0, 0.75, 1.6, 0.5));

        Assert.Equal(OverfittingAnalysis.Analyze(history), OverfittingAnalysis.Analyze(history));
    }

    [Fact]
    public void An_empty_history_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => OverfittingAnalysis.Analyze(new TrainingHistory([], 0, null)));
    }
}
