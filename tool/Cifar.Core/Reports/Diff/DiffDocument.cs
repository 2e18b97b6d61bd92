using System.Globalization;
using Cifar.Reports.Files;
using Cifar.Reports.Formatting;
using Cifar.Reports.Statistics;

namespace Cifar.Reports.Diff;

/// <summary>How a piece of inline text is set: plain words, a name or key (Markdown's code), or emphasis.</summary>
internal enum SpanStyle { Plain, Code, Strong }

/// <summary>A run of inline text in one style; a link when <see cref="Url"/> is set.</summary>
internal readonly record struct Span(string Text, SpanStyle Style = SpanStyle.Plain, string? Url = null)
{
    public static Span Link(string text, string url) => new(text, SpanStyle.Plain, url);

    public static implicit operator Span(string text) => new(text);

    public static Span Code(string text) => new(text, SpanStyle.Code);

    public static Span Strong(string text) => new(text, SpanStyle.Strong);
}

/// <summary>One block of a diff's output: a heading, labelled lines, a list or a table.</summary>
internal abstract record DiffBlock;

/// <summary>The document's title (level 2) or an experiment's or section's name (level 3).</summary>
internal sealed record HeadingBlock(int Level, IReadOnlyList<Span> Text) : DiffBlock;

/// <summary>Lines that belong together, each optionally led by a label ("Summary: ...").</summary>
internal sealed record LinesBlock(IReadOnlyList<(string? Label, IReadOnlyList<Span> Text)> Lines) : DiffBlock
{
    public static LinesBlock Labelled(string label, params Span[] text) => new([(label, text)]);
}

/// <summary>A lead line and its items.</summary>
internal sealed record ListBlock(IReadOnlyList<Span> Lead, IReadOnlyList<IReadOnlyList<Span>> Items) : DiffBlock;

/// <summary>Rows of label, base, head and change; a titled table is secondary (Markdown folds it away).</summary>
internal sealed record TableBlock(string? Title, string FirstColumn, IReadOnlyList<(string Label, string Base, string Head, string Change)> Rows) : DiffBlock;

/// <summary>
/// The test images of one direction of change (now wrong, or now right) as table rows; the HTML diff adds each row's
/// pictures by <see cref="FlippedImage.TestIndex"/>.
/// </summary>
/// <param name="Lead">The line above the table.</param>
/// <param name="Columns">Column headings, the first being the image.</param>
internal sealed record FlippedBlock(IReadOnlyList<Span> Lead, IReadOnlyList<string> Columns, IReadOnlyList<(FlippedImage Image, IReadOnlyList<string> Cells)> Rows) : DiffBlock;

/// <summary>How a <see cref="ChartBlock"/> series is drawn.</summary>
internal enum ChartMark { Line, Bar }

/// <summary>
/// A chart of base against head over categories (epochs, classes): Mermaid <c>xychart-beta</c> in Markdown, where
/// GitHub draws it and strips embedded images; an SVG in the HTML diff; left out of the text output.
/// </summary>
/// <param name="Caption">Says which series is which: Mermaid's xychart has no legend.</param>
/// <param name="Percent">Values are fractions shown as percentages.</param>
internal sealed record ChartBlock(
    string Title, string Caption, string XLabel, string YLabel, IReadOnlyList<string> Categories, bool Percent,
    IReadOnlyList<(string Name, ChartMark Mark, IReadOnlyList<double?> Values)> Series) : DiffBlock;

/// <summary>
/// The one walk of a <see cref="ReportDiff"/>: every sentence, number format and the order of the output are decided
/// here, once; <see cref="DiffRenderer"/> lays the blocks out as Markdown or as text. Top-level blocks come first,
/// then each experiment's blocks after its level-3 heading.
/// </summary>
internal static class DiffDocument
{
    /// <summary>Where the flipped images' pictures are: in this document (the HTML diff), or in the HTML diff at
    /// <paramref name="LinkUrl"/> (a CI artifact), or, with neither, in the HTML diff the user can write.</summary>
    internal sealed record PicturesLine(bool Here, string? LinkUrl = null);

