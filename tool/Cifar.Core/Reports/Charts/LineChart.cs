using System.Globalization;
using System.Text;
using Cifar.Reports.Formatting;

namespace Cifar.Reports.Charts;

/// <summary>How a chart's values read: fractions (accuracies, kept within [0, 1], ticks in percent) or plain numbers (losses).</summary>
public enum ChartScale { Fraction, Plain }

/// <summary>One curve: values along the epoch axis (a non-finite value breaks the line), in one colour. A point at
/// epoch e is the value at the end of epoch e; a fractional epoch is a point inside an epoch (a step's learning rate).</summary>
/// <param name="RingEpoch">An epoch ringed on the curve (a comparison's best epochs); null for none.</param>
public sealed record ChartSeries(string Name, string Colour, IReadOnlyList<(double Epoch, double Value)> Points, int? RingEpoch = null)
{
    /// <summary>Whether each point gets a dot (up to 60 points a series): measured epochs do, samples of a curve
    /// that changes every step do not.</summary>
    public bool Dots { get; init; } = true;

    /// <summary>A shaded band around the curve, low to high per epoch (a multi-seed report's spread across seeds); empty
    /// for none. Drawn under every curve in the series' colour, translucent.</summary>
    public IReadOnlyList<(double Epoch, double Low, double High)> Band { get; init; } = [];
}

/// <summary>A labelled vertical line across the plot, e.g. the best epoch or where fine-tuning starts.</summary>
/// <param name="Dash">SVG stroke-dasharray, so markers differ without colour too.</param>
public sealed record ChartMarker(double Epoch, string Colour, string Dash, string Label);

/// <summary>A chart of values per epoch: what the report's learning curves and the comparison's overlays both are.</summary>
public sealed record LineChart(string Title, string YLabel, ChartScale Scale, IReadOnlyList<ChartSeries> Series, IReadOnlyList<ChartMarker> Markers)
{
    /// <summary>Named x positions instead of epochs (a sweep's values of one key, in order); null for an epoch axis.
    /// A point at position p (1-based, the series' "epoch") is drawn above label p.</summary>
    public CategoryAxis? Categories { get; init; }
}

/// <summary>An x axis of evenly spaced named positions: a swept key's values, whatever their spacing in number.</summary>
/// <param name="Title">The axis title (the swept key).</param>
/// <param name="Labels">One tick label per position, left to right.</param>
public sealed record CategoryAxis(string Title, IReadOnlyList<string> Labels);

/// <summary>
/// The one SVG renderer of every chart in the reports: a standalone 640x360 SVG with the title and the legend on top,
/// gridlines with nice ticks (1, 2 or 5 x 10^k), whole-epoch x ticks, markers under the curves. Deterministic text:
/// invariant numbers with one decimal, no ids, no timestamps, so the same chart is always the same bytes.
/// </summary>
public static class SvgLineChart
{
    public const int Width = 640;
    public const int Height = 360;

    // Plot area in SVG pixels; the margins hold the title and legend (top), tick labels (left, bottom) and axis titles.
    private const double Left = 68, Right = 620, Bottom = 300, LegendTop = 44, LegendRow = 18;

    private const string FontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

