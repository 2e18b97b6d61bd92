using System.Globalization;
using Cifar.Training;

namespace Cifar.Reports.Charts;

/// <summary>Which pair of curves a report's learning-curve chart shows.</summary>
public enum CurveMetric { Loss, Accuracy }

/// <summary>
/// A report's learning curves as <see cref="LineChart"/>s: training against validation per epoch, and the learning rate
/// per step, with the start of fine-tuning, the best epoch and the stop marked.
/// </summary>
public static class LearningCurves
{
    private const string TrainColor = "#2563eb";
    private const string ValidationColor = "#ea580c";
    private const string RateColor = "#7c3aed";
    private const string BestColor = "#15803d";
    private const string StopColor = "#b91c1c";
    private const string PhaseColor = "#6b7280";

    /// <summary>Buckets of steps the learning-rate chart keeps across the run (each gives at most 4 points), about one
    /// per 3 pixels of the plot: a smooth curve stays smooth, and a 30-epoch run writes a few points an epoch.</summary>
    internal const int RateBuckets = 180;

    public static LineChart Chart(TrainingHistory history, CurveMetric metric)
    {
        ArgumentNullException.ThrowIfNull(history);
        var epochs = history.Epochs;
        var isLoss = metric == CurveMetric.Loss;
        return new LineChart(
            isLoss ? "Loss per epoch" : "Accuracy per epoch",
            isLoss ? "loss" : "accuracy",
            isLoss ? ChartScale.Plain : ChartScale.Fraction,
            [
                new ChartSeries("training", TrainColor, [.. epochs.Select(e => ((double)e.Epoch, isLoss ? e.Loss : e.Accuracy))]),
                new ChartSeries("validation", ValidationColor, [.. epochs.Select(e => ((double)e.Epoch, isLoss ? e.ValLoss : e.ValAccuracy))]),
            ],
            Markers(history, phaseBoundaryOffset: 0.5));
    }

    /// <summary>
    /// The learning rate of every optimizer step (<see cref="EpochLog.LearningRates"/>), step b of B in epoch e at
    /// e - 1 + (b + 1) / B, so the rate in force at the end of epoch e sits at e like the epoch's losses; a fine-tuning
    /// phase shows its own rate. Thinned for the file's sake without changing the picture: per bucket of steps the
    /// first, lowest, highest and last, and of a flat stretch only its ends.
    /// </summary>
    public static LineChart LearningRateChart(TrainingHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var withRates = history.Epochs.Where(e => e.LearningRates.Count > 0).ToList();
        var bucketsPerEpoch = withRates.Count == 0 ? 1 : Math.Max(1, (int)Math.Ceiling(RateBuckets / (double)withRates.Count));
        var points = new List<(double Epoch, double Value)>();
        foreach (var epoch in withRates)
        {
            var rates = epoch.LearningRates;
            var steps = rates.Count;
            var buckets = Math.Min(bucketsPerEpoch, steps);
            for (var bucket = 0; bucket < buckets; bucket++)
            {
                var (from, to) = (bucket * steps / buckets, ((bucket + 1) * steps / buckets) - 1);
                var (lowest, highest) = (from, from);
                for (var step = from; step <= to; step++)
                {
                    if (rates[step] < rates[lowest]) lowest = step;
                    if (rates[step] > rates[highest]) highest = step;
                }
                foreach (var step in new[] { from, lowest, highest, to }.Distinct().Order())
                {
                    points.Add((epoch.Epoch - 1 + ((step + 1) / (double)steps), rates[step]));
                }
            }
        }
        return new LineChart("Learning rate per step", "learning rate", ChartScale.Plain,
            [new ChartSeries("learning rate", RateColor, WithoutFlatMiddles(points)) { Dots = false }],
            Markers(history, phaseBoundaryOffset: 1));
    }

    /// <summary>The chart as a standalone SVG.</summary>
    public static string Svg(TrainingHistory history, CurveMetric metric) => SvgLineChart.Render(Chart(history, metric));

    /// <summary>The learning-rate chart as a standalone SVG.</summary>
    public static string LearningRateSvg(TrainingHistory history) => SvgLineChart.Render(LearningRateChart(history));

    /// <summary>Fine-tuning's start (<paramref name="phaseBoundaryOffset"/> before its first epoch's point), the best
    /// epoch and the stop.</summary>
    private static List<ChartMarker> Markers(TrainingHistory history, double phaseBoundaryOffset)
    {
        var epochs = history.Epochs;
        var markers = new List<ChartMarker>();
        var firstEpoch = epochs.Count > 0 ? epochs.Min(e => e.Epoch) : 1;
        if (epochs.FirstOrDefault(e => e.Phase == "fine_tune") is { } boundary && boundary.Epoch > firstEpoch)
        {
            markers.Add(new ChartMarker(boundary.Epoch - phaseBoundaryOffset, PhaseColor, "2 3", "fine-tune starts"));
        }
        if (epochs.Any(e => e.Epoch == history.BestEpoch))
        {
            markers.Add(new ChartMarker(history.BestEpoch, BestColor, "6 3", Invariant($"best: epoch {history.BestEpoch}")));
        }
        if (history.StoppedEpoch is { } stopped && epochs.Any(e => e.Epoch == stopped))
        {
            markers.Add(new ChartMarker(stopped, StopColor, "1 3", Invariant($"stopped: epoch {stopped}")));
        }
        return markers;
    }

    /// <summary>Drops each point whose neighbours on both sides have its value: a constant stretch keeps its two ends.</summary>
    private static List<(double Epoch, double Value)> WithoutFlatMiddles(List<(double Epoch, double Value)> points) =>
        [.. points.Where((p, i) => i == 0 || i == points.Count - 1 || p.Value != points[i - 1].Value || p.Value != points[i + 1].Value)];

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