    /// <param name="pictures">Where the flipped images' pictures are: <see cref="PicturesLine.Here"/> in the HTML diff;
    /// otherwise a line points at the HTML diff (at <see cref="PicturesLine.LinkUrl"/> when given).</param>
    /// <param name="charts">Learning curves and per-class F1 of base against head (Markdown and HTML).</param>
    public static IReadOnlyList<DiffBlock> Build(ReportDiff diff, double? regressionPoints, PicturesLine? pictures = null, bool charts = false)
    {
        var blocks = new List<DiffBlock>
        {
            new HeadingBlock(2, ["Report diff: ", Span.Code(diff.Base), " → ", Span.Code(diff.Head)]),
            LinesBlock.Labelled("Summary", diff.Summary),
        };
        if (pictures is { Here: false } && diff.Experiments.Any(e => e.Flipped is { NowWrongTotal: > 0 } or { NowRightTotal: > 0 }))
        {
            blocks.Add(pictures.LinkUrl is { } url
                ? LinesBlock.Labelled("Pictures", "the flipped test images and their Grad-CAM maps are in the ", Span.Link("HTML diff", url), ".")
                : LinesBlock.Labelled("Pictures", "the flipped test images and their Grad-CAM maps are in the HTML diff (", Span.Code("dotnet cifar diff --format html"), ")."));
        }
        if (regressionPoints is { } points)
        {
            var reasons = diff.Regressions(points);
            blocks.Add(new ListBlock(
                [Span.Strong("Regression check"), $" (fails on a test-accuracy drop of more than {ReportNumbers.Plain(points)} pp, or a drop significant at 5%; with several seeds on both sides, on a drop of the mean of more than {ReportNumbers.Plain(points)} pp that is significant at 5% across seeds): ",
                    reasons.Count == 0 ? "passed" : Span.Strong("FAILED")],
                [.. reasons.Select(r => (IReadOnlyList<Span>)[r])]));
        }
        foreach (var e in diff.Experiments)
        {
            blocks.Add(new HeadingBlock(3, [Span.Code(e.Name)]));
            if (e.IsUnchanged)
            {
                blocks.Add(new LinesBlock([(null, ["No change."])]));
                continue;
            }
            blocks.Add(new TableBlock(null, "Metric",
                [.. e.Metrics.Select(m => (m.Label, Value(m.Unit, m.Base), Value(m.Unit, m.Head), Change(m.Unit, m.Delta)))]));
            var significance = new List<(string?, IReadOnlyList<Span>)>();
            if (SeedLine(e) is { } seedLine) significance.Add(("Seeds", [seedLine]));
            significance.Add(("Significance", [Significance(e)]));
            if (Intervals(e, diff.BootstrapResamples) is { } intervals)
            {
                significance.Add((null, [intervals]));
            }
            blocks.Add(new LinesBlock(significance));
            if (e.ConfusionMoves.Count > 0)
            {
                blocks.Add(new ListBlock([Span.Strong("Confusion cells that moved most"), " (true→predicted):"],
                    [.. e.ConfusionMoves.Select(m => (IReadOnlyList<Span>)[Move(m)])]));
            }
            if (e.Flipped is { } flipped)
            {
                blocks.AddRange(Flipped(flipped));
            }
            if (charts)
            {
                blocks.AddRange(Charts(e));
            }
            if (e.ClassF1.Any(c => c.Base != c.Head))
            {
                blocks.Add(new TableBlock("Per-class F1", "Class",
                    [.. e.ClassF1.Select(c => (c.Class, Value(MetricUnit.Score, c.Base), Value(MetricUnit.Score, c.Head), Change(MetricUnit.Score, c.Delta)))]));
            }
            if (e.SpecChanges.Count > 0)
            {
                blocks.Add(new ListBlock([Span.Strong("Spec changes:")], [.. e.SpecChanges.Select(SpecLine)]));
            }
            else
            {
                blocks.Add(LinesBlock.Labelled("Spec", e.SpecNote is null ? "unchanged." : $"not compared: {e.SpecNote}."));
            }
            if (e.OtherChanges.Count > 0)
            {
                var items = new List<Span>();
                foreach (var other in e.OtherChanges)
                {
                    if (items.Count > 0) items.Add(", ");
                    items.Add(Span.Code(other));
                }
                items.Add(".");
                blocks.Add(LinesBlock.Labelled("Also changed", [.. items]));
            }
        }
        foreach (var (list, title) in new[] { (diff.Added, "Added"), (diff.Removed, "Removed") })
        {
            if (list.Count > 0)
            {
                blocks.Add(new HeadingBlock(3, [title]));
                blocks.Add(new ListBlock([],
                    [.. list.Select(p => (IReadOnlyList<Span>)[Span.Code(p.Name), $": test accuracy {ReportNumbers.Percent(p.TestAccuracy)}"])]));
            }
        }
        return blocks;
    }

