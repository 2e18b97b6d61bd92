using System.Globalization;
using System.Text;
using Cifar.Reports.Files;
using Cifar.Reports.Formatting;
using Cifar.Reports.Statistics;

namespace Cifar.Reports.Diff;

/// <summary>Output formats of <c>dotnet cifar diff --format</c>.</summary>
public enum DiffFormat
{
    /// <summary>GitHub-flavoured Markdown, for a pull-request comment or the job summary.</summary>
    Markdown,
    /// <summary>Indented JSON with numbers as numbers, for scripts.</summary>
    Json,
    /// <summary>Plain text for a terminal.</summary>
    Text,
    /// <summary>One self-contained HTML file: the Markdown's content, charts as SVG, and a gallery of the flipped test
    /// images with both sides' Grad-CAM maps, embedded as <c>data:</c> URIs.</summary>
    Html,
}

/// <summary>Renders a <see cref="ReportDiff"/> as Markdown, JSON or text: invariant culture, fixed decimals, '\n' line
/// ends, and the same order every time.</summary>
public static class DiffRenderer
{
    /// <summary>Parses a <c>--format</c> value: markdown (or md), json, text, html.</summary>
    public static DiffFormat ParseFormat(string value) => value?.Trim().ToUpperInvariant() switch
    {
        "MARKDOWN" or "MD" => DiffFormat.Markdown,
        "JSON" => DiffFormat.Json,
        "TEXT" or "TXT" => DiffFormat.Text,
        "HTML" => DiffFormat.Html,
        _ => throw new CifarUserException(UserErrorKind.InvalidInput,
            $"--format is '{value}'; expected one of markdown, json, text, html"),
    };

    /// <summary>Renders <paramref name="diff"/>.</summary>
    /// <param name="regressionPoints">When given (--fail-on-regression), the output also says whether the
    /// regression check passed, and why not.</param>
    /// <param name="pictures">HTML only: the test set's images, shown when the experiment was evaluated on it.</param>
    /// <param name="htmlLink">Markdown and text: where the HTML diff is (a CI artifact's URL) for the line that
    /// points at the pictures.</param>
    public static string Render(ReportDiff diff, DiffFormat format, double? regressionPoints = null,
        TestSetPictures? pictures = null, string? htmlLink = null)
    {
        return format switch
        {
            DiffFormat.Markdown => Markdown(diff, regressionPoints, htmlLink),
            DiffFormat.Json => ReportFileJson.Write(ToFile(diff, regressionPoints)),
            DiffFormat.Text => Text(diff, regressionPoints, htmlLink),
            DiffFormat.Html => DiffHtml.Render(diff, regressionPoints, pictures),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
        };
    }

    // ---- Markdown ----

    /// <summary>GitHub Markdown: blocks separated by blank lines, names in code, other text escaped.</summary>
    private static string Markdown(ReportDiff diff, double? regressionPoints, string? htmlLink)
    {
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');
        foreach (var block in DiffDocument.Build(diff, regressionPoints, new DiffDocument.PicturesLine(false, htmlLink), charts: true))
        {
            if (md.Length > 0) Line();
            switch (block)
            {
                case HeadingBlock h:
                    Line(new string('#', h.Level) + " " + Inline(h.Text));
                    break;
                case LinesBlock lines:
                    foreach (var (label, text) in lines.Lines) Line((label is null ? "" : $"**{label}:** ") + Inline(text));
                    break;
                case ListBlock list:
                    if (list.Lead.Count > 0)
                    {
                        Line(Inline(list.Lead));
                        if (list.Items.Count > 0) Line();
                    }
                    foreach (var item in list.Items) Line("- " + Inline(item));
                    break;
                case TableBlock table:
                    if (table.Title is not null)
                    {
                        Line($"<details><summary>{Escape(table.Title)}</summary>");
                        Line();
                    }
                    Line($"| {table.FirstColumn} | Base | Head | Change |");
                    Line("|---|--:|--:|--:|");
                    foreach (var (label, baseValue, head, change) in table.Rows) Line($"| {Escape(label)} | {baseValue} | {head} | {change} |");
                    if (table.Title is not null)
                    {
                        Line();
                        Line("</details>");
                    }
                    break;
                case FlippedBlock flipped:
                    Line(Inline(flipped.Lead));
                    Line();
                    Line("| " + string.Join(" | ", flipped.Columns.Select(Escape)) + " |");
                    Line("|---|" + string.Concat(flipped.Columns.Skip(1).Select((_, i) => i < 3 ? "---|" : "--:|")));
                    foreach (var (_, cells) in flipped.Rows) Line("| " + string.Join(" | ", cells.Select(Escape)) + " |");
                    break;
                case ChartBlock chart:
                    Mermaid(chart, Line);
                    break;
            }
        }
        return md.ToString();
    }

