using System.Globalization;
using Cifar.Reports.Formatting;
using Cifar.Reports.Sweeps;
using Cifar.Tests.Reports.Comparison;

namespace Cifar.Tests.Reports.Sweeps;

public sealed class SweepReportTests : IDisposable
{
    private readonly FakeReports.TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Markdown_matches_the_golden_file()
    {
        var files = SweepReport.Write(FakeSweeps.Write2x3(_temp.Path));
        GoldenFile.AssertMatches(File.ReadAllText(files.Markdown), "Sweeps/golden/sweep-report.md");
    }

    [Fact]
    public void Html_matches_the_golden_file()
    {
        var files = SweepReport.Write(FakeSweeps.Write2x3(_temp.Path));
        GoldenFile.AssertMatches(File.ReadAllText(files.Html), "Sweeps/golden/sweep-report.html");
    }

    [Fact]
    public void Each_swept_key_gets_a_chart_of_its_values_in_numeric_order()
    {
        var files = SweepReport.Write(FakeSweeps.Write2x3(_temp.Path));

        Assert.Equal(new[] { "sweep-learning_rate.svg", "sweep-batch_size.svg" }, files.Charts.Select(f => Path.GetFileName(f)));
        var batch = File.ReadAllText(files.Charts[1]);
        GoldenFile.AssertMatches(batch, "Sweeps/golden/sweep-batch_size.svg");
        // The x axis reads 32, 64, 128 left to right (the grid listed 64, 128, 32; names sort 128, 32, 64).
        var ticks = new[] { ">32</text>", ">64</text>", ">128</text>" }.Select(t => batch.IndexOf(t, StringComparison.Ordinal)).ToList();
        Assert.All(ticks, t => Assert.True(t > 0));
        Assert.Equal(ticks.Order(), ticks);
        Assert.Contains(">batch_size</text>", batch, StringComparison.Ordinal);
        // One line for the mean and one per learning rate.
        Assert.Contains(">learning_rate=0.001</text>", batch, StringComparison.Ordinal);
        Assert.Contains(">learning_rate=0.01</text>", batch, StringComparison.Ordinal);
    }

    [Fact]
    public void The_per_key_table_gives_the_mean_accuracy_at_each_value_in_value_order()
    {
        var folder = FakeSweeps.Write2x3(_temp.Path);
        var result = SweepReport.Analyze(folder);

        var batch = result.Effects.Single(e => e.Name == "batch_size");
        Assert.Equal(new[] { "32", "64", "128" }, batch.Levels.Select(l => l.Value.Text));
        Assert.Equal(new[] { "learning_rate=0.001", "learning_rate=0.01" }, batch.OtherSettings);
        var markdown = File.ReadAllText(SweepReport.Write(folder).Markdown);
        foreach (var level in batch.Levels)
        {
            // The mean of the two cells with that batch size, each read back from its report folder.
            var cells = result.Cells.Where(c => c.Values[FakeSweeps.BatchSize] == level.Value).ToList();
            Assert.Equal(2, cells.Count);
            Assert.Equal(cells.Average(c => c.Report!.Metrics.Test.Accuracy), level.MeanAccuracy, 12);
            Assert.Contains($"| {level.Value.Text} | {Percent(level.MeanAccuracy)} | — | 2 |", markdown, StringComparison.Ordinal);
        }
        // Smaller batches were made better: the means fall as the batch size grows.
        Assert.True(batch.Levels[0].MeanAccuracy > batch.Levels[1].MeanAccuracy && batch.Levels[1].MeanAccuracy > batch.Levels[2].MeanAccuracy);
        var rate = result.Effects.Single(e => e.Name == "learning_rate");
        Assert.Equal(new[] { "0.001", "0.01" }, rate.Levels.Select(l => l.Value.Text));
        Assert.True(rate.Range > batch.Range);
        Assert.Contains("learning_rate matters most", SweepReport.Conclusion(result), StringComparison.Ordinal);
    }

    [Fact]
    public void Cells_are_listed_by_their_values_not_by_their_names()
    {
        var result = SweepReport.Analyze(FakeSweeps.Write2x3(_temp.Path));

        Assert.Equal(
            new[]
            {
                "learning_rate=0.001,batch_size=32", "learning_rate=0.001,batch_size=64", "learning_rate=0.001,batch_size=128",
                "learning_rate=0.01,batch_size=32", "learning_rate=0.01,batch_size=64", "learning_rate=0.01,batch_size=128",
            },
            result.Cells.Select(c => c.Name));
        Assert.Equal(result.Cells.Select(c => c.Name), result.Overfitting.Select(o => o.Cell.Name));
    }

