using Cifar.Reports.Charts;
using Cifar.Reports.Formatting;
using Cifar.Specs;
using Cifar.Training;

namespace Cifar.Tests.Reports;

/// <summary>The learning-rate chart keeps the schedule's shape in a file of sane size, and rates keep their digits.</summary>
public class LearningRateChartTests
{
    private static TrainingHistory Run(int epochs, int steps, Func<int, double> rate) => new(
        [.. Enumerable.Range(1, epochs).Select(e => new EpochLog(e, "train", 1, 0.5, 1, 0.5, 1, 1)
        {
            LearningRates = [.. Enumerable.Range(0, steps).Select(b => rate(((e - 1) * steps) + b))],
        })],
        epochs, null);

    [Fact]
    public void A_long_scheduled_run_is_thinned_to_a_few_points_an_epoch_keeping_its_peak_and_ends()
    {
        var schedule = new LearningRateScheduleSpec(LearningRateScheduleType.Linear, WarmupEpochs: 2.5);
        var history = Run(30, 700, step => 0.4 * LearningRateSchedule.Factor(schedule, step, 700, 30));

        var points = Assert.Single(LearningCurves.LearningRateChart(history).Series).Points;

        Assert.InRange(points.Count, 30, 4 * LearningCurves.RateBuckets);
        Assert.Equal(0.4, points.Max(p => p.Value), 12); // the peak at the end of warm-up survives the thinning
        Assert.Equal(1 / 700.0, points[0].Epoch, 12);
        Assert.Equal(0.4 / 1750, points[0].Value, 15); // the first step of warm-up
        Assert.Equal(30, points[^1].Epoch, 12);
        Assert.True(points.Zip(points.Skip(1)).All(p => p.First.Epoch < p.Second.Epoch), "in step order");
        Assert.True(LearningCurves.LearningRateSvg(history).Length < 16_000, "a few kilobytes");
    }

    [Fact]
    public void A_constant_rate_is_two_points_and_a_fine_tuning_phase_its_own_level()
    {
        var history = new TrainingHistory(
            [
                .. Run(3, 50, _ => 0.001).Epochs,
                new EpochLog(4, "fine_tune", 1, 0.5, 1, 0.5, 1, 1) { LearningRates = [.. Enumerable.Repeat(1e-5, 50)] },
            ],
            4, null);

        var chart = LearningCurves.LearningRateChart(history);

        (double Epoch, double Value)[] expected = [(0.02, 0.001), (3, 0.001), (3.02, 1e-5), (4, 1e-5)];
        Assert.Equal(expected.Length, chart.Series[0].Points.Count);
        foreach (var (want, got) in expected.Zip(chart.Series[0].Points))
        {
            Assert.Equal(want.Epoch, got.Epoch, 12);
            Assert.Equal(want.Value, got.Value);
        }
        Assert.Contains(chart.Markers, m => m.Label == "fine-tune starts" && m.Epoch == 3);
    }

    [Theory]
    [InlineData(0.001, "0.001")]
    [InlineData(0.000959764123, "0.000959764")]
    [InlineData(4e-7, "0.0000004")]
    [InlineData(0.1, "0.1")]
    [InlineData(0, "0")]
    [InlineData(double.NaN, null)]
    public void A_rate_keeps_six_significant_digits_without_exponent(double rate, string? expected) =>
        Assert.Equal(expected, ReportNumbers.Rate(rate));
}