    /// <summary>Okabe &amp; Ito's colour-blind-safe palette (Color Universal Design, 2008), without its yellow, which is
    /// unreadable on white; series beyond seven reuse colours in order.</summary>
    public static IReadOnlyList<string> Palette { get; } = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];

    public static string Render(LineChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var points = chart.Series.SelectMany(s => s.Points).ToList();
        // Whole epochs for the ticks; a chart of steps starts at epoch 0, where the first epoch's steps begin.
        var categories = chart.Categories;
        var firstEpoch = categories is not null ? 1 : points.Count > 0 ? (int)Math.Floor(points.Min(p => p.Epoch)) : 1;
        var lastEpoch = categories is not null ? Math.Max(1, categories.Labels.Count)
            : points.Count > 0 ? (int)Math.Ceiling(points.Max(p => p.Epoch)) : 1;
        // A little air left and right so the first and last points do not sit on the frame.
        var xPad = lastEpoch > firstEpoch ? Math.Max(0.25, (lastEpoch - firstEpoch) * 0.03) : 0.5;
        var (xMin, xMax) = (firstEpoch - xPad, lastEpoch + xPad);
        var fraction = chart.Scale == ChartScale.Fraction;
        var bands = chart.Series.SelectMany(s => s.Band).SelectMany(b => new[] { b.Low, b.High });
        var (yMin, yMax, yStep) = YAxis([.. points.Select(p => p.Value).Concat(bands).Where(double.IsFinite)], fraction);

        var legend = LegendLayout(chart);
        var top = LegendTop + (legend.Rows * LegendRow) + 4;
        double X(double epoch) => Left + ((epoch - xMin) / (xMax - xMin) * (Right - Left));
        double Y(double value) => Bottom - ((value - yMin) / (yMax - yMin) * (Bottom - top));

        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{Escape(chart.Title)}\" font-family=\"{Escape(FontFamily)}\" font-size=\"12\">\n"));
        svg.Append(Invariant($"<rect x=\"0\" y=\"0\" width=\"{Width}\" height=\"{Height}\" fill=\"#ffffff\"/>\n"));
        svg.Append(Invariant($"<text x=\"{F(Left)}\" y=\"26\" font-size=\"15\" font-weight=\"600\" fill=\"#111827\">{Escape(chart.Title)}</text>\n"));

        // Grid and y ticks.
        var yDecimals = Decimals(fraction ? yStep * 100 : yStep);
        for (var i = 0; ; i++)
        {
            var value = yMin + (i * yStep);
            if (value > yMax + (yStep / 1000)) break;
            var y = Y(value);
            var label = fraction ? Fixed(value * 100, yDecimals) + "%" : Fixed(value, yDecimals);
            svg.Append(Invariant($"<line x1=\"{F(Left)}\" y1=\"{F(y)}\" x2=\"{F(Right)}\" y2=\"{F(y)}\" stroke=\"#e5e7eb\" stroke-width=\"1\"/>\n"));
            svg.Append(Invariant($"<text x=\"{F(Left - 8)}\" y=\"{F(y + 4)}\" text-anchor=\"end\" fill=\"#374151\">{Escape(label)}</text>\n"));
        }

        if (categories is not null)
        {
            // One tick per named position: every swept value is labelled, however many there are.
            for (var position = 1; position <= categories.Labels.Count; position++)
            {
                svg.Append(XTick(X(position), categories.Labels[position - 1]));
            }
        }
        else
        {
            // X ticks: whole epochs, at most about ten labels.
            var xStep = XStep(lastEpoch - firstEpoch + 1);
            var firstTick = (int)Math.Ceiling(firstEpoch / (double)xStep) * xStep;
            // Epoch 1 gets a tick of its own when the steps are wide (1, 5, 10, ...), not when it would crowd the next (1, 2, 4).
            if (firstTick - firstEpoch >= 4) svg.Append(XTick(X(firstEpoch), Invariant($"{firstEpoch}")));
            for (var epoch = Math.Max(firstTick, firstEpoch); epoch <= lastEpoch; epoch += xStep)
            {
                svg.Append(XTick(X(epoch), Invariant($"{epoch}")));
            }
        }

        // Frame (left and bottom axes) and axis titles.
        svg.Append(Invariant($"<path d=\"M{F(Left)} {F(top)} V{F(Bottom)} H{F(Right)}\" fill=\"none\" stroke=\"#6b7280\" stroke-width=\"1\"/>\n"));
        svg.Append(Invariant($"<text x=\"{F((Left + Right) / 2)}\" y=\"{F(Bottom + 42)}\" text-anchor=\"middle\" fill=\"#111827\">{Escape(categories?.Title ?? "epoch")}</text>\n"));
        svg.Append(Invariant($"<text transform=\"translate(18 {F((top + Bottom) / 2)}) rotate(-90)\" text-anchor=\"middle\" fill=\"#111827\">{Escape(chart.YLabel)}</text>\n"));

        // Markers go under the curves so they never hide a data point; labels are stacked so they do not collide.
        for (var row = 0; row < chart.Markers.Count; row++)
        {
            svg.Append(Marker(X(chart.Markers[row].Epoch), top, chart.Markers[row], row));
        }

        foreach (var series in chart.Series)
        {
            svg.Append(Band(series, X, Y));
        }
        var dots = chart.Series.Max(s => (int?)s.Points.Count) <= 60; // past 60 epochs dots only clutter the lines
        foreach (var series in chart.Series)
        {
            svg.Append(Curve(series, X, Y, dots && series.Dots));
        }
        svg.Append(legend.Svg);
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>Legend entries left to right below the title, wrapping to a new row at the plot's right edge.</summary>
    private static (int Rows, string Svg) LegendLayout(LineChart chart)
    {
        var entries = chart.Series.Select(s => (s.Name, s.Colour, Ring: false)).ToList();
        if (chart.Series.Any(s => s.RingEpoch is not null)) entries.Add(("best epoch", "#374151", true));
        var svg = new StringBuilder();
        var (x, row) = (Left, 0);
        foreach (var (name, colour, ring) in entries)
        {
            var label = name.Length <= 24 ? name : name[..23] + "…";
            var width = 28 + (label.Length * 7) + 18; // swatch, text at roughly 7 px per character, gap
            if (x > Left && x + width > Right)
            {
                (x, row) = (Left, row + 1);
            }
            var y = LegendTop + (row * LegendRow);
            svg.Append(ring
                ? Invariant($"<circle cx=\"{F(x + 11)}\" cy=\"{F(y)}\" r=\"5\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>\n")
                : Invariant($"<line x1=\"{F(x)}\" y1=\"{F(y)}\" x2=\"{F(x + 22)}\" y2=\"{F(y)}\" stroke=\"{colour}\" stroke-width=\"2.5\"/>\n"));
            svg.Append(Invariant($"<text x=\"{F(x + 28)}\" y=\"{F(y + 4)}\" fill=\"#111827\">{Escape(label)}</text>\n"));
            x += width;
        }
        return (entries.Count == 0 ? 0 : row + 1, svg.ToString());
    }

    /// <summary>Nice y range and step covering the values; fractions are kept within [0, 1], positive losses above 0.</summary>
    private static (double Min, double Max, double Step) YAxis(List<double> values, bool fraction)
    {
        if (values.Count == 0) return (0, 1, 0.2);
        var lo = values.Min();
        var hi = values.Max();
        if (hi - lo < 1e-9)
        {
            var half = Math.Max(Math.Abs(hi) * 0.1, 0.05);
            lo -= half;
            hi += half;
        }
        var step = NiceStep((hi - lo) / 5);
        var min = Math.Floor(lo / step) * step;
        var max = Math.Ceiling(hi / step) * step;
        if (lo >= 0) min = Math.Max(0, min);
        if (fraction)
        {
            max = Math.Min(1, max);
            if (max <= min) max = min + step;
        }
        return (min, max, step);
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>; 0.1 when there is no range.</summary>
    private static double NiceStep(double rough)
    {
        if (!(rough > 0)) return 0.1;
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var fraction = rough / magnitude;
        var nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * magnitude;
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
        Invariant($"<text x=\"{F(x)}\" y=\"{F(Bottom + 20)}\" text-anchor=\"middle\" fill=\"#374151\">{Escape(label)}</text>\n");

    private static string Marker(double x, double top, ChartMarker marker, int row)
    {
        // Labels right of the line, or left of it in the last third so they stay inside the plot.
        var rightSide = x < Left + ((Right - Left) * 2 / 3);
        var labelX = rightSide ? x + 5 : x - 5;
        var labelY = top + 14 + (row * 16);
        return Invariant($"<line x1=\"{F(x)}\" y1=\"{F(top)}\" x2=\"{F(x)}\" y2=\"{F(Bottom)}\" stroke=\"{marker.Colour}\" stroke-width=\"1.5\" stroke-dasharray=\"{marker.Dash}\"/>\n") +
            Invariant($"<text x=\"{F(labelX)}\" y=\"{F(labelY)}\" text-anchor=\"{(rightSide ? "start" : "end")}\" fill=\"{marker.Colour}\" font-size=\"11\" stroke=\"#ffffff\" stroke-width=\"3\" paint-order=\"stroke\">{Escape(marker.Label)}</text>\n");
    }

    /// <summary>The band as one closed path: along the highs left to right, back along the lows; epochs with a
    /// non-finite bound are left out.</summary>
    private static string Band(ChartSeries series, Func<double, double> x, Func<double, double> y)
    {
        var band = series.Band.Where(b => double.IsFinite(b.Low) && double.IsFinite(b.High)).OrderBy(b => b.Epoch).ToList();
        if (band.Count == 0) return "";
        var path = new StringBuilder();
        foreach (var (epoch, _, high) in band) path.Append(path.Length == 0 ? 'M' : 'L').Append(F(x(epoch))).Append(' ').Append(F(y(high))).Append(' ');
        for (var i = band.Count - 1; i >= 0; i--) path.Append('L').Append(F(x(band[i].Epoch))).Append(' ').Append(F(y(band[i].Low))).Append(' ');
        path.Append('Z');
        return Invariant($"<path d=\"{path}\" fill=\"{series.Colour}\" fill-opacity=\"0.18\" stroke=\"none\"/>\n");
    }

    private static string Curve(ChartSeries series, Func<double, double> x, Func<double, double> y, bool dots)
    {
        var path = new StringBuilder();
        var circles = new StringBuilder();
        var penDown = false;
        foreach (var (epoch, value) in series.Points.OrderBy(p => p.Epoch))
        {
            if (!double.IsFinite(value))
            {
                penDown = false; // a diverged epoch breaks the line instead of drawing to infinity
                continue;
            }
            path.Append(path.Length == 0 ? "" : " ").Append(penDown ? 'L' : 'M').Append(F(x(epoch))).Append(' ').Append(F(y(value)));
            penDown = true;
            if (dots) circles.Append(Invariant($"<circle cx=\"{F(x(epoch))}\" cy=\"{F(y(value))}\" r=\"2.5\" fill=\"{series.Colour}\"/>\n"));
            if (epoch == series.RingEpoch)
            {
                circles.Append(Invariant($"<circle cx=\"{F(x(epoch))}\" cy=\"{F(y(value))}\" r=\"6\" fill=\"none\" stroke=\"{series.Colour}\" stroke-width=\"2\"/>\n"));
            }
        }
        if (path.Length == 0) return "";
        return Invariant($"<path d=\"{path}\" fill=\"none\" stroke=\"{series.Colour}\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>\n") + circles;
    }

    /// <summary>XML text/attribute escaping.</summary>
    private static string Escape(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal)
        .Replace("'", "&#39;", StringComparison.Ordinal);

    private static string F(double value) => Fixed(value, 1);

    private static string Fixed(double value, int decimals) => ReportNumbers.Fixed(value, decimals) ?? "0";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