    [Fact]
    public void The_heat_table_crosses_the_two_keys()
    {
        var folder = FakeSweeps.Write2x3(_temp.Path);
        var result = SweepReport.Analyze(folder);

        var heat = Assert.Single(result.HeatTables);
        Assert.Equal(("learning_rate", "batch_size"), (heat.RowName, heat.ColumnName));
        Assert.Equal(new[] { "0.001", "0.01" }, heat.Rows.Select(r => r.Text));
        Assert.Equal(new[] { "32", "64", "128" }, heat.Columns.Select(c => c.Text));
        for (var r = 0; r < 2; r++)
        {
            for (var c = 0; c < 3; c++)
            {
                var cell = result.Cells.Single(x => x.Values[FakeSweeps.LearningRate] == heat.Rows[r] && x.Values[FakeSweeps.BatchSize] == heat.Columns[c]);
                Assert.Equal((double?)cell.Report!.Metrics.Test.Accuracy, heat.Cells[r][c]);
            }
        }
        var markdown = File.ReadAllText(SweepReport.Write(folder).Markdown);
        var best = result.Best!;
        Assert.Equal("learning_rate=0.001, batch_size=32", best.Label);
        Assert.Contains($"| 0.001 | **{Percent(best.MeanAccuracy)}** |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_other_setting_is_measured_against_the_best_with_McNemar_on_the_paired_predictions()
    {
        var result = SweepReport.Analyze(FakeSweeps.Write2x3(_temp.Path));

        Assert.Equal(5, result.Distances.Count);
        Assert.DoesNotContain(result.Distances, d => d.Setting == result.Best);
        foreach (var d in result.Distances)
        {
            Assert.True(d.Difference <= 0);
            Assert.NotNull(d.McNemar);
            Assert.Equal(FakeReports.TestImages, d.McNemar!.Images);
        }
        // 12 points apart on 1,000 images is far beyond chance; the farthest cell too.
        var farthest = result.Distances.MinBy(d => d.Difference)!;
        Assert.Equal("learning_rate=0.01, batch_size=128", farthest.Setting.Label);
        Assert.True(farthest.McNemar!.IsSignificant);
    }

    [Fact]
    public void The_overfitting_gap_of_each_cell_is_its_training_minus_validation_accuracy_at_the_best_epoch()
    {
        var result = SweepReport.Analyze(FakeSweeps.Write2x3(_temp.Path));

        foreach (var o in result.Overfitting)
        {
            var metrics = o.Cell.Report!.Metrics;
            var best = metrics.History.Single(h => h.Epoch == metrics.BestEpoch);
            Assert.Equal(best.Accuracy - best.ValAccuracy, o.Analysis!.AccuracyGap, 6);
        }
    }

    [Fact]
    public void Missing_cells_are_listed_and_the_report_is_built_from_the_others()
    {
        var missing = FakeSweeps.CellName(0.01, 64);
        var files = SweepReport.Write(FakeSweeps.Write2x3(_temp.Path, skip: missing));

        var markdown = File.ReadAllText(files.Markdown);
        Assert.Contains($"5 of 6 cells have a report; missing: `{missing}`.", markdown, StringComparison.Ordinal);
        Assert.Contains($"| {MarkdownText.Escape(missing)} | 0.01 | 64 | missing |", markdown, StringComparison.Ordinal);
        // The heat table has a dash where the missing cell would be.
        Assert.Contains("| 0.01 |", markdown, StringComparison.Ordinal);
        Assert.Contains(" — |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void A_swept_seed_is_averaged_with_a_95_percent_interval_not_compared()
    {
        var folder = Path.Combine(_temp.Path, "seeded");
        string[] keys = [FakeSweeps.LearningRate, "seed"];
        var cells = new List<(string, IReadOnlyList<object>)>();
        var i = 0;
        foreach (var lr in new[] { 0.01, 0.001 })
        {
            foreach (var seed in new[] { 1, 2, 3 })
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"learning_rate={lr},seed={seed}");
                cells.Add((name, new object[] { lr, seed }));
                FakeReports.Write(folder, new FakeExperiment(name, "cnn", (lr == 0.001 ? 0.7 : 0.6) + (0.01 * seed), Seed: 200 + i++));
            }
        }
        FakeSweeps.WriteListing(folder, "seeded", keys, cells);

        var result = SweepReport.Analyze(folder);

        var effect = Assert.Single(result.Effects);
        Assert.Equal("learning_rate", effect.Name);
        Assert.Equal(2, result.Settings.Count);
        Assert.All(result.Settings, s => Assert.Equal(3, s.Runs.Count));
        var level = effect.Levels[0];
        Assert.NotNull(level.Interval);
        Assert.Equal(3, level.Interval!.Count);
        Assert.Equal(level.MeanAccuracy, level.Interval.Mean, 12);
        Assert.True(level.Interval.Lower < level.MeanAccuracy && level.MeanAccuracy < level.Interval.Upper);
        Assert.Empty(result.HeatTables);
        var distance = Assert.Single(result.Distances);
        Assert.NotNull(distance.Welch);
        var markdown = File.ReadAllText(SweepReport.Write(folder).Markdown);
        Assert.Contains($"| 0.001 | {Percent(level.MeanAccuracy)} | {Percent(level.Interval.Lower)} to {Percent(level.Interval.Upper)} | 3 |",
            markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Rerunning_the_report_gives_the_same_bytes()
    {
        var folder = FakeSweeps.Write2x3(_temp.Path);
        var first = SweepReport.Write(folder);
        var before = new[] { first.Markdown, first.Html }.Concat(first.Charts).Select(File.ReadAllBytes).ToList();
        var second = SweepReport.Write(folder);
        Assert.Equal(before, new[] { second.Markdown, second.Html }.Concat(second.Charts).Select(File.ReadAllBytes));
        Assert.Empty(Directory.GetFiles(folder, ".*"));
    }

    [Fact]
    public void A_sweep_json_whose_cell_names_a_path_is_refused_and_nothing_is_written()
    {
        var folder = Path.Combine(_temp.Path, "escape");
        FakeSweeps.WriteListing(folder, "escape", [FakeSweeps.LearningRate], [("../outside", (IReadOnlyList<object>)new object[] { 0.1 })]);

        var error = Assert.Throws<CifarUserException>(() => SweepReport.Write(folder));

        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        Assert.Contains("cell 0 is named '../outside'; expected a folder name inside the sweep folder", error.Message, StringComparison.Ordinal);
        Assert.Equal(new[] { Path.Combine(folder, "sweep.json") }, Directory.GetFiles(folder));
    }

    private static string Percent(double fraction) => ReportNumbers.Percent(fraction);
}
