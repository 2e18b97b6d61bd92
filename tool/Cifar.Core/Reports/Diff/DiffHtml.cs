using System.Net;
using System.Text;
using Cifar.Reports.Charts;
using Cifar.Reports.Images;

namespace Cifar.Reports.Diff;

/// <summary>
/// The CIFAR-10 test images by test index, for the HTML diff's gallery, with the hash of the dataset they come from:
/// an experiment's pictures are taken from here only when its metrics.json names the same dataset.
/// </summary>
/// <param name="DatasetSha256">The dataset's content hash, as metrics.json's <c>dataset_sha256</c> holds it.</param>
/// <param name="Image">The 32x32 image of a test index, or null when there is no such image.</param>
public sealed record TestSetPictures(string DatasetSha256, Func<int, RgbImage?> Image);

/// <summary>
/// <c>dotnet cifar diff --format html</c>: the blocks of <see cref="DiffDocument"/> as one self-contained HTML file
/// (no script, no request: pictures are <c>data:</c> URIs, charts inline SVG), with the flipped test images as a
/// gallery. Each picture is the test image, enlarged, from the first of: the test set in the cache (<see
/// cref="TestSetPictures"/>), the head's then the base's <c>images/test/test-NNNNN.png</c>; then each side's
/// <c>images/gradcam/test-NNNNN.png</c> when both sides have one. PNGs from report folders are embedded as they are,
/// never decoded.
/// </summary>
internal static class DiffHtml
{
    /// <summary>A 32x32 test image is shown 4x larger, nearest-neighbour, as the run's report shows it.</summary>
    public const int Enlargement = 4;

    private const string Style = """
        :root { --ink: #111827; --muted: #4b5563; --line: #d1d5db; --soft: #f3f4f6; --zebra: #f9fafb; --accent: #2563eb; --worse: #b91c1c; --better: #047857; }
        * { box-sizing: border-box; }
        body { margin: 0; background: #eef1f5; color: var(--ink); font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }
        main { max-width: 1240px; margin: 24px auto; padding: 28px 36px 36px; background: #fff; border: 1px solid #e5e7eb; border-radius: 10px; }
        h2 { font-size: 24px; margin: 0 0 12px; }
        h3 { font-size: 19px; margin: 34px 0 12px; padding-bottom: 6px; border-bottom: 2px solid var(--soft); }
        code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 13px; }
        table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
        th, td { border: 1px solid var(--line); padding: 5px 10px; text-align: left; }
        th { background: var(--soft); }
        td.num { text-align: right; white-space: nowrap; }
        details > summary { cursor: pointer; color: var(--accent); }
        .charts { display: flex; flex-wrap: wrap; gap: 16px; }
        .charts figure { flex: 1 1 460px; margin: 0; border: 1px solid #e5e7eb; border-radius: 8px; padding: 6px; }
        .charts svg { width: 100%; height: auto; }
        .gallery { display: flex; flex-wrap: wrap; gap: 12px; margin: 8px 0 16px; }
        .gallery figure { margin: 0; padding: 8px; border: 1px solid #e5e7eb; border-radius: 8px; background: #fafbfc; }
        .gallery .pictures { display: flex; gap: 6px; }
        .gallery .picture { text-align: center; font-size: 12px; color: var(--muted); }
        .gallery img { display: block; image-rendering: pixelated; }
        .gallery figcaption { font-size: 13px; margin-top: 6px; max-width: 400px; }
        .gallery .worse { color: var(--worse); }
        .gallery .better { color: var(--better); }
        """;

