using System.Globalization;
using Cifar.Reports.Charts;
using Cifar.Reports.Files;

namespace Cifar.Reports.Seeds;

/// <summary>
/// The learning curves of a multi-seed run: per epoch, the mean over the seeds of training and validation loss (or
/// accuracy), with a band from the lowest to the highest seed. After a seed stops early, later epochs summarise the
/// seeds still training.
/// </summary>
public static class SeedCurves
{
    private const string TrainColor = "#2563eb";
    private const string ValidationColor = "#ea580c";

    public static LineChart Chart(IReadOnlyList<MetricsFile> seeds, CurveMetric metric)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        var isLoss = metric == CurveMetric.Loss;
        var epochs = seeds.SelectMany(s => s.History).Select(e => e.Epoch).Distinct().Order().ToList();
        ChartSeries Series(string name, string colour, Func<EpochMetrics, double> value)
        {
            var perEpoch = epochs.Select(epoch => (Epoch: epoch, Values: seeds
                .SelectMany(s => s.History.Where(e => e.Epoch == epoch).Take(1)).Select(value).ToList())).ToList();
            return new ChartSeries(name, colour, [.. perEpoch.Select(p => (p.Epoch, p.Values.Average()))])
            {
                Band = [.. perEpoch.Select(p => (p.Epoch, p.Values.Min(), p.Values.Max()))],
            };
        }
        return new LineChart(
            string.Create(CultureInfo.InvariantCulture,
                $"{(isLoss ? "Loss" : "Accuracy")} per epoch: mean of {seeds.Count} seeds, band min to max"),
            isLoss ? "loss" : "accuracy",
            isLoss ? ChartScale.Plain : ChartScale.Fraction,
            [
                Series("training", TrainColor, e => isLoss ? e.Loss : e.Accuracy),
                Series("validation", ValidationColor, e => isLoss ? e.ValLoss : e.ValAccuracy),
            ],
            []);
    }

    /// <summary>The chart as a standalone SVG (<see cref="SvgLineChart"/>: the same bytes for the same seeds).</summary>
    public static string Svg(IReadOnlyList<MetricsFile> seeds, CurveMetric metric) => SvgLineChart.Render(Chart(seeds, metric));
}
