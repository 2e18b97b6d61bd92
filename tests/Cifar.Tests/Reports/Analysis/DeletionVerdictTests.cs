using Cifar.Reports;
using Cifar.Reports.Analysis;

namespace Cifar.Tests.Reports.Analysis;

/// <summary>The deletion check's verdict in words: decided by the exact sign test over the images, so a difference
/// of means that chance explains is called inconclusive, not a pass (a lab CNN's 4x4 maps once "passed" by 0.04 points).</summary>
public sealed class DeletionVerdictTests
{
    private static string Verdict(int wins, int losses) =>
        PicturesModel.DeletionVerdict(new GradCamResult("conv2d_2", 4, [], 0.1, 40, 0.2, 0.3, 0.3, wins, losses));

    [Fact]
    public void Many_more_wins_than_losses_pass()
    {
        var verdict = Verdict(30, 10);
        Assert.StartsWith("passed: masking the map's pixels hurt more on 30 images, masking the random map's on 10; sign test p = 0.0022", verdict, StringComparison.Ordinal);
    }

    [Fact]
    public void A_split_within_chance_is_inconclusive_whatever_the_means()
    {
        Assert.StartsWith("inconclusive: masking the map's pixels hurt more on 21 images, masking the random map's on 19; sign test p = 0.8746", Verdict(21, 19), StringComparison.Ordinal);
    }

    [Fact]
    public void Many_more_losses_fail()
    {
        Assert.StartsWith("failed: ", Verdict(5, 30), StringComparison.Ordinal);
    }

    [Fact]
    public void No_comparable_image_skips_the_check()
    {
        Assert.Equal("skipped: no images to compare", Verdict(0, 0));
    }
}