    /// <summary>
    /// A Mermaid <c>xychart-beta</c> block, which GitHub draws in job summaries and comments. A series with a gap (a
    /// class or an epoch one side lacks inside its range) is left out: the chart has no way to show a gap.
    /// </summary>
    private static void Mermaid(ChartBlock chart, Action<string> line)
    {
        static string Quoted(string text) => "\"" + text.Replace("\"", "'", StringComparison.Ordinal) + "\"";
        string Number(double v) => chart.Percent ? ReportNumbers.Rounded(v * 100, 2) : ReportNumbers.Rounded(v, 4);
        line(Escape(chart.Caption));
        line("");
        line("```mermaid");
        line("xychart-beta");
        line("    title " + Quoted(chart.Title));
        line($"    x-axis {Quoted(chart.XLabel)} [{string.Join(", ", chart.Categories.Select(Quoted))}]");
        line("    y-axis " + Quoted(chart.YLabel));
        foreach (var (_, mark, values) in chart.Series)
        {
            var shown = values.Reverse().SkipWhile(v => v is null).Reverse().ToList();
            if (shown.Count == 0 || shown.Any(v => v is null)) continue;
            line($"    {(mark == ChartMark.Bar ? "bar" : "line")} [{string.Join(", ", shown.Select(v => Number(v!.Value)))}]");
        }
        line("```");
    }

    private static string Inline(IReadOnlyList<Span> spans) => string.Concat(spans.Select(InlineSpan));

    private static string InlineSpan(Span s)
    {
        var text = s.Style switch
        {
            SpanStyle.Code => Code(s.Text),
            SpanStyle.Strong => $"**{Escape(s.Text)}**",
            _ => Escape(s.Text),
        };
        return s.Url is null ? text : $"[{text}](<{s.Url}>)";
    }

    /// <summary>Inline code that survives any backticks inside.</summary>
    private static string Code(string text) => text.Contains('`', StringComparison.Ordinal) ? $"`` {text} ``" : $"`{text}`";

    /// <summary>Escapes what Markdown would read as markup in running text or a table cell.</summary>
    private static string Escape(string text) => MarkdownText.Escape(text);

    // ---- Text ----

