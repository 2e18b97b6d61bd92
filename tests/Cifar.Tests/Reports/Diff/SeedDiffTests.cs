using Cifar.Reports.Diff;
using Cifar.Tests.Infra;
using Cifar.Tests.Reports.Seeds;

namespace Cifar.Tests.Reports.Diff;

/// <summary>
/// The diff of two multi-seed report folders: Welch's t test across seeds beside McNemar on majority votes, and the
/// regression gate decided by the seeds (written by the real writers, see <see cref="SeedReportGoldenTests.WriteGroup"/>).
/// </summary>
public sealed class SeedDiffTests : IDisposable
{
    private readonly TempFolder _temp = new("seed-diff");

    public void Dispose() => _temp.Dispose();

    private ReportDiff Diff(int[] baseSeeds, int[] headSeeds) => ReportDiffer.Diff(
        SeedReportGoldenTests.WriteGroup(_temp.Combine("base"), "cnn", baseSeeds),
        SeedReportGoldenTests.WriteGroup(_temp.Combine("head"), "cnn", headSeeds));

    [Fact]
    public void A_drop_well_beyond_the_seed_noise_is_a_regression_decided_by_welch()
    {
        // Each seed unit costs about a point of accuracy in the fixtures: 1-3 against 7-9 is a drop of about 6 points.
        var diff = Diff([1, 2, 3], [7, 8, 9]);
        var experiment = Assert.Single(diff.Experiments);
        Assert.NotNull(experiment.SeedTest);
        Assert.True(experiment.SeedTest!.IsSignificant);
        Assert.NotNull(experiment.Paired); // McNemar on the majority votes, beside it
        var reason = Assert.Single(diff.Regressions(1));
        Assert.Contains("Welch's t test over 3 and 3 seeds", reason, StringComparison.Ordinal);
        Assert.Contains("significant at 5% across seeds", diff.Summary, StringComparison.Ordinal);

        var markdown = DiffRenderer.Render(diff, DiffFormat.Markdown, 1);
        Assert.Contains("Welch's t test on the seeds' test accuracies", markdown, StringComparison.Ordinal);
        Assert.Contains("majority vote", markdown, StringComparison.Ordinal);
        Assert.Contains("\"test\": \"welch_t\"", DiffRenderer.Render(diff, DiffFormat.Json, 1), StringComparison.Ordinal);
    }

    [Fact]
    public void A_drop_larger_than_the_gate_but_within_the_seed_noise_is_not_a_regression()
    {
        // Base seeds 1 and 9 spread over 8 points; head 4 and 9 is 1.5 points lower on average, within that noise.
        var diff = Diff([1, 9], [4, 9]);
        var experiment = Assert.Single(diff.Experiments);
        Assert.True(experiment.AccuracyDeltaPoints < -1);
        Assert.False(experiment.SeedTest!.IsSignificant);
        Assert.Empty(diff.Regressions(1));
        Assert.Contains("within noise across seeds", diff.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void A_multi_seed_side_against_a_single_run_says_why_there_is_no_seed_test()
    {
        var group = SeedReportGoldenTests.WriteGroup(_temp.Combine("base"), "cnn", [1, 2, 3]);
        var single = Path.Combine(group, "seed-2");
        var experiment = Assert.Single(ReportDiffer.Diff(group, single).Experiments);
        Assert.Null(experiment.SeedTest);
        Assert.Contains("only the base has several seeds", experiment.SeedNote, StringComparison.Ordinal);
    }
}
