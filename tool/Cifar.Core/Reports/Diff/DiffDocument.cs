using System.Globalization;
using Cifar.Reports.Files;
using Cifar.Reports.Formatting;
using Cifar.Reports.Statistics;

namespace Cifar.Reports.Diff;

/// <summary>How a piece of inline text is set: plain words, a name or key (Markdown's code), or emphasis.</summary>
internal enum SpanStyle { Plain, Code, Strong }

/// <summary>A run of inline text in one style.</summary>
internal readonly record struct Span(string Text, SpanStyle Style = SpanStyle.Plain)
{
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
/// The one walk of a <see cref="ReportDiff"/>: every sentence, number format and the order of the output are decided
/// here, once; <see cref="DiffRenderer"/> lays the blocks out as Markdown or as text. Top-level blocks come first,
/// then each experiment's blocks after its level-3 heading.
/// </summary>
internal static class DiffDocument
{
    public static IReadOnlyList<DiffBlock> Build(ReportDiff diff, double? regressionPoints)
    {
        var blocks = new List<DiffBlock>
        {
            new HeadingBlock(2, ["Report diff: ", Span.Code(diff.Base), " → ", Span.Code(diff.Head)]),
            LinesBlock.Labelled("Summary", diff.Summary),
        };
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
