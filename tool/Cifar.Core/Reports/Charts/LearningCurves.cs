using System.Globalization;
using Cifar.Training;

namespace Cifar.Reports.Charts;

/// <summary>Which pair of curves a report's learning-curve chart shows.</summary>
public enum CurveMetric { Loss, Accuracy }

/// <summary>
/// A report's learning curves as a <see cref="LineChart"/>: training against validation per epoch, with the start of
/// fine-tuning, the best epoch and the stop marked.
/// </summary>
public static class LearningCurves
{
    private const string TrainColor = "#2563eb";
    private const string ValidationColor = "#ea580c";
    private const string BestColor = "#15803d";
    private const string StopColor = "#b91c1c";
    private const string PhaseColor = "#6b7280";

    public static LineChart Chart(TrainingHistory history, CurveMetric metric)
    {
        ArgumentNullException.ThrowIfNull(history);
        var epochs = history.Epochs;
        var isLoss = metric == CurveMetric.Loss;
        var markers = new List<ChartMarker>();
        var firstEpoch = epochs.Count > 0 ? epochs.Min(e => e.Epoch) : 1;
        if (epochs.FirstOrDefault(e => e.Phase == "fine_tune") is { } boundary && boundary.Epoch > firstEpoch)
        {
            markers.Add(new ChartMarker(boundary.Epoch - 0.5, PhaseColor, "2 3", "fine-tune starts"));
        }
        if (epochs.Any(e => e.Epoch == history.BestEpoch))
        {
            markers.Add(new ChartMarker(history.BestEpoch, BestColor, "6 3", Invariant($"best: epoch {history.BestEpoch}")));
        }
        if (history.StoppedEpoch is { } stopped && epochs.Any(e => e.Epoch == stopped))
        {
            markers.Add(new ChartMarker(stopped, StopColor, "1 3", Invariant($"stopped: epoch {stopped}")));
        }
        return new LineChart(
            isLoss ? "Loss per epoch" : "Accuracy per epoch",
            isLoss ? "loss" : "accuracy",
            isLoss ? ChartScale.Plain : ChartScale.Fraction,
            [
                new ChartSeries("training", TrainColor, [.. epochs.Select(e => (e.Epoch, isLoss ? e.Loss : e.Accuracy))]),
                new ChartSeries("validation", ValidationColor, [.. epochs.Select(e => (e.Epoch, isLoss ? e.ValLoss : e.ValAccuracy))]),
            ],
            markers);
    }

    /// <summary>The chart as a standalone SVG.</summary>
    public static string Svg(TrainingHistory history, CurveMetric metric) => SvgLineChart.Render(Chart(history, metric));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
