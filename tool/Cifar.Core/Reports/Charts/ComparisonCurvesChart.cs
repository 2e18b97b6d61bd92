using System.Globalization;
using System.Text;

namespace Cifar.Reports.Charts;

/// <summary>
/// Overlaid per-epoch curves of several experiments as a self-contained SVG: fixed size, fixed palette, coordinates
/// rounded to 0.01 px with invariant formatting, so the same data always gives the same bytes.
/// </summary>
internal static class ComparisonCurvesChart
{
    /// <summary>
    /// Okabe &amp; Ito's colour-blind-safe palette (Color Universal Design, 2008), without its yellow, which is
    /// unreadable on white; experiments beyond seven reuse colours in order.
    /// </summary>
    internal static readonly IReadOnlyList<string> Palette =
        ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];

    /// <summary>One experiment's curve; <paramref name="MarkEpoch"/> gets a ring (the best epoch).</summary>
    internal sealed record Series(string Name, string Colour, IReadOnlyList<(int Epoch, double Value)> Points, int? MarkEpoch);

    private const double Width = 600, Height = 320;
    private const double Left = 56, Right = 140, Top = 40, Bottom = 44;

    /// <param name="title">Shown above the plot.</param>
    /// <param name="yLabel">Vertical axis label.</param>
    /// <param name="tick">Formats a y tick value.</param>
    /// <param name="clampToUnit">Keep the y range inside [0, 1] (accuracies).</param>
    internal static string Render(string title, string yLabel, IReadOnlyList<Series> series, Func<double, string> tick, bool clampToUnit)
    {
        var points = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Value)).ToList();
        var maxEpoch = Math.Max(2, points.Count == 0 ? 2 : points.Max(p => p.Epoch));
        var (yMin, yMax) = points.Count == 0 ? (0.0, 1.0) : (points.Min(p => p.Value), points.Max(p => p.Value));
        var yStep = SvgChart.NiceStep((yMax - yMin) / 5);
        var lo = Math.Floor(yMin / yStep) * yStep;
        var hi = Math.Ceiling(yMax / yStep) * yStep;
        if (hi - lo < yStep)
        {
            hi = lo + yStep;
        }
        if (clampToUnit)
        {
            (lo, hi) = (Math.Max(0, lo), Math.Min(1, hi));
            if (hi <= lo)
            {
                lo = Math.Max(0, hi - yStep);
            }
        }
        var plotW = Width - Left - Right;
        var plotH = Height - Top - Bottom;
        double X(double epoch) => Left + (epoch - 1) / (maxEpoch - 1) * plotW;
        double Y(double value) => Top + (hi - value) / (hi - lo) * plotH;

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{N(Width)}\" height=\"{N(Height)}\" viewBox=\"0 0 {N(Width)} {N(Height)}\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"{SvgChart.Escape(title)}\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{N(Width)}\" height=\"{N(Height)}\" fill=\"#ffffff\"/>\n");
        svg.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{N(Left)}\" y=\"22\" font-size=\"14\" font-weight=\"bold\" fill=\"#222222\">{SvgChart.Escape(title)}</text>\n");

        // Horizontal grid lines with y ticks.
        for (var i = 0; ; i++)
        {
            var value = Math.Round(lo + i * yStep, 10);
            if (value > hi + yStep / 1000)
            {
                break;
            }
            var y = Y(value);
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{N(Left)}\" y1=\"{N(y)}\" x2=\"{N(Left + plotW)}\" y2=\"{N(y)}\" stroke=\"#e3e3e3\"/>\n");
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{N(Left - 6)}\" y=\"{N(y + 4)}\" text-anchor=\"end\" fill=\"#555555\">{SvgChart.Escape(tick(value))}</text>\n");
        }
        // Epoch ticks.
        var xStep = Math.Max(1, (int)SvgChart.NiceStep((maxEpoch - 1) / 8.0));
        for (var epoch = 1; epoch <= maxEpoch; epoch += xStep)
        {
            var x = X(epoch);
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{N(x)}\" y1=\"{N(Top + plotH)}\" x2=\"{N(x)}\" y2=\"{N(Top + plotH + 4)}\" stroke=\"#555555\"/>\n");
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{N(x)}\" y=\"{N(Top + plotH + 18)}\" text-anchor=\"middle\" fill=\"#555555\">{epoch}</text>\n");
        }
        svg.Append(CultureInfo.InvariantCulture,
            $"<rect x=\"{N(Left)}\" y=\"{N(Top)}\" width=\"{N(plotW)}\" height=\"{N(plotH)}\" fill=\"none\" stroke=\"#999999\"/>\n");
        svg.Append(CultureInfo.InvariantCulture,
            $"<text x=\"{N(Left + plotW / 2)}\" y=\"{N(Height - 8)}\" text-anchor=\"middle\" fill=\"#333333\">epoch</text>\n");
        svg.Append(CultureInfo.InvariantCulture,
            $"<text transform=\"translate(16 {N(Top + plotH / 2)}) rotate(-90)\" text-anchor=\"middle\" fill=\"#333333\">{SvgChart.Escape(yLabel)}</text>\n");

        for (var s = 0; s < series.Count; s++)
        {
            var curve = series[s].Points.Where(p => double.IsFinite(p.Value)).OrderBy(p => p.Epoch).ToList();
            var colour = series[s].Colour;
            if (curve.Count > 1)
            {
                svg.Append(CultureInfo.InvariantCulture,
                    $"<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\"{string.Join(' ', curve.Select(p => N(X(p.Epoch)) + "," + N(Y(p.Value))))}\"/>\n");
            }
            foreach (var p in curve)
            {
                svg.Append(CultureInfo.InvariantCulture,
                    $"<circle cx=\"{N(X(p.Epoch))}\" cy=\"{N(Y(p.Value))}\" r=\"2.5\" fill=\"{colour}\"/>\n");
            }
            if (series[s].MarkEpoch is { } mark && curve.FirstOrDefault(p => p.Epoch == mark) is { Epoch: > 0 } best)
            {
                svg.Append(CultureInfo.InvariantCulture,
                    $"<circle cx=\"{N(X(best.Epoch))}\" cy=\"{N(Y(best.Value))}\" r=\"6\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>\n");
            }
            // Legend entry.
            var ly = Top + 10 + s * 20;
            var lx = Left + plotW + 16;
            svg.Append(CultureInfo.InvariantCulture,
                $"<line x1=\"{N(lx)}\" y1=\"{N(ly)}\" x2=\"{N(lx + 22)}\" y2=\"{N(ly)}\" stroke=\"{colour}\" stroke-width=\"3\"/>\n");
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{N(lx + 28)}\" y=\"{N(ly + 4)}\" fill=\"#222222\">{SvgChart.Escape(Shorten(series[s].Name))}</text>\n");
        }
        if (series.Any(s => s.MarkEpoch is not null))
        {
            var ly = Top + 10 + series.Count * 20;
            var lx = Left + plotW + 16;
            svg.Append(CultureInfo.InvariantCulture,
                $"<circle cx=\"{N(lx + 11)}\" cy=\"{N(ly)}\" r=\"6\" fill=\"none\" stroke=\"#555555\" stroke-width=\"2\"/>\n");
            svg.Append(CultureInfo.InvariantCulture,
                $"<text x=\"{N(lx + 28)}\" y=\"{N(ly + 4)}\" fill=\"#555555\">best epoch</text>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Shorten(string name) => name.Length <= 18 ? name : name[..17] + "…";

    private static string N(double value) => Math.Round(value, 2).ToString("0.##", CultureInfo.InvariantCulture);
}
