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
}

/// <summary>Renders a <see cref="ReportDiff"/> as Markdown, JSON or text: invariant culture, fixed decimals, '\n' line
/// ends, and the same order every time.</summary>
public static class DiffRenderer
{
    /// <summary>Parses a <c>--format</c> value: markdown (or md), json, text.</summary>
    public static DiffFormat ParseFormat(string value) => value?.Trim().ToUpperInvariant() switch
    {
        "MARKDOWN" or "MD" => DiffFormat.Markdown,
        "JSON" => DiffFormat.Json,
        "TEXT" or "TXT" => DiffFormat.Text,
        _ => throw new CifarUserException(UserErrorKind.InvalidInput,
            $"--format is '{value}'; expected one of markdown, json, text"),
    };

    /// <summary>Renders <paramref name="diff"/>.</summary>
    /// <param name="regressionPoints">When given (--fail-on-regression), the output also says whether the
    /// regression check passed, and why not.</param>
    public static string Render(ReportDiff diff, DiffFormat format, double? regressionPoints = null) => format switch
    {
        DiffFormat.Markdown => Markdown(diff, regressionPoints),
        DiffFormat.Json => ReportFileJson.Write(ToFile(diff, regressionPoints)),
        DiffFormat.Text => Text(diff, regressionPoints),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    // ---- shared wording ----

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

    private static string SpecLine(SpecChange c, Func<string, string> code, Func<string, string> value) => c.Kind switch
    {
        SpecChangeKind.Changed => $"{code(c.Key)}: {value(c.Base!)} → {value(c.Head!)}",
        SpecChangeKind.Added => $"added {code(c.Key)}: {value(c.Head!)}",
        _ => $"removed {code(c.Key)}: {value(c.Base!)}",
    };

    private static string Significance(ExperimentDiff e) => e.Paired is { } p
        ? string.Create(CultureInfo.InvariantCulture,
            $"McNemar exact test on {ReportNumbers.Count(p.Images)} paired test images: {ReportNumbers.Count(p.BaseRightHeadWrong)} only the base got right, {ReportNumbers.Count(p.BaseWrongHeadRight)} only the head got right, {ReportNumbers.PValue(p.PValue)}: {p.Verdict}.")
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

    private static string RegressionRule(double points) =>
        $"a test-accuracy drop of more than {ReportNumbers.Plain(points)} pp, or a drop significant at 5%";

    // ---- Markdown ----

    private static string Markdown(ReportDiff diff, double? regressionPoints)
    {
        var md = new StringBuilder();
        void Line(string text = "") => md.Append(text).Append('\n');
        Line($"## Report diff: {Code(diff.Base)} → {Code(diff.Head)}");
        Line();
        Line($"**Summary:** {Escape(diff.Summary)}");
        if (regressionPoints is { } points)
        {
            Line();
            var reasons = diff.Regressions(points);
            Line($"**Regression check** (fails on {RegressionRule(points)}): {(reasons.Count == 0 ? "passed" : "**FAILED**")}");
            if (reasons.Count > 0)
            {
                Line();
                foreach (var reason in reasons)
                {
                    Line($"- {Escape(reason)}");
                }
            }
        }
        foreach (var e in diff.Experiments)
        {
            Line();
            Line($"### {Code(e.Name)}");
            Line();
            if (e.IsUnchanged)
            {
                Line("No change.");
                continue;
            }
            Line("| Metric | Base | Head | Change |");
            Line("|---|--:|--:|--:|");
            foreach (var m in e.Metrics)
            {
                Line($"| {m.Label} | {Value(m.Unit, m.Base)} | {Value(m.Unit, m.Head)} | {Change(m.Unit, m.Delta)} |");
            }
            Line();
            Line($"**Significance:** {Escape(Significance(e))}");
            if (Intervals(e, diff.BootstrapResamples) is { } intervals)
            {
                Line(intervals);
            }
            if (e.ConfusionMoves.Count > 0)
            {
                Line();
                Line("**Confusion cells that moved most** (true→predicted):");
                Line();
                foreach (var move in e.ConfusionMoves)
                {
                    Line($"- {Escape(Move(move))}");
                }
            }
            if (e.ClassF1.Any(c => c.Base != c.Head))
            {
                Line();
                Line("<details><summary>Per-class F1</summary>");
                Line();
                Line("| Class | Base | Head | Change |");
                Line("|---|--:|--:|--:|");
                foreach (var c in e.ClassF1)
                {
                    Line($"| {Escape(c.Class)} | {Value(MetricUnit.Score, c.Base)} | {Value(MetricUnit.Score, c.Head)} | {Change(MetricUnit.Score, c.Delta)} |");
                }
                Line();
                Line("</details>");
            }
            Line();
            if (e.SpecChanges.Count > 0)
            {
                Line("**Spec changes:**");
                Line();
                foreach (var change in e.SpecChanges)
                {
                    Line($"- {SpecLine(change, Code, Escape)}");
                }
            }
            else
            {
                Line(e.SpecNote is null ? "**Spec:** unchanged." : $"**Spec:** not compared: {Escape(e.SpecNote)}.");
            }
            if (e.OtherChanges.Count > 0)
            {
                Line();
                Line($"**Also changed:** {string.Join(", ", e.OtherChanges.Select(Code))}.");
            }
        }
        Presence(diff.Added, "Added");
        Presence(diff.Removed, "Removed");
        return md.ToString();

        void Presence(IReadOnlyList<ExperimentPresence> list, string title)
        {
            if (list.Count == 0)
            {
                return;
            }
            Line();
            Line($"### {title}");
            Line();
            foreach (var p in list)
            {
                Line($"- {Code(p.Name)}: test accuracy {ReportNumbers.Percent(p.TestAccuracy)}");
            }
        }
    }

    /// <summary>Inline code that survives any backticks inside.</summary>
    private static string Code(string text) => text.Contains('`', StringComparison.Ordinal) ? $"`` {text} ``" : $"`{text}`";

    /// <summary>Escapes what Markdown would read as markup in running text or a table cell.</summary>
    private static string Escape(string text)
    {
        var sb = new StringBuilder(text.Length);
        foreach (var ch in text)
        {
            if (ch is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '|' or '#')
            {
                sb.Append('\\');
            }
            sb.Append(ch);
        }
        return sb.ToString();
    }

    // ---- Text ----

    private static string Text(ReportDiff diff, double? regressionPoints)
    {
        var text = new StringBuilder();
        void Line(string line = "") => text.Append(line).Append('\n');
        Line($"Report diff: {diff.Base} → {diff.Head}");
        Line($"Summary: {diff.Summary}");
        if (regressionPoints is { } points)
        {
            var reasons = diff.Regressions(points);
            Line($"Regression check (fails on {RegressionRule(points)}): {(reasons.Count == 0 ? "passed" : "FAILED")}");
            foreach (var reason in reasons)
            {
                Line($"  - {reason}");
            }
        }
        foreach (var e in diff.Experiments)
        {
            Line();
            Line(e.Name);
            if (e.IsUnchanged)
            {
                Line("  no change");
                continue;
            }
            var rows = e.Metrics.Select(m => (m.Label, Value(m.Unit, m.Base), Value(m.Unit, m.Head), Change(m.Unit, m.Delta))).ToList();
            Table(rows);
            Line("  " + Significance(e));
            if (Intervals(e, diff.BootstrapResamples) is { } intervals)
            {
                Line("  " + intervals);
            }
            if (e.ConfusionMoves.Count > 0)
            {
                Line("  Confusion cells that moved most (true→predicted):");
                foreach (var move in e.ConfusionMoves)
                {
                    Line("    " + Move(move));
                }
            }
            if (e.ClassF1.Any(c => c.Base != c.Head))
            {
                Line("  Per-class F1:");
                Table([.. e.ClassF1.Select(c => (c.Class, Value(MetricUnit.Score, c.Base), Value(MetricUnit.Score, c.Head),
                    Change(MetricUnit.Score, c.Delta)))], "    ");
            }
            if (e.SpecChanges.Count > 0)
            {
                Line("  Spec changes:");
                foreach (var change in e.SpecChanges)
                {
                    Line("    " + SpecLine(change, k => k, v => v));
                }
            }
            else
            {
                Line(e.SpecNote is null ? "  Spec: unchanged" : $"  Spec: not compared: {e.SpecNote}");
            }
            if (e.OtherChanges.Count > 0)
            {
                Line($"  Also changed: {string.Join(", ", e.OtherChanges)}");
            }
        }
        foreach (var (list, title) in new[] { (diff.Added, "Added"), (diff.Removed, "Removed") })
        {
            if (list.Count > 0)
            {
                Line();
                Line(title + ":");
                foreach (var p in list)
                {
                    Line($"  {p.Name}: test accuracy {ReportNumbers.Percent(p.TestAccuracy)}");
                }
            }
        }
        return text.ToString();

        void Table(IReadOnlyList<(string Label, string Base, string Head, string Change)> rows, string indent = "  ")
        {
            var w = (rows.Max(r => r.Label.Length), rows.Max(r => r.Base.Length), rows.Max(r => r.Head.Length));
            foreach (var r in rows)
            {
                Line($"{indent}{r.Label.PadRight(w.Item1)}  {r.Base.PadLeft(w.Item2)} → {r.Head.PadLeft(w.Item3)}  {r.Change}".TrimEnd());
            }
        }
    }

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
        e.SpecNote);

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
