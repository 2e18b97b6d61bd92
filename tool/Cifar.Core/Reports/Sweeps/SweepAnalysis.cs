using Cifar.Evaluation;
using Cifar.Reports.Files;
using Cifar.Reports.Statistics;
using Cifar.Specs;

namespace Cifar.Reports.Sweeps;

/// <summary>
/// Turns a sweep's cells into the answer to "how does each key matter?": per key, the mean test accuracy at each of
/// its values (over the other keys, each setting weighing the same, and over seeds with a 95% interval); per pair of
/// keys, a heat table; the best setting and every other one's distance from it, tested on paired predictions; each
/// cell's overfitting gap. Everything is ordered by value, never by folder name.
/// </summary>
public static class SweepAnalysis
{
    /// <summary>The spec key whose values are repetitions, not a factor: its cells are averaged, never compared.</summary>
    public const string SeedKey = "seed";

    /// <param name="keys">The swept dotted keys in the grid's order.</param>
    /// <param name="cells">Every cell of sweep.json (any order), with its report or null when missing.</param>
    public static SweepResult Build(string name, IReadOnlyList<string> keys, IReadOnlyList<CellReport> cells)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(cells);
        // An included cell may set fewer keys than the grid: it stands at "(not set)" on the others.
        cells = [.. cells.Select(c => keys.All(c.Values.ContainsKey) ? c : c with
        {
            Values = keys.ToDictionary(k => k, k => c.Values.TryGetValue(k, out var v) ? v : SweptValue.NotSet, StringComparer.Ordinal),
        })];
        var keyNames = ShortNames(keys);
        var seedKey = keys.Contains(SeedKey, StringComparer.Ordinal) ? SeedKey : null;
        var factors = keys.Where(k => k != seedKey).ToList();
        var ordered = cells.OrderBy(c => c, new ValuesOrder(keys)).ThenBy(c => c.Index).ToList();

        var settings = ordered.Where(c => c.Report is not null)
            .GroupBy(c => Label(c.Values, factors, keyNames), StringComparer.Ordinal)
            .Select(g => Setting(g.Key, factors, [.. g], seedKey))
            .ToList();
        // A sweep of the seed alone has one setting: its label is empty, so it is named after the sweep.
        if (factors.Count == 0) settings = [.. settings.Select(s => s with { Label = name })];

        var levelsOf = factors.ToDictionary(k => k, k => (IReadOnlyList<SweptValue>)[.. cells.Select(c => c.Values[k]).Distinct().Order()]);
        var effects = factors.Select(k => Effect(k, keyNames, factors, levelsOf, settings)).ToList();
        var heat = new List<HeatTable>();
        for (var a = 0; a < factors.Count; a++)
        {
            for (var b = a + 1; b < factors.Count; b++)
            {
                heat.Add(Heat(factors[a], factors[b], keyNames, levelsOf, settings));
            }
        }

        // Highest mean wins; a tie goes to the first in value order, so the best never flips between reruns.
        var best = settings.Aggregate((SweepSetting?)null, (a, s) => a is null || s.MeanAccuracy > a.MeanAccuracy ? s : a);
        var distances = best is null
            ? []
            : settings.Where(s => s != best).Select(s => Distance(best, s)).ToList();
        var overfitting = ordered.Where(c => c.Report is not null).Select(c => new CellOverfitting(c,
            c.Report!.Metrics.Test.Accuracy,
            c.Report.Metrics.History.Count == 0 ? null : OverfittingAnalysis.Analyze(DataFiles.TrainingHistoryOf(c.Report.Metrics)))).ToList();

