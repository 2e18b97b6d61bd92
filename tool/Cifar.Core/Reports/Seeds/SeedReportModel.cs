using System.Globalization;
using Cifar.Reports.Files;
using Cifar.Reports.Formatting;
using Cifar.Reports.Statistics;
using Scriban.Runtime;

namespace Cifar.Reports.Seeds;

/// <summary>
/// The plain script object the multi-seed templates (templates/seeds.*.scriban) see: every number a pre-formatted
/// invariant string. templates/README.md lists the variables.
/// </summary>
internal static class SeedReportModel
{
    public static ScriptObject Build(SeedAggregate aggregate, string lossSvg, string accuracySvg)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        var count = ReportNumbers.WholeNumber(aggregate.Runs.Count);
        return new ScriptObject
        {
            ["title"] = aggregate.Name,
            ["name"] = aggregate.Name,
            ["description"] = string.IsNullOrWhiteSpace(aggregate.Description) ? null : aggregate.Description.Trim(),
            ["seeds"] = string.Join(", ", aggregate.Runs.Select(r => ReportNumbers.WholeNumber(r.Seed))),
            ["seed_count"] = count,
            ["confidence"] = ReportNumbers.Rounded(SeedSummary.Level * 100, 0) + "%",
            ["noise_floor"] = NoiseFloor(aggregate.TestAccuracy),
            ["summary"] = new ScriptArray
            {
                Row("Test accuracy", aggregate.TestAccuracy, ReportNumbers.Percent, v => ReportNumbers.Rounded(v * 100, 2) + " pp"),
                Row("Test loss", aggregate.TestLoss, ReportNumbers.Loss, ReportNumbers.Loss),
                Row("Macro F1", aggregate.MacroF1, ReportNumbers.Ratio, ReportNumbers.Ratio),
            },
            ["classes"] = new ScriptArray(aggregate.PerClassF1.Select(c => Obj(
                ("class", c.Class),
                ("mean", ReportNumbers.Ratio(c.F1.Mean)),
                ("sd", ReportNumbers.Ratio(c.F1.StandardDeviation)),
                ("min", ReportNumbers.Ratio(c.F1.Min)),
                ("max", ReportNumbers.Ratio(c.F1.Max))))),
            ["runs"] = new ScriptArray(aggregate.Runs.Select(r => Obj(
                ("seed", ReportNumbers.WholeNumber(r.Seed)),
                ("folder", r.Folder),
                ("report", r.Folder + "/" + ReportFiles.MarkdownReport),
                ("html_report", r.Folder + "/" + ReportFiles.HtmlReport),
                ("accuracy", ReportNumbers.Percent(r.Metrics.Test.Accuracy)),
                ("loss", ReportNumbers.Loss(r.Metrics.Test.Loss)),
                ("macro_f1", ReportNumbers.Ratio(r.Metrics.MacroAvg.F1)),
                ("best_epoch", ReportNumbers.WholeNumber(r.Metrics.BestEpoch)),
                ("stopped_epoch", r.Metrics.StoppedEpoch is { } s ? ReportNumbers.WholeNumber(s) : null)))),
            ["charts"] = Obj(
                ("loss_file", ReportFiles.LossChart),
                ("accuracy_file", ReportFiles.AccuracyChart),
                ("loss_svg", lossSvg),
                ("accuracy_svg", accuracySvg)),
            ["spec"] = Obj(
                ("text", aggregate.SpecText.TrimEnd('\n')),
                ("fence", Fence(aggregate.SpecText)),
                ("file", ReportFiles.Spec),
                ("sha256", Reproducibility.Hashing.Sha256Hex(aggregate.SpecText))),
        };
    }

    /// <summary>"±0.84 points at 95%, 3 seeds": the half-width of the test accuracy's interval, in percentage points.</summary>
    public static string NoiseFloor(SeedSummary accuracy) => string.Create(CultureInfo.InvariantCulture,
        $"±{ReportNumbers.Rounded(accuracy.HalfWidth * 100, 2)} points at {ReportNumbers.Rounded(SeedSummary.Level * 100, 0)}%, {accuracy.Count} seeds");

    private static StrictScriptObject Row(string metric, SeedSummary s, Func<double, string> value, Func<double, string> spread) => Obj(
        ("metric", metric),
        ("mean", value(s.Mean)),
        ("sd", spread(s.StandardDeviation)),
        ("half_width", spread(s.HalfWidth)),
        ("lower", value(s.Lower)),
        ("upper", value(s.Upper)),
        ("min", value(s.Min)),
        ("max", value(s.Max)));

    /// <summary>A Markdown fence longer than any backtick run in the spec.</summary>
    private static string Fence(string text)
    {
        var (longest, run) = (0, 0);
        foreach (var ch in text)
        {
            run = ch == '`' ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }
        return new string('`', Math.Max(3, longest + 1));
    }

    private static StrictScriptObject Obj(params (string Key, object? Value)[] members)
    {
        var obj = new StrictScriptObject();
        foreach (var (key, value) in members) obj[key] = value;
        return obj;
    }
}