    /// <summary>The lead line and the two tables of flipped images (a table only for a direction with images).</summary>
    private static IEnumerable<DiffBlock> Flipped(FlippedImages f)
    {
        if (f.NowWrongTotal + f.NowRightTotal == 0)
        {
            yield return LinesBlock.Labelled("Flipped test images", "none: both sides got the same images right.");
            yield break;
        }
        var ranking = f.Ranking == FlippedRanking.LossChange
            ? "largest change in the image's loss first"
            : $"in test-set order ({f.RankingNote})";
        yield return LinesBlock.Labelled("Flipped test images",
            string.Create(CultureInfo.InvariantCulture,
                $"{ReportNumbers.Count(f.NowWrongTotal)} now wrong (only the base got them right), {ReportNumbers.Count(f.NowRightTotal)} now right (only the head got them right); up to {ReportNumbers.Count(Math.Max(f.NowWrong.Count, f.NowRight.Count))} of each shown, {ranking}."));
        var withLoss = f.Ranking == FlippedRanking.LossChange;
        foreach (var (images, total, title) in new[] { (f.NowWrong, f.NowWrongTotal, "Now wrong"), (f.NowRight, f.NowRightTotal, "Now right") })
        {
            if (images.Count == 0) continue;
            IReadOnlyList<string> columns = withLoss
                ? ["Test image", "True class", "Base prediction", "Head prediction", "Base confidence", "Head confidence", "Loss change"]
                : ["Test image", "True class", "Base prediction", "Head prediction"];
            yield return new FlippedBlock(
                [Span.Strong(title), string.Create(CultureInfo.InvariantCulture, $" ({ReportNumbers.Count(images.Count)} of {ReportNumbers.Count(total)}):")],
                columns,
                [.. images.Select(i => (i, (IReadOnlyList<string>)(withLoss
                    ? new[] { ImageName(i), i.TrueClass, i.BasePrediction, i.HeadPrediction, Confidence(i.BaseConfidence), Confidence(i.HeadConfidence), Change(MetricUnit.Loss, i.LossChange) }
                    : new[] { ImageName(i), i.TrueClass, i.BasePrediction, i.HeadPrediction })))]);
        }
    }

    /// <summary>"#42" (the CIFAR-10 test index), or "position 42" when no file says which test image it is.</summary>
    private static string ImageName(FlippedImage i) => i.TestIndex is { } index
        ? "#" + index.ToString(CultureInfo.InvariantCulture)
        : "position " + i.Position.ToString(CultureInfo.InvariantCulture);

    private static string Confidence(double? value) => value is { } v ? ReportNumbers.Percent(v) : ReportNumbers.Dash;

    /// <summary>Validation accuracy and loss per epoch, and per-class F1, base against head.</summary>
    private static IEnumerable<ChartBlock> Charts(ExperimentDiff e)
    {
        var (b, h) = e.Histories;
        if (b.Count > 0 || h.Count > 0)
        {
            var epochs = Math.Max(b.Count, h.Count);
            IReadOnlyList<string> categories = [.. Enumerable.Range(1, epochs).Select(i => i.ToString(CultureInfo.InvariantCulture))];
            static IReadOnlyList<double?> Values(IReadOnlyList<EpochMetrics> history, Func<EpochMetrics, double> value) =>
                [.. history.Select(m => double.IsFinite(value(m)) ? value(m) : (double?)null)];
            const string caption = "First line: base; second line: head.";
            yield return new ChartBlock($"{e.Name}: validation accuracy", caption, "epoch", "validation accuracy (%)", categories, Percent: true,
                [("base", ChartMark.Line, Values(b, m => m.ValAccuracy)), ("head", ChartMark.Line, Values(h, m => m.ValAccuracy))]);
            yield return new ChartBlock($"{e.Name}: validation loss", caption, "epoch", "validation loss", categories, Percent: false,
                [("base", ChartMark.Line, Values(b, m => m.ValLoss)), ("head", ChartMark.Line, Values(h, m => m.ValLoss))]);
        }
        if (e.ClassF1.Count > 0)
        {
            yield return new ChartBlock($"{e.Name}: per-class F1", "Bars: base; line: head.", "class", "F1", [.. e.ClassF1.Select(c => c.Class)], Percent: false,
                [("base", ChartMark.Bar, [.. e.ClassF1.Select(c => c.Base)]), ("head", ChartMark.Line, [.. e.ClassF1.Select(c => c.Head)])]);
        }
    }