        return new SweepResult(name, keys, keyNames, ordered, settings, effects, heat, best, distances, overfitting, seedKey);
    }

    /// <summary>Each key as the cell names shorten it (<see cref="SweepCellNames.ShortKey"/>): its last dotted
    /// segment when no other key ends the same, else in full.</summary>
    public static IReadOnlyDictionary<string, string> ShortNames(IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        return keys.Distinct(StringComparer.Ordinal).ToDictionary(k => k, k => SweepCellNames.ShortKey(k, keys), StringComparer.Ordinal);
    }

    private static string Label(IReadOnlyDictionary<string, SweptValue> values, IReadOnlyList<string> keys, IReadOnlyDictionary<string, string> names) =>
        string.Join(", ", keys.Select(k => $"{names[k]}={values[k].Text}"));

    private static SweepSetting Setting(string label, IReadOnlyList<string> factors, List<CellReport> cells, string? seedKey)
    {
        var runs = new List<SweepRun>();
        var predictions = new List<PredictionsFile?>();
        foreach (var cell in cells)
        {
            var report = cell.Report!;
            var swept = seedKey is null ? "" : cell.Values[seedKey].Text;
            if (report.Seeds.Count == 0)
            {
                runs.Add(new SweepRun(swept, report.Metrics.Test.Accuracy));
                predictions.Add(report.Predictions);
                continue;
            }
            foreach (var seed in report.Seeds)
            {
                runs.Add(new SweepRun(swept.Length == 0 ? seed.Name : $"{swept}/{seed.Name}", seed.Metrics.Test.Accuracy));
                predictions.Add(seed.Predictions);
            }
        }
        var accuracies = runs.Select(r => r.TestAccuracy).ToList();
        return new SweepSetting(
            factors.ToDictionary(k => k, k => cells[0].Values[k], StringComparer.Ordinal),
            label,
            cells,
            runs,
            accuracies.Average(),
            accuracies.Count >= 2 ? SeedSummary.Of(accuracies) : null,
            predictions.Count == 1 ? predictions[0] : SeedGroups.MajorityVote(predictions));
    }

    private static KeyEffect Effect(
        string key,
        IReadOnlyDictionary<string, string> names,
        IReadOnlyList<string> factors,
        Dictionary<string, IReadOnlyList<SweptValue>> levelsOf,
        List<SweepSetting> settings)
    {
        var others = factors.Where(k => k != key).ToList();
        // The other keys' combinations, in value order: every combination of the grid's values that some cell has.
        var combinations = settings
            .Select(s => others.Select(k => s.Values[k]).ToList())
            .DistinctBy(values => string.Join("\u0000", values.Select(v => v.Text)))
            .OrderBy(values => values, new ListOrder())
            .ToList();
        string OtherLabel(IReadOnlyList<SweptValue> values) => string.Join(", ", others.Select((k, i) => $"{names[k]}={values[i].Text}"));
        var levels = levelsOf[key].Select(value =>
        {
            var at = settings.Where(s => s.Values[key] == value).ToList();
            if (at.Count == 0) return new KeyLevel(value, 0, 0, double.NaN, null, null, [.. combinations.Select(_ => (double?)null)]);
            var bySetting = combinations.Select(values =>
                at.FirstOrDefault(s => others.Select((k, i) => s.Values[k] == values[i]).All(same => same))?.MeanAccuracy).ToList();
            return new KeyLevel(value, at.Count, at.Sum(s => s.Runs.Count), at.Average(s => s.MeanAccuracy), OverSeeds(at),
                at.Aggregate((a, s) => s.MeanAccuracy > a.MeanAccuracy ? s : a), bySetting);
        }).ToList();
        return new KeyEffect(key, names[key], levels, others.Count == 0 ? [] : [.. combinations.Select(OtherLabel)]);
    }

    /// <summary>
    /// The interval of a level's mean over seeds: for each seed, the mean over the level's settings that ran it; then
    /// those per-seed means summarised. Null with fewer than two seeds.
    /// </summary>
    private static SeedSummary? OverSeeds(List<SweepSetting> settings)
    {
        var perSeed = settings.SelectMany(s => s.Runs)
            .GroupBy(r => r.Seed, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Average(r => r.TestAccuracy))
            .ToList();
        return perSeed.Count >= 2 ? SeedSummary.Of(perSeed) : null;
    }

    private static HeatTable Heat(
        string rowKey,
        string columnKey,
        IReadOnlyDictionary<string, string> names,
        Dictionary<string, IReadOnlyList<SweptValue>> levelsOf,
        List<SweepSetting> settings)
    {
        var rows = levelsOf[rowKey];
        var columns = levelsOf[columnKey];
        var cells = rows.Select(r => (IReadOnlyList<double?>)[.. columns.Select(c =>
        {
            var at = settings.Where(s => s.Values[rowKey] == r && s.Values[columnKey] == c).ToList();
            return at.Count == 0 ? (double?)null : at.Average(s => s.MeanAccuracy);
        })]).ToList();
        return new HeatTable(rowKey, names[rowKey], rows, columnKey, names[columnKey], columns, cells);
    }

    private static SettingDistance Distance(SweepSetting best, SweepSetting other)
    {
        var test = PairedTest.TryCreate(best.Predictions, other.Predictions, out var whyNot);
        var welch = best.Runs.Count >= 2 && other.Runs.Count >= 2
            ? WelchTest.Of([.. best.Runs.Select(r => r.TestAccuracy)], [.. other.Runs.Select(r => r.TestAccuracy)])
            : null;
        return new SettingDistance(other, other.MeanAccuracy - best.MeanAccuracy, test, whyNot, welch);
    }

    /// <summary>Cells by their values, key by key in grid order.</summary>
    private sealed class ValuesOrder(IReadOnlyList<string> keys) : IComparer<CellReport>
    {
        public int Compare(CellReport? x, CellReport? y)
        {
            if (x is null || y is null) return (x is null).CompareTo(y is null);
            foreach (var key in keys)
            {
                var order = x.Values[key].CompareTo(y.Values[key]);
                if (order != 0) return order;
            }
            return 0;
        }
    }

    private sealed class ListOrder : IComparer<List<SweptValue>>
    {
        public int Compare(List<SweptValue>? x, List<SweptValue>? y)
        {
            if (x is null || y is null) return (x is null).CompareTo(y is null);
            for (var i = 0; i < Math.Min(x.Count, y.Count); i++)
            {
                var order = x[i].CompareTo(y[i]);
                if (order != 0) return order;
            }
            return x.Count.CompareTo(y.Count);
        }
    }
}
