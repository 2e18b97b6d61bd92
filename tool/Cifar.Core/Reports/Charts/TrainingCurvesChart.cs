using System.Globalization;
using System.Text;
using Cifar.Training;

using Cifar.Reports.Formatting;

namespace Cifar.Reports.Charts;

/// <summary>Which pair of curves a chart shows.</summary>
internal enum CurveMetric { Loss, Accuracy }

/// <summary>
/// A learning-curve chart as a standalone SVG (640x360): training and validation per epoch, the best epoch, the stop
/// and the start of fine-tuning marked with labelled vertical lines. Deterministic text: fixed number formats, no ids,
/// no timestamps, so the file is byte-identical for the same history.
/// </summary>
internal static class TrainingCurvesChart
{
    public const int Width = 640;
    public const int Height = 360;

    // Plot area in SVG pixels; the margins hold the title and legend (top), tick labels (left, bottom) and axis titles.
    private const double Left = 68, Right = 620, Top = 48, Bottom = 300;

    private const string TrainColor = "#2563eb";
    private const string ValidationColor = "#ea580c";
    private const string BestColor = "#15803d";
    private const string StopColor = "#b91c1c";
    private const string PhaseColor = "#6b7280";
    private const string FontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

    public static string Render(TrainingHistory history, CurveMetric metric)
    {
        ArgumentNullException.ThrowIfNull(history);
        var epochs = history.Epochs;
        var isLoss = metric == CurveMetric.Loss;
        var train = epochs.Select(e => (e.Epoch, Value: isLoss ? e.Loss : e.Accuracy)).ToList();
        var validation = epochs.Select(e => (e.Epoch, Value: isLoss ? e.ValLoss : e.ValAccuracy)).ToList();

        var firstEpoch = epochs.Count > 0 ? epochs.Min(e => e.Epoch) : 1;
        var lastEpoch = epochs.Count > 0 ? epochs.Max(e => e.Epoch) : 1;
        // A little air left and right so the first and last points do not sit on the frame.
        var xPad = lastEpoch > firstEpoch ? Math.Max(0.25, (lastEpoch - firstEpoch) * 0.03) : 0.5;
        var xMin = firstEpoch - xPad;
        var xMax = lastEpoch + xPad;

        var values = train.Concat(validation).Select(p => p.Value).Where(double.IsFinite).ToList();
        var (yMin, yMax, yStep) = YAxis(values, isLoss);

        double X(double epoch) => Left + ((epoch - xMin) / (xMax - xMin) * (Right - Left));
        double Y(double value) => Bottom - ((value - yMin) / (yMax - yMin) * (Bottom - Top));

        var title = isLoss ? "Loss" : "Accuracy";
        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{SvgChart.Escape(title)} per epoch: training and validation\" font-family=\"{SvgChart.Escape(FontFamily)}\" font-size=\"12\">\n"));
        svg.Append(Invariant($"<rect x=\"0\" y=\"0\" width=\"{Width}\" height=\"{Height}\" fill=\"#ffffff\"/>\n"));
        svg.Append(Invariant($"<text x=\"{F(Left)}\" y=\"26\" font-size=\"15\" font-weight=\"600\" fill=\"#111827\">{SvgChart.Escape(title)}</text>\n"));

        // Grid and y ticks.
        var yDecimals = Decimals(isLoss ? yStep : yStep * 100);
        for (var i = 0; ; i++)
        {
            var value = yMin + (i * yStep);
            if (value > yMax + (yStep / 1000)) break;
            var y = Y(value);
            var label = isLoss ? Fixed(value, yDecimals) : Fixed(value * 100, yDecimals) + "%";
            svg.Append(Invariant($"<line x1=\"{F(Left)}\" y1=\"{F(y)}\" x2=\"{F(Right)}\" y2=\"{F(y)}\" stroke=\"#e5e7eb\" stroke-width=\"1\"/>\n"));
            svg.Append(Invariant($"<text x=\"{F(Left - 8)}\" y=\"{F(y + 4)}\" text-anchor=\"end\" fill=\"#374151\">{SvgChart.Escape(label)}</text>\n"));
        }

        // X ticks: whole epochs, at most about ten labels.
        var xStep = XStep(lastEpoch - firstEpoch + 1);
        var firstTick = (int)Math.Ceiling(firstEpoch / (double)xStep) * xStep;
        // Epoch 1 gets a tick of its own when the steps are wide (1, 5, 10, ...), not when it would crowd the next (1, 2, 4).
        if (firstTick - firstEpoch >= 4) svg.Append(XTick(X(firstEpoch), firstEpoch.ToString(CultureInfo.InvariantCulture)));
        for (var epoch = Math.Max(firstTick, firstEpoch); epoch <= lastEpoch; epoch += xStep)
        {
            svg.Append(XTick(X(epoch), epoch.ToString(CultureInfo.InvariantCulture)));
        }

        // Frame (left and bottom axes) and axis titles.
        svg.Append(Invariant($"<path d=\"M{F(Left)} {F(Top)} V{F(Bottom)} H{F(Right)}\" fill=\"none\" stroke=\"#6b7280\" stroke-width=\"1\"/>\n"));
        svg.Append(Invariant($"<text x=\"{F((Left + Right) / 2)}\" y=\"{F(Bottom + 42)}\" text-anchor=\"middle\" fill=\"#111827\">epoch</text>\n"));
        svg.Append(Invariant($"<text transform=\"translate(18 {F((Top + Bottom) / 2)}) rotate(-90)\" text-anchor=\"middle\" fill=\"#111827\">{(isLoss ? "loss" : "accuracy")}</text>\n"));

        // Markers go under the curves so they never hide a data point; labels are stacked so they do not collide.
        var phaseBoundary = epochs.FirstOrDefault(e => e.Phase == "fine_tune");
        var row = 0;
        if (phaseBoundary is not null && phaseBoundary.Epoch > firstEpoch)
        {
            svg.Append(Marker(X(phaseBoundary.Epoch - 0.5), PhaseColor, "2 3", "fine-tune starts", row++));
        }
        if (epochs.Any(e => e.Epoch == history.BestEpoch))
        {
            svg.Append(Marker(X(history.BestEpoch), BestColor, "6 3", Invariant($"best: epoch {history.BestEpoch}"), row++));
        }
        if (history.StoppedEpoch is { } stopped && epochs.Any(e => e.Epoch == stopped))
        {
            svg.Append(Marker(X(stopped), StopColor, "1 3", Invariant($"stopped: epoch {stopped}"), row));
        }

        svg.Append(Series(train, TrainColor, X, Y, epochs.Count));
        svg.Append(Series(validation, ValidationColor, X, Y, epochs.Count));

        // Legend, top right.
        svg.Append(LegendEntry(Right - 190, TrainColor, "training"));
        svg.Append(LegendEntry(Right - 92, ValidationColor, "validation"));
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>Nice y range and step (1, 2 or 5 x 10^k) covering the values; accuracy is kept within [0, 1].</summary>
    private static (double Min, double Max, double Step) YAxis(List<double> values, bool isLoss)
    {
        if (values.Count == 0) return isLoss ? (0, 1, 0.2) : (0, 1, 0.2);
        var lo = values.Min();
        var hi = values.Max();
        if (hi - lo < 1e-9)
        {
            var half = Math.Max(Math.Abs(hi) * 0.1, 0.05);
            lo -= half;
            hi += half;
        }
        var step = SvgChart.NiceStep((hi - lo) / 5);
        var min = Math.Floor(lo / step) * step;
        var max = Math.Ceiling(hi / step) * step;
        if (isLoss && lo >= 0) min = Math.Max(0, min);
        if (!isLoss)
        {
            min = Math.Max(0, min);
            max = Math.Min(1, max);
            if (max <= min) max = min + step;
        }
        return (min, max, step);
    }

    private static int XStep(int epochs)
    {
        foreach (var step in new[] { 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500 })
        {
            if (epochs / step <= 10) return step;
        }
        return 1000;
    }

    private static int Decimals(double step) => Math.Max(0, (int)-Math.Floor(Math.Log10(step) + 1e-9));

    private static string XTick(double x, string label) =>
        Invariant($"<line x1=\"{F(x)}\" y1=\"{F(Bottom)}\" x2=\"{F(x)}\" y2=\"{F(Bottom + 5)}\" stroke=\"#6b7280\" stroke-width=\"1\"/>\n") +
        Invariant($"<text x=\"{F(x)}\" y=\"{F(Bottom + 20)}\" text-anchor=\"middle\" fill=\"#374151\">{SvgChart.Escape(label)}</text>\n");

    private static string Marker(double x, string color, string dash, string label, int row)
    {
        // Labels right of the line, or left of it in the last third so they stay inside the plot.
        var rightSide = x < Left + ((Right - Left) * 2 / 3);
        var labelX = rightSide ? x + 5 : x - 5;
        var labelY = Top + 14 + (row * 16);
        return Invariant($"<line x1=\"{F(x)}\" y1=\"{F(Top)}\" x2=\"{F(x)}\" y2=\"{F(Bottom)}\" stroke=\"{color}\" stroke-width=\"1.5\" stroke-dasharray=\"{dash}\"/>\n") +
            Invariant($"<text x=\"{F(labelX)}\" y=\"{F(labelY)}\" text-anchor=\"{(rightSide ? "start" : "end")}\" fill=\"{color}\" font-size=\"11\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">{SvgChart.Escape(label)}</text>\n");
    }

    private static string Series(List<(int Epoch, double Value)> points, string color, Func<double, double> x, Func<double, double> y, int count)
    {
        var path = new StringBuilder();
        var dots = new StringBuilder();
        var penDown = false;
        foreach (var (epoch, value) in points)
        {
            if (!double.IsFinite(value))
            {
                penDown = false; // a diverged epoch breaks the line instead of drawing to infinity
                continue;
            }
            path.Append(path.Length == 0 ? "" : " ").Append(penDown ? 'L' : 'M').Append(F(x(epoch))).Append(' ').Append(F(y(value)));
            penDown = true;
            // Dots help read individual epochs; past 60 epochs they only clutter the line.
            if (count <= 60) dots.Append(Invariant($"<circle cx=\"{F(x(epoch))}\" cy=\"{F(y(value))}\" r=\"2.5\" fill=\"{color}\"/>\n"));
        }
        if (path.Length == 0) return "";
        return Invariant($"<path d=\"{path}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n") + dots;
    }

    private static string LegendEntry(double x, string color, string label) =>
        Invariant($"<line x1=\"{F(x)}\" y1=\"22\" x2=\"{F(x + 22)}\" y2=\"22\" stroke=\"{color}\" stroke-width=\"2.5\"/>\n") +
        Invariant($"<circle cx=\"{F(x + 11)}\" cy=\"22\" r=\"2.5\" fill=\"{color}\"/>\n") +
        Invariant($"<text x=\"{F(x + 28)}\" y=\"26\" fill=\"#111827\">{SvgChart.Escape(label)}</text>\n");

    private static string F(double value) => Fixed(value, 1);

    private static string Fixed(double value, int decimals) => ReportNumbers.Fixed(value, decimals) ?? "0";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