    private static string Value(MetricUnit unit, double? value) => value is not { } v
        ? ReportNumbers.Dash
        : unit switch
        {
            MetricUnit.Accuracy => ReportNumbers.Percent(v),
            MetricUnit.Loss or MetricUnit.Score => ReportNumbers.Rounded(v, 4),
            _ => ReportNumbers.Count((long)Math.Round(v)),
        };

    private static string Change(MetricUnit unit, double? delta) => delta is not { } d
        ? ReportNumbers.Dash
        : unit switch
        {
            MetricUnit.Accuracy => ReportNumbers.PointsChange(d),
            MetricUnit.Loss or MetricUnit.Score => ReportNumbers.Change(d, 4),
            _ => ReportNumbers.Change((long)Math.Round(d)),
        };

    private static string Move(ConfusionMove m) =>
        $"{m.TrueClass}→{m.PredictedClass}: {ReportNumbers.Count(m.Base)} → {ReportNumbers.Count(m.Head)} ({ReportNumbers.Change(m.Delta)})";

    private static IReadOnlyList<Span> SpecLine(SpecChange c) => c.Kind switch
    {
        SpecChangeKind.Changed => [Span.Code(c.Key), $": {c.Base} → {c.Head}"],
        SpecChangeKind.Added => ["added ", Span.Code(c.Key), $": {c.Head}"],
        _ => ["removed ", Span.Code(c.Key), $": {c.Base}"],
    };

    /// <summary>The seed-level test, or the note saying why there is none, for diffs with a multi-seed side.</summary>
    private static string? SeedLine(ExperimentDiff e)
    {
        static string Floor(SeedSummary? s) => s is null ? "a single run" : string.Create(CultureInfo.InvariantCulture,
            $"{s.Count} seeds, ±{ReportNumbers.Rounded(s.HalfWidth * 100, 2)} points at 95%");
        if (e.SeedTest is { } w)
        {
            var df = double.IsFinite(w.DegreesOfFreedom) ? ReportNumbers.Rounded(w.DegreesOfFreedom, 1) : "n/a (no spread on either side)";
            var t = double.IsFinite(w.T) ? ReportNumbers.Rounded(w.T, 3) : "n/a";
            return string.Create(CultureInfo.InvariantCulture,
                $"Welch's t test on the seeds' test accuracies: mean {ReportNumbers.Percent(w.BaseMean)} ({Floor(e.BaseSeeds)}) → {ReportNumbers.Percent(w.HeadMean)} ({Floor(e.HeadSeeds)}), t = {t}, df = {df}, {ReportNumbers.PValue(w.PValue)}: {w.Verdict}. This test decides the regression check.");
        }
        return e.SeedNote is { } note ? $"No test across seeds: {note}." : null;
    }

    private static string Significance(ExperimentDiff e) => e.Paired is { } p
        ? string.Create(CultureInfo.InvariantCulture,
            $"McNemar exact test on {ReportNumbers.Count(p.Images)} paired test images{(e.BaseSeeds is not null || e.HeadSeeds is not null ? " (each multi-seed side's majority vote per image)" : "")}: {ReportNumbers.Count(p.BaseRightHeadWrong)} only the base got right, {ReportNumbers.Count(p.BaseWrongHeadRight)} only the head got right, {ReportNumbers.PValue(p.PValue)}: {p.Verdict}.")
        : $"Not tested: {e.PairingNote}.";

    private static string? Intervals(ExperimentDiff e, int resamples)
    {
        if (e.BaseInterval is null && e.HeadInterval is null)
        {
            return null;
        }
        static string Show(AccuracyInterval? i) =>
            i is null ? "no predictions" : $"{ReportNumbers.Percent(i.Lower)} to {ReportNumbers.Percent(i.Upper)}";
        return string.Create(CultureInfo.InvariantCulture,
            $"Bootstrap 95% intervals of test accuracy ({resamples} resamples, seed {Bootstrap.Seed}): base {Show(e.BaseInterval)}, head {Show(e.HeadInterval)}.");
    }
}