    public static string Render(ReportDiff diff, double? regressionPoints, TestSetPictures? pictures)
    {
        var html = new StringBuilder();
        void Line(string text) => html.Append(text).Append('\n');
        Line("<!DOCTYPE html>");
        Line("<html lang=\"en\">");
        Line("<head>");
        Line("<meta charset=\"utf-8\">");
        Line("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        Line($"<title>Report diff: {Encode(diff.Base)} → {Encode(diff.Head)} · dotnet-cifar</title>");
        Line("<style>");
        Line(Style.TrimEnd());
        Line("</style>");
        Line("</head>");
        Line("<body>");
        Line("<main>");
        var experiments = diff.Experiments.ToDictionary(e => e.Name, StringComparer.Ordinal);
        ExperimentDiff? current = null;
        var inCharts = false;
        foreach (var block in DiffDocument.Build(diff, regressionPoints, new DiffDocument.PicturesLine(true), charts: true))
        {
            if (inCharts && block is not ChartBlock)
            {
                Line("</div>");
                inCharts = false;
            }
            switch (block)
            {
                case HeadingBlock h:
                    // An experiment's heading is its name in code; the diff's sections (Added, Removed) are not experiments.
                    current = h.Level == 3 && h.Text is [{ Style: SpanStyle.Code } name] ? experiments.GetValueOrDefault(name.Text) : null;
                    Line($"<h{h.Level}>{Inline(h.Text)}</h{h.Level}>");
                    break;
                case LinesBlock lines:
                    Line("<p>" + string.Join("<br>\n", lines.Lines.Select(l => (l.Label is null ? "" : $"<strong>{Encode(l.Label)}:</strong> ") + Inline(l.Text))) + "</p>");
                    break;
                case ListBlock list:
                    if (list.Lead.Count > 0) Line($"<p>{Inline(list.Lead)}</p>");
                    if (list.Items.Count > 0)
                    {
                        Line("<ul>");
                        foreach (var item in list.Items) Line($"<li>{Inline(item)}</li>");
                        Line("</ul>");
                    }
                    break;
                case TableBlock table:
                    if (table.Title is not null) Line($"<details><summary>{Encode(table.Title)}</summary>");
                    Line($"<table><thead><tr><th>{Encode(table.FirstColumn)}</th><th>Base</th><th>Head</th><th>Change</th></tr></thead><tbody>");
                    foreach (var (label, baseValue, head, change) in table.Rows)
                    {
                        Line($"<tr><td>{Encode(label)}</td><td class=\"num\">{Encode(baseValue)}</td><td class=\"num\">{Encode(head)}</td><td class=\"num\">{Encode(change)}</td></tr>");
                    }
                    Line("</tbody></table>");
                    if (table.Title is not null) Line("</details>");
                    break;
                case FlippedBlock flipped:
                    Line($"<p>{Inline(flipped.Lead)}</p>");
                    Line("<div class=\"gallery\">");
                    foreach (var (image, cells) in flipped.Rows) Figure(image, flipped.Columns, cells, current, pictures, Line);
                    Line("</div>");
                    break;
                case ChartBlock chart when chart.Series.All(s => s.Mark == ChartMark.Line):
                    if (!inCharts)
                    {
                        Line("<div class=\"charts\">");
                        inCharts = true;
                    }
                    Line($"<figure>{SvgLineChart.Render(Chart(chart))}</figure>");
                    break;
                case ChartBlock:
                    break; // per-class F1 as bars: the HTML has the table, and no bar chart to draw it with
            }
        }
        if (inCharts) Line("</div>");
        Line("</main>");
        Line("</body>");
        Line("</html>");
        return html.ToString();
    }

    /// <summary>One flipped image: its pictures side by side, then the table's cells as a caption.</summary>
    private static void Figure(FlippedImage image, IReadOnlyList<string> columns, IReadOnlyList<string> cells,
        ExperimentDiff? experiment, TestSetPictures? pictures, Action<string> line)
    {
        var shown = new List<(string Caption, byte[] Png)>();
        string? missing = null;
        if (image.PictureStem is not { } stem)
        {
            missing = "no picture: no test-outcomes.csv says which test image this is";
        }
        else
        {
            var testImage = TestImage(image.TestIndex!.Value, stem, experiment, pictures);
            if (testImage is not null) shown.Add(("test image", testImage));
            var gradcam = "images/gradcam/" + stem + ".png";
            if (experiment?.BaseFiles?.Read(gradcam) is { } baseMap && experiment.HeadFiles?.Read(gradcam) is { } headMap)
            {
                shown.Add(("base Grad-CAM", baseMap));
                shown.Add(("head Grad-CAM", headMap));
            }
            if (shown.Count == 0) missing = "no picture: the test set is not in the cache and neither report folder has this image";
        }
        // Base right and head wrong is a change for the worse.
        var direction = image.BasePrediction == image.TrueClass ? "worse" : "better";
        line($"<figure class=\"{direction}\">");
        if (shown.Count > 0)
        {
            line("<div class=\"pictures\">");
            foreach (var (caption, png) in shown)
            {
                line($"<div class=\"picture\"><img src=\"{PngImages.DataUri(png)}\" alt=\"{Encode(caption)} of {Encode(cells[0])}\">{Encode(caption)}</div>");
            }
            line("</div>");
        }
        var parts = columns.Zip(cells).Select(p => $"{Encode(p.First)}: {Encode(p.Second)}");
        line($"<figcaption class=\"{direction}\">{string.Join("<br>", parts)}{(missing is null ? "" : "<br><em>" + Encode(missing) + "</em>")}</figcaption>");
        line("</figure>");
    }

    /// <summary>The enlarged test image: from the test set when the experiment was evaluated on it, else the head's
    /// then the base's copy in the report folder; null when none has it.</summary>
    private static byte[]? TestImage(int testIndex, string stem, ExperimentDiff? experiment, TestSetPictures? pictures)
    {
        if (pictures is not null && experiment?.DatasetSha256 is { } dataset
            && string.Equals(dataset, pictures.DatasetSha256, StringComparison.OrdinalIgnoreCase)
            && pictures.Image(testIndex) is { } image)
        {
            return PngImages.Encode(ImageLayout.Enlarge(image, Enlargement));
        }
        var copy = "images/test/" + stem + ".png";
        return experiment?.HeadFiles?.Read(copy) ?? experiment?.BaseFiles?.Read(copy);
    }

    /// <summary>A base-against-head line chart as the reports draw theirs (epochs from 1, the report's palette).</summary>
    private static LineChart Chart(ChartBlock chart) => new(
        chart.Title,
        chart.YLabel,
        chart.Percent ? ChartScale.Fraction : ChartScale.Plain,
        [.. chart.Series.Select((s, i) => new ChartSeries(s.Name, SvgLineChart.Palette[i % SvgLineChart.Palette.Count],
            [.. s.Values.Select((v, epoch) => (epoch + 1.0, v ?? double.NaN))]))],
        []);

    private static string Inline(IReadOnlyList<Span> spans) => string.Concat(spans.Select(s =>
    {
        var text = s.Style switch
        {
            SpanStyle.Code => $"<code>{Encode(s.Text)}</code>",
            SpanStyle.Strong => $"<strong>{Encode(s.Text)}</strong>",
            _ => Encode(s.Text),
        };
        return s.Url is null ? text : $"<a href=\"{Encode(s.Url)}\">{text}</a>";
    }));

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
