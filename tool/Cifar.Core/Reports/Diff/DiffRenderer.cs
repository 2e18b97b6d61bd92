using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Cifar.Reports.Comparison;

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
        DiffFormat.Json => Json(diff, regressionPoints),
        DiffFormat.Text => Text(diff, regressionPoints),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, null),
    };

    // ---- shared wording ----

    private static string Value(MetricUnit unit, double? value) => value is not { } v
        ? NumberText.Dash
        : unit switch
        {
            MetricUnit.Accuracy => NumberText.Percent(v),
            MetricUnit.Loss or MetricUnit.Score => NumberText.Fixed(v, 4),
            _ => NumberText.Count((long)Math.Round(v)),
        };

    private static string Change(MetricUnit unit, double? delta) => delta is not { } d
        ? NumberText.Dash
        : unit switch
        {
            MetricUnit.Accuracy => NumberText.Points(d),
            MetricUnit.Loss or MetricUnit.Score => NumberText.Signed(d, 4),
            _ => NumberText.Signed((long)Math.Round(d)),
        };

    private static string Move(ConfusionMove m) =>
        $"{m.TrueClass}→{m.PredictedClass}: {NumberText.Count(m.Base)} → {NumberText.Count(m.Head)} ({NumberText.Signed(m.Delta)})";

    private static string SpecLine(SpecChange c, Func<string, string> code, Func<string, string> value) => c.Kind switch
    {
        SpecChangeKind.Changed => $"{code(c.Key)}: {value(c.Base!)} → {value(c.Head!)}",
        SpecChangeKind.Added => $"added {code(c.Key)}: {value(c.Head!)}",
        _ => $"removed {code(c.Key)}: {value(c.Base!)}",
    };

    private static string Significance(ExperimentDiff e) => e.Paired is { } p
        ? string.Create(CultureInfo.InvariantCulture,
            $"McNemar exact test on {NumberText.Count(p.Images)} paired test images: {NumberText.Count(p.BaseRightHeadWrong)} only the base got right, {NumberText.Count(p.BaseWrongHeadRight)} only the head got right, {NumberText.PValue(p.PValue)}: {p.Verdict}.")
        : $"Not tested: {e.PairingNote}.";

    private static string? Intervals(ExperimentDiff e, int resamples)
    {
        if (e.BaseInterval is null && e.HeadInterval is null)
        {
            return null;
        }
        static string Show(AccuracyInterval? i) =>
            i is null ? "no predictions" : $"{NumberText.Percent(i.Lower)} to {NumberText.Percent(i.Upper)}";
        return string.Create(CultureInfo.InvariantCulture,
            $"Bootstrap 95% intervals of test accuracy ({resamples} resamples, seed {Bootstrap.Seed}): base {Show(e.BaseInterval)}, head {Show(e.HeadInterval)}.");
    }

    private static string RegressionRule(double points) =>
        $"a test-accuracy drop of more than {NumberText.Plain(points)} pp, or a drop significant at 5%";

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
                Line($"- {Code(p.Name)}: test accuracy {NumberText.Percent(p.TestAccuracy)}");
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
                    Line($"  {p.Name}: test accuracy {NumberText.Percent(p.TestAccuracy)}");
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

    private static string Json(ReportDiff diff, double? regressionPoints)
    {
        using var stream = new MemoryStream();
        var options = new JsonWriterOptions
        {
            Indented = true,
            NewLine = "\n",
            // Output is a file for scripts, not HTML: keep → and class names readable instead of \u escapes.
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        using (var w = new Utf8JsonWriter(stream, options))
        {
            w.WriteStartObject();
            w.WriteString("base", diff.Base);
            w.WriteString("head", diff.Head);
            w.WriteString("summary", diff.Summary);
            w.WriteBoolean("unchanged", diff.IsUnchanged);
            if (regressionPoints is { } points)
            {
                w.WriteStartObject("regression_check");
                w.WriteNumber("allowed_drop_points", points);
                var reasons = diff.Regressions(points);
                w.WriteBoolean("regression", reasons.Count > 0);
                w.WriteStartArray("reasons");
                foreach (var reason in reasons)
                {
                    w.WriteStringValue(reason);
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteStartObject("bootstrap");
            w.WriteNumber("resamples", diff.BootstrapResamples);
            w.WriteNumber("seed", Bootstrap.Seed);
            w.WriteNumber("confidence", 0.95);
            w.WriteEndObject();
            w.WriteStartArray("experiments");
            foreach (var e in diff.Experiments)
            {
                WriteExperiment(w, e);
            }
            w.WriteEndArray();
            WritePresence(w, "added", diff.Added);
            WritePresence(w, "removed", diff.Removed);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteExperiment(Utf8JsonWriter w, ExperimentDiff e)
    {
        w.WriteStartObject();
        w.WriteString("name", e.Name);
        w.WriteBoolean("unchanged", e.IsUnchanged);
        w.WriteStartObject("metrics");
        foreach (var m in e.Metrics)
        {
            w.WriteStartObject(m.Key);
            WriteBaseHeadDelta(w, m.Base, m.Head, m.Delta);
            if (m.Unit == MetricUnit.Accuracy)
            {
                WriteNullable(w, "delta_points", e.AccuracyDeltaPoints);
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteStartArray("per_class_f1");
        foreach (var c in e.ClassF1)
        {
            w.WriteStartObject();
            w.WriteString("class", c.Class);
            WriteBaseHeadDelta(w, c.Base, c.Head, c.Delta);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("confusion_moves");
        foreach (var m in e.ConfusionMoves)
        {
            w.WriteStartObject();
            w.WriteString("true", m.TrueClass);
            w.WriteString("predicted", m.PredictedClass);
            w.WriteNumber("base", m.Base);
            w.WriteNumber("head", m.Head);
            w.WriteNumber("delta", m.Delta);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("spec_changes");
        foreach (var c in e.SpecChanges)
        {
            w.WriteStartObject();
            w.WriteString("key", c.Key);
            w.WriteString("change", c.Kind.ToString().ToLowerInvariant());
            if (c.Base is not null)
            {
                w.WriteString("base", c.Base);
            }
            if (c.Head is not null)
            {
                w.WriteString("head", c.Head);
            }
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (e.SpecNote is not null)
        {
            w.WriteString("spec_note", e.SpecNote);
        }
        w.WriteStartObject("significance");
        w.WriteBoolean("paired", e.Paired is not null);
        if (e.Paired is { } p)
        {
            w.WriteString("test", "mcnemar_exact");
            w.WriteNumber("images", p.Images);
            w.WriteNumber("base_right_head_wrong", p.BaseRightHeadWrong);
            w.WriteNumber("base_wrong_head_right", p.BaseWrongHeadRight);
            // 12 significant digits: the last bits of exp/log may differ between C libraries, the report must not.
            w.WriteNumber("p_value", double.Parse(p.PValue.ToString("G12", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture));
            w.WriteBoolean("significant", p.IsSignificant);
            w.WriteString("verdict", p.Verdict);
        }
        else
        {
            w.WriteString("note", e.PairingNote);
        }
        WriteInterval(w, "base_accuracy_interval", e.BaseInterval);
        WriteInterval(w, "head_accuracy_interval", e.HeadInterval);
        w.WriteEndObject();
        w.WriteStartArray("other_changes");
        foreach (var other in e.OtherChanges)
        {
            w.WriteStringValue(other);
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteInterval(Utf8JsonWriter w, string name, AccuracyInterval? interval)
    {
        if (interval is null)
        {
            w.WriteNull(name);
            return;
        }
        w.WriteStartObject(name);
        w.WriteNumber("accuracy", interval.Accuracy);
        w.WriteNumber("lower", interval.Lower);
        w.WriteNumber("upper", interval.Upper);
        w.WriteEndObject();
    }

    private static void WritePresence(Utf8JsonWriter w, string name, IReadOnlyList<ExperimentPresence> list)
    {
        w.WriteStartArray(name);
        foreach (var p in list)
        {
            w.WriteStartObject();
            w.WriteString("name", p.Name);
            w.WriteNumber("test_accuracy", p.TestAccuracy);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void WriteBaseHeadDelta(Utf8JsonWriter w, double? baseValue, double? head, double? delta)
    {
        WriteNullable(w, "base", baseValue);
        WriteNullable(w, "head", head);
        WriteNullable(w, "delta", delta);
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, double? value)
    {
        if (value is { } v)
        {
            w.WriteNumber(name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
