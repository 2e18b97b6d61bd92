using Cifar.Reports.Comparison;
using Cifar.Reports.Files;
using Cifar.Reports.Formatting;
using Cifar.Reports.Statistics;
using Cifar.Tests.Reports.Seeds;

namespace Cifar.Tests.Reports.Comparison;

/// <summary>
/// A multi-seed report folder in a comparison: its row shows the mean over seeds, so its 95% interval must be the
/// seeds' interval around that mean, not a bootstrap over its majority-vote predictions (an ensemble, more accurate
/// than any one seed, whose interval once sat entirely above the mean it was printed beside).
/// </summary>
public sealed class SeedGroupComparisonTests : IDisposable
{
    private readonly FakeReports.TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_multi_seed_folder_shows_the_t_interval_of_its_seeds_around_its_mean()
    {
        var group = SeedReportGoldenTests.WriteGroup(_temp.Path, "cnn-seeds", [1, 2, 3]);
        var single = Path.Combine(SeedReportGoldenTests.WriteGroup(_temp.Path, "cnn", [4, 5]), "seed-4");
        var result = ComparisonReport.Compare([group, single]);

        var seeds = ReportSnapshotReader.ReadFolder(group).Seeds;
        var expected = SeedSummary.Of([.. seeds.Select(s => s.Metrics.Test.Accuracy)]);
        var grouped = result.Experiments[0];
        Assert.True(grouped.IntervalOverSeeds);
        Assert.Equal(expected.Lower, grouped.AccuracyInterval!.Lower, 12);
        Assert.Equal(expected.Upper, grouped.AccuracyInterval.Upper, 12);
        Assert.InRange(grouped.Metrics.Test.Accuracy, grouped.AccuracyInterval.Lower, grouped.AccuracyInterval.Upper);

        // The single seed keeps the bootstrap over its test images.
        Assert.False(result.Experiments[1].IntervalOverSeeds);
        var markdown = ComparisonReport.RenderMarkdown(result, _temp.Path);
        Assert.Contains($"{ReportNumbers.Percent(expected.Lower)} to {ReportNumbers.Percent(expected.Upper)} (3 seeds)", markdown, StringComparison.Ordinal);
        Assert.Contains("Student's t interval of its mean test accuracy over the seeds", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Single_run_comparisons_say_nothing_about_seeds()
    {
        var first = Path.Combine(SeedReportGoldenTests.WriteGroup(_temp.Path, "cnn", [1, 2]), "seed-1");
        var second = Path.Combine(SeedReportGoldenTests.WriteGroup(_temp.Path, "cnn-other", [3, 4]), "seed-3");
        var markdown = ComparisonReport.RenderMarkdown(ComparisonReport.Compare([first, second]), _temp.Path);
        Assert.DoesNotContain("seeds)", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("Student's t", markdown, StringComparison.Ordinal);
    }
}