    /// <summary>Plain text for a terminal: an experiment's blocks indented under its name, tables aligned.</summary>
    private static string Text(ReportDiff diff, double? regressionPoints, string? htmlLink)
    {
        var text = new StringBuilder();
        void Line(string line = "") => text.Append(line).Append('\n');
        var indent = "";
        foreach (var block in DiffDocument.Build(diff, regressionPoints, new DiffDocument.PicturesLine(false, htmlLink)))
        {
            switch (block)
            {
                case HeadingBlock h:
                    if (h.Level > 2) Line();
                    // A section's title ("Added") reads as a lead-in, an experiment's name stands alone.
                    Line(Plain(h.Text) + (h.Level > 2 && h.Text.All(s => s.Style != SpanStyle.Code) ? ":" : ""));
                    indent = h.Level > 2 ? "  " : "";
                    break;
                case LinesBlock lines:
                    foreach (var (label, line) in lines.Lines) Line(indent + (label is null ? "" : label + ": ") + Plain(line));
                    break;
                case ListBlock list:
                    if (list.Lead.Count > 0) Line(indent + Plain(list.Lead));
                    foreach (var item in list.Items) Line(indent + (list.Lead.Count > 0 ? "  - " : "") + Plain(item));
                    break;
                case TableBlock table:
                    var rowIndent = indent;
                    if (table.Title is not null)
                    {
                        Line(indent + table.Title + ":");
                        rowIndent += "  ";
                    }
                    var rows = table.Rows;
                    var w = (rows.Max(r => r.Label.Length), rows.Max(r => r.Base.Length), rows.Max(r => r.Head.Length));
                    foreach (var r in rows)
                    {
                        Line($"{rowIndent}{r.Label.PadRight(w.Item1)}  {r.Base.PadLeft(w.Item2)} → {r.Head.PadLeft(w.Item3)}  {r.Change}".TrimEnd());
                    }
                    break;
                case FlippedBlock flipped:
                    Line(indent + Plain(flipped.Lead));
                    var widths = flipped.Columns.Select((c, i) => Math.Max(c.Length, flipped.Rows.Max(r => r.Cells[i].Length))).ToList();
                    string Row(IReadOnlyList<string> cells) => indent + "  " + string.Join("  ", cells.Select((c, i) => i < 4 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))).TrimEnd();
                    Line(Row(flipped.Columns));
                    foreach (var (_, cells) in flipped.Rows) Line(Row(cells));
                    break;
            }
        }
        return text.ToString();
    }

    private static string Plain(IReadOnlyList<Span> spans) => string.Concat(spans.Select(s => s.Url is null ? s.Text : $"{s.Text} ({s.Url})"));

    // ---- JSON ----

    /// <summary>The diff as the records of its JSON file (<see cref="DiffFile"/>).</summary>
    public static DiffFile ToFile(ReportDiff diff, double? regressionPoints = null)
    {
        ArgumentNullException.ThrowIfNull(diff);
        DiffRegressionCheck? check = null;
        if (regressionPoints is { } points)
        {
            var reasons = diff.Regressions(points);
            check = new DiffRegressionCheck(points, reasons.Count > 0, reasons);
        }
        return new DiffFile(
            diff.Base,
            diff.Head,
            diff.Summary,
            diff.IsUnchanged,
            new DiffBootstrap(diff.BootstrapResamples, Bootstrap.Seed, 0.95),
            [.. diff.Experiments.Select(ToFile)],
            [.. diff.Added.Select(p => new DiffPresence(p.Name, p.TestAccuracy))],
            [.. diff.Removed.Select(p => new DiffPresence(p.Name, p.TestAccuracy))],
            check);
    }

    private static DiffExperiment ToFile(ExperimentDiff e) => new(
        e.Name,
        e.IsUnchanged,
        e.Metrics.ToDictionary(
            m => m.Key,
            m => new DiffMetric(m.Base, m.Head, m.Delta, m.Unit == MetricUnit.Accuracy ? e.AccuracyDeltaPoints : null),
            StringComparer.Ordinal),
        [.. e.ClassF1.Select(c => new DiffClassF1(c.Class, c.Base, c.Head, c.Delta))],
        [.. e.ConfusionMoves.Select(m => new DiffConfusionMove(m.TrueClass, m.PredictedClass, m.Base, m.Head, m.Delta))],
        [.. e.SpecChanges.Select(c => new DiffSpecChange(c.Key, c.Kind.ToString().ToLowerInvariant(), c.Base, c.Head))],
        SignificanceFile(e),
        e.OtherChanges,
        e.SpecNote,
        e.SeedTest is { } w && e.BaseSeeds is { } bs && e.HeadSeeds is { } hs
            ? new DiffSeedTest("welch_t", w.BaseCount, w.HeadCount, w.BaseMean, w.HeadMean, bs.HalfWidth, hs.HalfWidth,
                double.IsFinite(w.T) ? Round12(w.T) : null, double.IsFinite(w.DegreesOfFreedom) ? Round12(w.DegreesOfFreedom) : null,
                Round12(w.PValue), w.IsSignificant, w.Verdict)
            : null,
        e.Flipped is { } f
            ? new DiffFlipped(f.NowWrongTotal, f.NowRightTotal, f.Ranking == FlippedRanking.LossChange ? "loss_change" : "test_index",
                [.. f.NowWrong.Select(ToFile)], [.. f.NowRight.Select(ToFile)], f.RankingNote)
            : null);

    private static DiffFlippedImage ToFile(FlippedImage i) => new(i.Position, i.TestIndex, i.TrueClass, i.BasePrediction,
        i.HeadPrediction, i.BaseConfidence, i.HeadConfidence, i.BaseLoss, i.HeadLoss, i.LossChange);

    /// <summary>12 significant digits: the last bits of the t distribution may differ between C libraries, the output must not.</summary>
    private static double Round12(double value) =>
        double.Parse(value.ToString("G12", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static DiffSignificance SignificanceFile(ExperimentDiff e)
    {
        static DiffInterval? Interval(AccuracyInterval? i) => i is null ? null : new DiffInterval(i.Accuracy, i.Lower, i.Upper);
        var (baseInterval, headInterval) = (Interval(e.BaseInterval), Interval(e.HeadInterval));
        return e.Paired is { } p
            ? new DiffSignificance(true, baseInterval, headInterval,
                Test: "mcnemar_exact",
                Images: p.Images,
                BaseRightHeadWrong: p.BaseRightHeadWrong,
                BaseWrongHeadRight: p.BaseWrongHeadRight,
                PValue: double.Parse(p.PValue.ToString("G12", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture),
                Significant: p.IsSignificant,
                Verdict: p.Verdict)
            : new DiffSignificance(false, baseInterval, headInterval, Note: e.PairingNote);
    }
}
