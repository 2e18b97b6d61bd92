using Cifar.Reports.Analysis;
using Cifar.Reports.Files;

namespace Cifar.Tests.Reports.Analysis;

public class ErrorAnalysisTests
{
    private static TestOutcome Outcome(int index, byte label, byte prediction, double confidence, double loss = 1) =>
        new(index, label, prediction, confidence, label == prediction ? confidence : 0.1, loss);

    [Fact]
    public void The_most_confused_pairs_come_first_with_their_surest_mistakes()
    {
        TestOutcome[] outcomes =
        [
            Outcome(0, 3, 5, 0.6), Outcome(1, 3, 5, 0.9), Outcome(2, 3, 5, 0.7), // cat as dog three times
            Outcome(3, 5, 3, 0.8), Outcome(4, 5, 3, 0.5), // dog as cat twice
            Outcome(5, 1, 9, 0.99), // once
            Outcome(6, 3, 3, 0.99), // right
        ];
        var pairs = ErrorAnalysis.MostConfused(outcomes, count: 2, examples: 2);
        Assert.Equal([(3, 5, 3), (5, 3, 2)], pairs.Select(p => ((int)p.True, (int)p.Predicted, p.Count)));
        Assert.Equal([1, 2], pairs[0].Examples.Select(e => e.TestIndex));
    }

    [Fact]
    public void Top_losses_are_the_highest_losses_ties_by_test_index()
    {
        TestOutcome[] outcomes = [Outcome(9, 0, 1, 0.5, 2.0), Outcome(4, 0, 1, 0.5, 2.0), Outcome(1, 0, 0, 0.9, 0.1), Outcome(2, 0, 1, 0.5, 3.0)];
        Assert.Equal([2, 4, 9], ErrorAnalysis.TopLosses(outcomes, 3).Select(o => o.TestIndex));
    }

    [Fact]
    public void Confidence_extremes_use_correct_images_only()
    {
        TestOutcome[] outcomes = [Outcome(0, 0, 0, 0.9), Outcome(1, 0, 0, 0.4), Outcome(2, 0, 1, 0.99), Outcome(3, 0, 0, 0.6)];
        var extremes = Assert.Single(ErrorAnalysis.ConfidenceExtremes(outcomes, classCount: 2, count: 1));
        Assert.Equal(0, extremes.MostConfident.Single().TestIndex);
        Assert.Equal(1, extremes.LeastConfident.Single().TestIndex);
    }

    [Fact]
    public void The_expected_calibration_error_weights_each_bins_gap_by_its_images()
    {
        // Bin (0.8667, 0.9333]: 2 images at 0.9, one right -> gap 0.4; bin (0.4667, 0.5333]: 2 at 0.5, both right -> gap 0.5.
        TestOutcome[] outcomes = [Outcome(0, 0, 0, 0.9), Outcome(1, 0, 1, 0.9), Outcome(2, 1, 1, 0.5), Outcome(3, 1, 1, 0.5)];
        var calibration = Calibration.Measure(outcomes);
        Assert.Equal(15, calibration.Bins.Count);
        Assert.Equal(0.5 * 0.4 + 0.5 * 0.5, calibration.ExpectedCalibrationError, 12);
        Assert.Equal(2, calibration.Bins[13].Count);
        Assert.Equal(0.5, calibration.Bins[13].Accuracy);
        Assert.Equal(4, calibration.Bins.Sum(b => b.Count));
    }

    [Fact]
    public void A_perfectly_calibrated_model_has_no_calibration_error()
    {
        // 10 images at confidence 0.7, 7 of them right.
        var outcomes = Enumerable.Range(0, 10).Select(i => Outcome(i, 0, (byte)(i < 7 ? 0 : 1), 0.7)).ToList();
        Assert.Equal(0, Calibration.Measure(outcomes).ExpectedCalibrationError, 12);
    }
}
