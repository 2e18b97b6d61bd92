using Cifar.Evaluation;
using Cifar.Training;

namespace Cifar.Tests.Evaluation;

/// <summary>
/// The documented thresholds of the overfitting verdict at their exact boundaries, the sentences a report shows, and
/// how the analysis reads histories with gaps (no best epoch, NaN losses, a training loss of 0).
/// The gaps used at the boundaries are exact in binary: 0.25 - 0.15 is 10 points and 0.25 - 0.22 is 3 points.
/// </summary>
public class OverfittingAnalysisRulesTests
{
    private static TrainingHistory History(int best, params (double Loss, double Acc, double ValLoss, double ValAcc)[] epochs) => new(
        epochs.Select((e, i) => new EpochLog(i + 1, "train", e.Loss, e.Acc, e.ValLoss, e.ValAcc, 1, 1000)).ToList(), best, null);

    private static OverfittingAnalysis One(double trainAccuracy, double valAccuracy, double loss = 1.0, double valLoss = 1.0) =>
        OverfittingAnalysis.Analyze(History(1, (loss, trainAccuracy, valLoss, valAccuracy)));

    [Fact]
    public void A_gap_of_exactly_ten_points_is_mild_not_strong()
    {
        Assert.Equal(10.0, (0.25 - 0.15) * 100); // the premise: exact in binary

        var analysis = One(0.25, 0.15);

        Assert.Equal(OverfittingVerdict.Mild, analysis.Verdict);
        Assert.Equal(
            "Mild overfitting: at the best epoch (1) training accuracy exceeds validation accuracy by 10.0 points (3 to 10).",
            analysis.Summary);
    }

    [Fact]
    public void A_gap_of_exactly_three_points_is_mild()
    {
        Assert.Equal(3.0, (0.25 - 0.22) * 100);

        Assert.Equal(OverfittingVerdict.Mild, One(0.25, 0.22).Verdict);
    }

    [Fact]
    public void A_strong_gap_names_the_threshold_it_exceeds()
    {
        var analysis = One(0.875, 0.75);

        Assert.Equal(OverfittingVerdict.Strong, analysis.Verdict);
        Assert.Equal(0.125, analysis.AccuracyGap);
        Assert.Equal(
            "Strong overfitting: at the best epoch (1) training accuracy exceeds validation accuracy by 12.5 points (more than 10).",
            analysis.Summary);
    }

    [Fact]
    public void Training_accuracy_of_exactly_one_half_is_not_underfitting()
    {
        Assert.Equal(OverfittingVerdict.None, One(0.5, 0.5).Verdict);
        Assert.StartsWith("No meaningful overfitting: at the best epoch (1) training accuracy exceeds validation accuracy by 0.0 points",
            One(0.5, 0.5).Summary, StringComparison.Ordinal);
        Assert.Equal(OverfittingVerdict.Underfitting, One(0.4990234375, 0.4990234375).Verdict);
    }

    [Fact]
    public void The_underfitting_sentence_gives_both_accuracies()
    {
        var analysis = One(0.25, 0.234375);

        Assert.Equal(OverfittingVerdict.Underfitting, analysis.Verdict);
        Assert.Equal(
            "Underfitting: at the best epoch (1) training accuracy is only 25.0% (below 50%) and training accuracy exceeds validation accuracy by 1.6 points; the model fits neither split well.",
            analysis.Summary);
    }

