using System.Globalization;
using System.Text;
using Cifar.Reports.Formatting;

namespace Cifar.Reports.Charts;

/// <summary>One confidence bin of a reliability diagram: the images whose confidence is in (Low, High].</summary>
/// <param name="Confidence">Mean confidence of the bin's images; NaN when it has none.</param>
/// <param name="Accuracy">Share of them classified correctly; NaN when it has none.</param>
public sealed record CalibrationBin(double Low, double High, int Count, double Confidence, double Accuracy);

/// <summary>
/// A reliability diagram (Guo et al. 2017, fig. 1): per confidence bin a bar as high as the bin's accuracy, the gap to
/// the bin's mean confidence shaded, and the diagonal a perfectly calibrated model would follow. A standalone 640x360
/// SVG in the style of <see cref="SvgLineChart"/>: invariant numbers, no ids or timestamps, the same bins give the same bytes.
/// </summary>
public static class ReliabilityDiagram
{
    private const double Left = 68, Right = 620, Top = 52, Bottom = 300;

    private const string FontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

    public static string Svg(IReadOnlyList<CalibrationBin> bins, string title)
    {
        ArgumentNullException.ThrowIfNull(bins);
        ArgumentNullException.ThrowIfNull(title);
        double X(double value) => Left + value * (Right - Left);
        double Y(double value) => Bottom - value * (Bottom - Top);
        var svg = new StringBuilder();
        svg.Append(I($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{SvgLineChart.Width}\" height=\"{SvgLineChart.Height}\" viewBox=\"0 0 {SvgLineChart.Width} {SvgLineChart.Height}\" role=\"img\" aria-label=\"{Escape(title)}\" font-family=\"{Escape(FontFamily)}\" font-size=\"12\">\n"));
        svg.Append(I($"<rect x=\"0\" y=\"0\" width=\"{SvgLineChart.Width}\" height=\"{SvgLineChart.Height}\" fill=\"#ffffff\"/>\n"));
        svg.Append(I($"<text x=\"{F(Left)}\" y=\"26\" font-size=\"15\" font-weight=\"600\" fill=\"#111827\">{Escape(title)}</text>\n"));
        for (var tick = 0; tick <= 10; tick += 2)
        {
            var v = tick / 10.0;
            svg.Append(I($"<line x1=\"{F(Left)}\" y1=\"{F(Y(v))}\" x2=\"{F(Right)}\" y2=\"{F(Y(v))}\" stroke=\"#e5e7eb\" stroke-width=\"1\"/>\n"));
            svg.Append(I($"<text x=\"{F(Left - 8)}\" y=\"{F(Y(v) + 4)}\" text-anchor=\"end\" fill=\"#374151\">{tick * 10}%</text>\n"));
            svg.Append(I($"<text x=\"{F(X(v))}\" y=\"{F(Bottom + 20)}\" text-anchor=\"middle\" fill=\"#374151\">{tick * 10}%</text>\n"));
        }
        foreach (var bin in bins.Where(b => b.Count > 0))
        {
            double x = X(bin.Low) + 1, width = X(bin.High) - X(bin.Low) - 2;
            svg.Append(I($"<rect x=\"{F(x)}\" y=\"{F(Y(bin.Accuracy))}\" width=\"{F(width)}\" height=\"{F(Bottom - Y(bin.Accuracy))}\" fill=\"#0072B2\"/>\n"));
            double low = Math.Min(bin.Accuracy, bin.Confidence), high = Math.Max(bin.Accuracy, bin.Confidence);
            svg.Append(I($"<rect x=\"{F(x)}\" y=\"{F(Y(high))}\" width=\"{F(width)}\" height=\"{F(Y(low) - Y(high))}\" fill=\"#D55E00\" fill-opacity=\"0.35\" stroke=\"#D55E00\" stroke-width=\"1\"/>\n"));
        }
        svg.Append(I($"<line x1=\"{F(X(0))}\" y1=\"{F(Y(0))}\" x2=\"{F(X(1))}\" y2=\"{F(Y(1))}\" stroke=\"#6b7280\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n"));
        svg.Append(I($"<path d=\"M{F(Left)} {F(Top)} V{F(Bottom)} H{F(Right)}\" fill=\"none\" stroke=\"#6b7280\" stroke-width=\"1\"/>\n"));
        svg.Append(I($"<text x=\"{F((Left + Right) / 2)}\" y=\"{F(Bottom + 42)}\" text-anchor=\"middle\" fill=\"#111827\">confidence of the prediction</text>\n"));
        svg.Append(I($"<text transform=\"translate(18 {F((Top + Bottom) / 2)}) rotate(-90)\" text-anchor=\"middle\" fill=\"#111827\">accuracy</text>\n"));
        // Legend: what the bars, the shaded gaps and the diagonal are.
        svg.Append(I($"<rect x=\"{F(Left)}\" y=\"36\" width=\"14\" height=\"10\" fill=\"#0072B2\"/><text x=\"{F(Left + 20)}\" y=\"45\" fill=\"#111827\">accuracy per bin</text>\n"));
        svg.Append(I($"<rect x=\"{F(Left + 140)}\" y=\"36\" width=\"14\" height=\"10\" fill=\"#D55E00\" fill-opacity=\"0.35\" stroke=\"#D55E00\"/><text x=\"{F(Left + 160)}\" y=\"45\" fill=\"#111827\">gap to mean confidence</text>\n"));
        svg.Append(I($"<line x1=\"{F(Left + 320)}\" y1=\"41\" x2=\"{F(Left + 342)}\" y2=\"41\" stroke=\"#6b7280\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/><text x=\"{F(Left + 348)}\" y=\"45\" fill=\"#111827\">perfect calibration</text>\n"));
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Escape(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal);

    private static string F(double value) => ReportNumbers.Fixed(value, 1) ?? "0";

    private static string I(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
