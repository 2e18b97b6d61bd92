using Cifar.Evaluation;
using Cifar.Reports.Files;
using Cifar.Reports.Statistics;

namespace Cifar.Reports.Sweeps;

/// <summary>One cell of a sweep as sweep.json lists it, with its report folder read back (null when it is missing).</summary>
/// <param name="Index">Its index in sweep.json (the <c>--cell</c> and array-task number).</param>
/// <param name="Name">Its folder name under the sweep folder.</param>
/// <param name="Values">Its value of every swept key, by dotted key.</param>
public sealed record CellReport(int Index, string Name, IReadOnlyDictionary<string, SweptValue> Values, ReportSnapshot? Report);

/// <summary>One trained model: a cell's single run, or one seed of a multi-seed cell.</summary>
/// <param name="Seed">What tells it apart from the other runs of the same setting: the cell's swept <c>seed</c>,
/// and/or the seed folder of a multi-seed cell; empty when the setting has one run.</param>
public sealed record SweepRun(string Seed, double TestAccuracy);

/// <summary>
/// The cells that differ only in <c>seed</c>: one setting of the swept keys other than the seed. Without a swept seed
/// every cell is its own setting. Its accuracy is the mean over its runs; with two or more runs, the 95% interval of
/// that mean over seeds (Student's t, <see cref="SeedSummary"/>).
/// </summary>
/// <param name="Values">Its value of every swept key but <c>seed</c>.</param>
/// <param name="Label">The values in words, <c>learning_rate=0.01, batch_size=64</c>.</param>
/// <param name="Predictions">The runs' predictions for McNemar's test: a single run's, else their majority vote (null
/// when a run has no predictions.txt).</param>
public sealed record SweepSetting(
    IReadOnlyDictionary<string, SweptValue> Values,
    string Label,
    IReadOnlyList<CellReport> Cells,
    IReadOnlyList<SweepRun> Runs,
    double MeanAccuracy,
    SeedSummary? Interval,
    PredictionsFile? Predictions);

/// <summary>Test accuracy at one value of a swept key, over every setting with that value.</summary>
/// <param name="Settings">Settings with this value that have a report.</param>
/// <param name="Runs">Models trained with this value.</param>
/// <param name="MeanAccuracy">Mean over those settings (each setting weighs the same, whatever its seed count).</param>
/// <param name="Interval">95% interval of that mean over seeds, when there are two or more: the settings' mean per
/// seed, summarised across seeds; null with one seed.</param>
/// <param name="BySetting">The accuracy of each setting of the other keys at this value (in
/// <see cref="KeyEffect.OtherSettings"/> order), null where that cell is missing.</param>
public sealed record KeyLevel(
    SweptValue Value,
    int Settings,
    int Runs,
    double MeanAccuracy,
    SeedSummary? Interval,
    SweepSetting? Best,
    IReadOnlyList<double?> BySetting);

/// <summary>What one swept key does to test accuracy: one level per value, in value order.</summary>
/// <param name="Name">The key as the report shows it (its last dotted segment when that is unique in the grid).</param>
/// <param name="OtherSettings">The combinations of the other swept keys (not the seed), in value order, as labels.</param>
public sealed record KeyEffect(string Key, string Name, IReadOnlyList<KeyLevel> Levels, IReadOnlyList<string> OtherSettings)
{
    /// <summary>Best minus worst level's mean accuracy (fraction): how much this key moves the result.</summary>
    public double Range => Levels.Count(l => l.Runs > 0) < 2
        ? 0
        : Levels.Where(l => l.Runs > 0).Max(l => l.MeanAccuracy) - Levels.Where(l => l.Runs > 0).Min(l => l.MeanAccuracy);
}

/// <summary>Mean test accuracy for each pair of values of two swept keys (over the other keys and seeds).</summary>
/// <param name="Cells">Row-major: <c>Cells[row][column]</c>, null where no cell with that pair has a report.</param>
public sealed record HeatTable(
    string RowKey,
    string RowName,
    IReadOnlyList<SweptValue> Rows,
    string ColumnKey,
    string ColumnName,
    IReadOnlyList<SweptValue> Columns,
    IReadOnlyList<IReadOnlyList<double?>> Cells);

/// <summary>A setting's distance from the best one.</summary>
/// <param name="Difference">Its mean accuracy minus the best's (fraction, ≤ 0).</param>
/// <param name="McNemar">McNemar's exact test on the paired test predictions, best as base; null when they cannot be
/// paired (<see cref="WhyNotPaired"/>).</param>
/// <param name="Welch">Welch's t test on the per-seed accuracies, when both have two or more runs.</param>
public sealed record SettingDistance(SweepSetting Setting, double Difference, PairedTest? McNemar, string? WhyNotPaired, WelchTest? Welch);

/// <summary>A cell's overfitting at its best epoch, by the rule every report uses.</summary>
public sealed record CellOverfitting(CellReport Cell, double TestAccuracy, OverfittingAnalysis? Analysis);

/// <summary>Everything a sweep report shows, as plain data.</summary>
/// <param name="Keys">The swept dotted keys in the grid's order, the seed included.</param>
/// <param name="Cells">Every cell of sweep.json, ordered by its values (key by key, in <see cref="Keys"/> order).</param>
/// <param name="Settings">The settings with at least one report, in value order.</param>
/// <param name="Effects">One per swept key but the seed, in <see cref="Keys"/> order.</param>
/// <param name="HeatTables">One per pair of swept keys (not the seed), when there are two or more.</param>
/// <param name="Best">The setting with the highest mean test accuracy (the first in value order on a tie).</param>
/// <param name="Distances">Every other setting, in value order.</param>
/// <param name="Overfitting">Every cell with a report, in value order.</param>
/// <param name="SeedKey">The swept seed key, when <c>seed</c> is one of the keys.</param>
public sealed record SweepResult(
    string Name,
    IReadOnlyList<string> Keys,
    IReadOnlyDictionary<string, string> KeyNames,
    IReadOnlyList<CellReport> Cells,
    IReadOnlyList<SweepSetting> Settings,
    IReadOnlyList<KeyEffect> Effects,
    IReadOnlyList<HeatTable> HeatTables,
    SweepSetting? Best,
    IReadOnlyList<SettingDistance> Distances,
    IReadOnlyList<CellOverfitting> Overfitting,
    string? SeedKey)
{
    public IReadOnlyList<CellReport> Missing => [.. Cells.Where(c => c.Report is null)];

    /// <summary>True when some setting has two or more runs, so accuracies carry an interval over seeds.</summary>
    public bool HasSeeds => Settings.Any(s => s.Runs.Count > 1);
}