    [Fact]
    public void Figures_are_taken_at_the_best_epoch_not_the_last()
    {
        var analysis = OverfittingAnalysis.Analyze(History(2,
            (2.0, 0.5, 2.0, 0.5),
            (1.0, 0.75, 1.5, 0.625),
            (0.5, 1.0, 2.5, 0.5)));

        Assert.Equal(2, analysis.BestEpoch);
        Assert.Equal(0.75, analysis.TrainAccuracy);
        Assert.Equal(0.625, analysis.ValAccuracy);
        Assert.Equal(1.5, analysis.LossRatio);
        Assert.StartsWith("Strong overfitting: at the best epoch (2) ", analysis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_best_epoch_the_history_does_not_hold_falls_back_to_the_last_epoch()
    {
        var analysis = OverfittingAnalysis.Analyze(History(9, (2.0, 0.5, 2.0, 0.5), (1.0, 0.75, 1.0, 0.75)));

        Assert.Equal(2, analysis.BestEpoch);
        Assert.Equal(0.75, analysis.TrainAccuracy);
    }

    [Fact]
    public void An_empty_history_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => OverfittingAnalysis.Analyze(new TrainingHistory([], 0, null)));

        Assert.StartsWith("The training history has no epochs.", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => OverfittingAnalysis.Analyze(null!));
    }

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(-1.0, 1.0)]
    [InlineData(double.PositiveInfinity, 1.0)]
    [InlineData(1.0, double.NaN)]
    [InlineData(1.0, double.PositiveInfinity)]
    public void The_loss_ratio_is_absent_unless_both_losses_are_finite_and_training_loss_is_positive(double loss, double valLoss) =>
        Assert.Null(One(0.75, 0.75, loss, valLoss).LossRatio);

    [Fact]
    public void The_loss_ratio_is_validation_over_training_loss()
    {
        Assert.Equal(2.5, One(0.75, 0.75, loss: 0.5, valLoss: 1.25).LossRatio);
        Assert.Equal(0.5, One(0.75, 0.75, loss: 2.0, valLoss: 1.0).LossRatio);
    }

    [Fact]
    public void Nan_validation_losses_are_skipped_when_looking_for_the_lowest()
    {
        // A NaN compares false with everything; if it were taken as the lowest, nothing would look like a rise.
        var analysis = OverfittingAnalysis.Analyze(History(2,
            (2.0, 0.5, double.NaN, 0.5),
            (1.5, 0.75, 1.0, 0.75),
            (1.0, 0.8, 1.25, 0.75),
            (0.5, 0.9, double.NaN, 0.75)));

        Assert.Equal(2, analysis.DivergenceEpoch);
        Assert.Equal(2, analysis.RisingValLossEpochs);
    }

    [Fact]
    public void Without_any_finite_validation_loss_nothing_rises_or_diverges()
    {
        var analysis = OverfittingAnalysis.Analyze(History(1, (2.0, 0.75, double.NaN, 0.75), (1.0, 0.75, double.NaN, 0.75)));

        Assert.Equal(0, analysis.RisingValLossEpochs);
        Assert.Null(analysis.DivergenceEpoch);
    }

    [Fact]
    public void Rising_validation_loss_without_falling_training_loss_is_not_divergence()
    {
        // Validation got worse after epoch 1, but so did training: a bad learning rate, not overfitting.
        var analysis = OverfittingAnalysis.Analyze(History(1,
            (1.0, 0.75, 1.0, 0.75),
            (1.5, 0.75, 1.5, 0.75),
            (1.0, 0.75, 1.25, 0.75)));

        Assert.Equal(2, analysis.RisingValLossEpochs);
        Assert.Null(analysis.DivergenceEpoch);
        Assert.DoesNotContain("Validation loss was lowest", analysis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void One_epoch_after_the_lowest_validation_loss_is_said_in_the_singular()
    {
        var analysis = OverfittingAnalysis.Analyze(History(1, (1.0, 0.75, 1.0, 0.75), (0.5, 0.75, 1.5, 0.75)));

        Assert.Equal(1, analysis.DivergenceEpoch);
        Assert.Equal(1, analysis.RisingValLossEpochs);
        Assert.EndsWith(
            " Validation loss was lowest at epoch 1 and stayed higher for the 1 epoch after it while training loss kept falling.",
            analysis.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Rising_epochs_count_epoch_numbers_of_a_history_that_does_not_start_at_one()
    {
        // A fine-tuning phase numbers its epochs on from the first phase.
        var history = new TrainingHistory(
            [
                new EpochLog(4, "fine_tune", 1.0, 0.75, 1.0, 0.75, 1, 1000),
                new EpochLog(5, "fine_tune", 0.75, 0.75, 1.25, 0.75, 1, 1000),
                new EpochLog(6, "fine_tune", 0.5, 0.75, 1.5, 0.75, 1, 1000),
            ], 4, null);

        var analysis = OverfittingAnalysis.Analyze(history);

        Assert.Equal(4, analysis.DivergenceEpoch);
        Assert.Equal(2, analysis.RisingValLossEpochs);
        Assert.Equal(4, analysis.BestEpoch);
    }
}
