using Cifar.Reports.Statistics;

namespace Cifar.Tests.Reports.Statistics;

/// <summary>Welch's t test and the Student-t interval against published values.</summary>
public class SeedStatisticsTests
{
    // Wikipedia, "Welch's t-test", Examples (the values R's t.test gives): t and p to the digits printed there; df as
    // printed for the second example, and for the other two the Welch–Satterthwaite value worked by hand (25.0, 24.5).
    public static TheoryData<double[], double[], double, double, double> WelchExamples => new()
    {
        {
            [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4],
            [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4],
            -2.46, 25.0, 0.021
        },
        {
            [17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8],
            [21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8],
            -1.57, 9.9, 0.149
        },
        {
            [19.8, 20.4, 19.6, 17.8, 18.5, 18.9, 18.3, 18.9, 19.5, 22.0],
            [28.2, 26.6, 20.1, 23.3, 25.2, 22.1, 17.7, 27.6, 20.6, 13.7, 23.2, 17.5, 20.6, 18.0, 23.9, 21.6, 24.3, 20.4, 23.9, 13.3],
            -2.22, 24.5, 0.036
        },
    };

    [Theory]
    [MemberData(nameof(WelchExamples))]
    public void Welch_matches_the_published_examples(double[] a, double[] b, double t, double df, double p)
    {
        // Published as base a, head b: t is a's mean minus b's, so head minus base flips its sign.
        var test = WelchTest.Of(a, b);
        Assert.Equal(-t, test.T, 0.01);
        Assert.Equal(df, test.DegreesOfFreedom, 0.1);
        Assert.Equal(p, test.PValue, 0.001);
    }

    [Fact]
    public void Welch_is_symmetric_in_its_p_value_and_flips_its_t()
    {
        double[] a = [0.70, 0.71, 0.69], b = [0.72, 0.74, 0.73];
        var forward = WelchTest.Of(a, b);
        var backward = WelchTest.Of(b, a);
        Assert.Equal(forward.PValue, backward.PValue, 12);
        Assert.Equal(-forward.T, backward.T, 12);
        Assert.True(forward.T > 0);
    }

    [Fact]
    public void Sides_without_spread_are_within_noise_when_equal_and_significant_when_not()
    {
        Assert.Equal(1, WelchTest.Of([0.5, 0.5], [0.5, 0.5]).PValue);
        Assert.Equal("within noise", WelchTest.Of([0.5, 0.5], [0.5, 0.5]).Verdict);
        Assert.True(WelchTest.Of([0.5, 0.5], [0.6, 0.6]).IsSignificant);
    }

    // Student's t quantiles t(0.975, df) from any table: 12.706 (1), 4.303 (2), 2.776 (4), 2.262 (9).
    [Theory]
    [InlineData(new[] { 1.0, 3.0 }, 12.706 * 1.414214 / 1.414214)]
    [InlineData(new[] { 1.0, 2.0, 3.0 }, 4.303 / 1.732051)]
    [InlineData(new[] { 1.0, 2.0, 3.0, 4.0, 5.0 }, 2.776 * 1.581139 / 2.236068)]
    public void The_interval_half_width_is_t_times_sd_over_root_n(double[] values, double halfWidth)
    {
        var summary = SeedSummary.Of(values);
        Assert.Equal(halfWidth, summary.HalfWidth, 0.002);
        Assert.Equal(values.Average(), summary.Mean, 12);
        Assert.Equal(summary.Mean - summary.HalfWidth, summary.Lower, 12);
    }

    [Fact]
    public void One_seed_has_no_spread() => Assert.Throws<ArgumentException>(() => SeedSummary.Of([0.7]));
}
