using Cifar.Reports.Files;
using Cifar.Reports.Statistics;

namespace Cifar.Tests.Reports.Diff;

public sealed class SignificanceTests
{
    [Theory]
    [InlineData(10, 2, 0.0386)] // 2 · (1 + 12 + 66) / 4096 = 0.03857
    [InlineData(2, 10, 0.0386)] // two-sided: symmetric in b and c
    [InlineData(0, 5, 0.0625)]  // 2 · 1/32
    [InlineData(5, 5, 1.0)]
    [InlineData(0, 0, 1.0)]
    [InlineData(7, 8, 1.0)]     // min(1, 2 · P(X ≤ 7 | n=15) = 2 · 0.5)
    [InlineData(1, 9, 0.0215)]  // 2 · (1 + 10) / 1024 = 0.02148
    public void McNemar_exact_p_values_match_hand_computed_cases(int b, int c, double expected) =>
        Assert.Equal(expected, McNemar.ExactPValue(b, c), 4);

    [Fact]
    public void McNemar_stays_finite_and_accurate_for_ten_thousand_discordant_images()
    {
        // z = 200 / sqrt(10000) = 2: the normal approximation with continuity correction gives p ≈ 0.0466.
        var p = McNemar.ExactPValue(4900, 5100);
        Assert.InRange(p, 0.044, 0.049);
        Assert.Equal(1.0, McNemar.ExactPValue(5000, 5000));
        var tiny = McNemar.ExactPValue(100, 9900);
        Assert.False(double.IsNaN(tiny));
        Assert.InRange(tiny, 0, 1e-300);
        Assert.Equal("significant at 5%", McNemar.Verdict(0.0386));
        Assert.Equal("within chance", McNemar.Verdict(0.06));
    }

    [Fact]
    public void Bootstrap_interval_is_deterministic_and_brackets_the_accuracy()
    {
        var correct = Enumerable.Range(0, 1000).Select(i => i % 10 < 7).ToArray(); // 70% right
        var first = Bootstrap.AccuracyInterval(correct);
        var second = Bootstrap.AccuracyInterval(correct);
        Assert.Equal(first, second);
        Assert.Equal(0.7, first.Accuracy, 12);
        Assert.InRange(first.Lower, 0.66, 0.70);
        Assert.InRange(first.Upper, 0.70, 0.74);
        // Standard error sqrt(0.7 · 0.3 / 1000) = 0.0145, so the 95% interval is about ±0.028 wide.
        Assert.InRange(first.Upper - first.Lower, 0.045, 0.068);
        Assert.NotEqual(first, Bootstrap.AccuracyInterval(correct, seed: Bootstrap.Seed + 1));
    }

    [Fact]
    public void Predictions_pair_only_with_the_same_true_labels()
    {
        var a = new PredictionsFile("0123", "0123");
        var b = new PredictionsFile("0123", "0000");
        var test = PairedTest.TryCreate(a, b, out var note);
        Assert.Null(note);
        Assert.Equal(new PairedTest(4, 3, 0, McNemar.ExactPValue(3, 0)), test);

        Assert.Null(PairedTest.TryCreate(a, new PredictionsFile("3210", "3210"), out note));
        Assert.Contains("different true labels", note, StringComparison.Ordinal);
        Assert.Null(PairedTest.TryCreate(null, b, out note));
        Assert.Equal("no predictions.txt on the base side", note);
    }
}
