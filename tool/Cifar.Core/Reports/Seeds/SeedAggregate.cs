using Cifar.Reports.Files;
using Cifar.Reports.Statistics;

namespace Cifar.Reports.Seeds;

/// <summary>One seed's row of the aggregate: its seed, its report folder (relative) and its metrics.json as read back.</summary>
public sealed record SeedResult(int Seed, string Folder, MetricsFile Metrics);

/// <summary>One class's F1 across seeds.</summary>
public sealed record ClassF1Spread(string Class, SeedSummary F1);

/// <summary>
/// The results of one spec run once per seed, as plain data: what the multi-seed report (seeds.json, report.md,
/// report.html, the banded learning curves) shows. Built from the seed folders' metrics.json as the report writer
/// wrote them, so the aggregate can never disagree with the folders it summarises.
/// </summary>
/// <param name="SpecText">The multi-seed spec as given (<c>seeds: [...]</c>), kept as the folder's spec.yaml.</param>
public sealed record SeedAggregate(
    string Name,
    string? Description,
    string SpecText,
    IReadOnlyList<SeedResult> Runs,
    SeedSummary TestAccuracy,
    SeedSummary TestLoss,
    SeedSummary MacroF1,
    IReadOnlyList<ClassF1Spread> PerClassF1)
{
    /// <summary>Summarises the runs (two or more, of one spec: same classes).</summary>
    /// <exception cref="ArgumentException">Fewer than 2 runs, or runs with different classes.</exception>
    public static SeedAggregate From(string name, string? description, string specText, IReadOnlyList<SeedResult> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count < 2) throw new ArgumentException("An aggregate needs at least 2 seeds.", nameof(runs));
        var classes = runs[0].Metrics.Classes;
        if (runs.Any(r => !r.Metrics.Classes.SequenceEqual(classes) || r.Metrics.PerClass.Count != classes.Count))
        {
            throw new ArgumentException("The seeds' reports have different classes.", nameof(runs));
        }
        SeedSummary Over(Func<MetricsFile, double> value) => SeedSummary.Of([.. runs.Select(r => value(r.Metrics))]);
        return new SeedAggregate(name, description, specText, runs,
            Over(m => m.Test.Accuracy), Over(m => m.Test.Loss), Over(m => m.MacroAvg.F1),
            [.. classes.Select((c, i) => new ClassF1Spread(c, Over(m => m.PerClass[i].F1)))]);
    }

    /// <summary>seeds.json.</summary>
    public SeedsFile ToFile() => new(
        ReportFiles.SeedsFormat, Name, SeedSummary.Level,
        [.. Runs.Select(r => new SeedRun(r.Seed, r.Folder))],
        Spread(TestAccuracy), Spread(TestLoss), Spread(MacroF1),
        [.. PerClassF1.Select(c => new ClassSpread(c.Class, c.F1.Mean, c.F1.StandardDeviation, c.F1.Min, c.F1.Max))]);

    private static SeedSpread Spread(SeedSummary s) => new(s.Mean, s.StandardDeviation, s.Min, s.Max, s.Lower, s.Upper, s.HalfWidth);
}
