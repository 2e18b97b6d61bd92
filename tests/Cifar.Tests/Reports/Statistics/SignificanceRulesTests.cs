using Cifar.Reports.Files;
using Cifar.Reports.Statistics;

namespace Cifar.Tests.Reports.Statistics;

/// <summary>
/// The statistics' edges: McNemar's arguments and its 5% line, the bootstrap's nearest-rank percentiles, and how two
/// predictions files pair up (which images count as b and c, and why a pair is refused).
/// </summary>
public sealed class SignificanceRulesTests
{
    [Fact]
    public void McNemar_rejects_negative_counts()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => McNemar.ExactPValue(-1, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => McNemar.ExactPValue(3, -1));
    }

    [Theory]
    [InlineData(0, 1, 1.0)]    // min(1, 2 · 1/2)
    [InlineData(1, 2, 1.0)]    // min(1, 2 · (1 + 3)/8)
    [InlineData(0, 6, 0.03125)] // 2 · 1/64
    [InlineData(1, 6, 0.125)]   // 2 · (1 + 7)/128
    [InlineData(3, 0, 0.25)]    // 2 · 1/8
    public void McNemar_small_cases_are_exact(int b, int c, double expected) =>
        Assert.Equal(expected, McNemar.ExactPValue(b, c), 12);

    [Fact]
    public void Exactly_five_percent_is_within_chance()
    {
        Assert.Equal("within chance", McNemar.Verdict(McNemar.Alpha));
        Assert.Equal("significant at 5%", McNemar.Verdict(Math.BitDecrement(McNemar.Alpha)));
        Assert.False(new PairedTest(10, 0, 5, 0.05).IsSignificant);
        Assert.True(new PairedTest(10, 0, 6, 0.03125).IsSignificant);
        Assert.Equal("significant at 5%", new PairedTest(10, 0, 6, 0.03125).Verdict);
    }

    [Fact]
    public void Bootstrap_of_an_empty_test_set_is_all_zero()
    {
        Assert.Equal(new AccuracyInterval(0, 0, 0), Bootstrap.AccuracyInterval([]));
    }

    [Fact]
    public void Bootstrap_needs_at_least_one_resample()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Bootstrap.AccuracyInterval([true], resamples: 0));
        Assert.Throws<ArgumentNullException>(() => Bootstrap.AccuracyInterval(null!));
    }

    [Fact]
    public void Bootstrap_of_all_right_or_all_wrong_has_no_width()
    {
        Assert.Equal(new AccuracyInterval(1, 1, 1), Bootstrap.AccuracyInterval(Enumerable.Repeat(true, 50).ToArray()));
        Assert.Equal(new AccuracyInterval(0, 0, 0), Bootstrap.AccuracyInterval(Enumerable.Repeat(false, 50).ToArray()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(40)]
    [InlineData(1000)]
    public void Bootstrap_bounds_are_the_nearest_rank_percentiles_of_the_seeded_resamples(int resamples)
    {
        // The documented procedure, written out: System.Random(seed) draws n images with replacement per resample;
        // the bounds are the ceil(0.025 R)-th and ceil(0.975 R)-th smallest resampled accuracies (1-based).
        var correct = Enumerable.Range(0, 37).Select(i => i % 3 != 0).ToArray();
        var random = new Random(Bootstrap.Seed);
        var accuracies = new double[resamples];
        for (var r = 0; r < resamples; r++)
            accuracies[r] = (double)Enumerable.Range(0, correct.Length).Count(_ => correct[random.Next(correct.Length)]) / correct.Length;
        Array.Sort(accuracies);
        var lowerRank = Math.Max(1, (int)Math.Ceiling(0.025 * resamples));
        var upperRank = (int)Math.Ceiling(0.975 * resamples);

        var interval = Bootstrap.AccuracyInterval(correct, resamples);

        Assert.Equal(new AccuracyInterval(24.0 / 37, accuracies[lowerRank - 1], accuracies[upperRank - 1]), interval);
    }

    [Fact]
    public void Paired_counts_split_the_discordant_images_by_side()
    {
        // Image 0 both right, 1 only base right, 2 and 3 only head right, 4 both wrong.
        var basePredictions = new PredictionsFile("01234", "01000");
        var headPredictions = new PredictionsFile("01234", "00230");

        var test = PairedTest.TryCreate(basePredictions, headPredictions, out var whyNot);

        Assert.Null(whyNot);
        Assert.Equal(new PairedTest(5, BaseRightHeadWrong: 1, BaseWrongHeadRight: 2, McNemar.ExactPValue(1, 2)), test);
    }

    [Fact]
    public void A_pair_is_refused_with_the_side_that_lacks_predictions()
    {
        var some = new PredictionsFile("01", "01");

        Assert.Null(PairedTest.TryCreate(null, null, out var whyNot));
        Assert.Equal("no predictions.txt on either side", whyNot);
        Assert.Null(PairedTest.TryCreate(some, null, out whyNot));
        Assert.Equal("no predictions.txt on the head side", whyNot);
        Assert.Null(PairedTest.TryCreate(some, new PredictionsFile("10", "10"), out whyNot));
        Assert.Equal("the sides' predictions.txt have different true labels (not the same test images), so they are not paired", whyNot);
    }
}
