using MathNet.Numerics.Distributions;

namespace Cifar.Reports.Statistics;

/// <summary>
/// A metric across the seeds of a multi-seed run: mean, sample standard deviation (n − 1), and the 95% interval of
/// the mean from Student's t with n − 1 degrees of freedom (mean ± t₀.₉₇₅,ₙ₋₁ · sd / √n). The half-width is the
/// noise floor a report states: "±x at 95%, n seeds".
/// </summary>
/// <param name="Count">Seeds, n ≥ 2.</param>
public sealed record SeedSummary(int Count, double Mean, double StandardDeviation, double Min, double Max, double HalfWidth)
{
    /// <summary>The confidence level of every interval in a multi-seed report.</summary>
    public const double Level = 0.95;

    public double Lower => Mean - HalfWidth;

    public double Upper => Mean + HalfWidth;

    /// <summary>Summarises one value per seed.</summary>
    /// <exception cref="ArgumentException">Fewer than 2 values (no spread to measure) or a non-finite one.</exception>
    public static SeedSummary Of(IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count < 2) throw new ArgumentException("A spread needs at least 2 seeds.", nameof(values));
        if (values.Any(v => !double.IsFinite(v))) throw new ArgumentException("Every value must be finite.", nameof(values));
        var n = values.Count;
        var mean = values.Average();
        var sd = SampleStandardDeviation(values, mean);
        var t = StudentT.InvCDF(0, 1, n - 1, 1 - (1 - Level) / 2);
        return new SeedSummary(n, mean, sd, values.Min(), values.Max(), t * sd / Math.Sqrt(n));
    }

    internal static double SampleStandardDeviation(IReadOnlyList<double> values, double mean) =>
        Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
}

/// <summary>
/// Welch's unequal-variances t test between the per-seed values of two multi-seed runs (Welch 1947): t = (m₂ − m₁) /
/// √(s₁²/n₁ + s₂²/n₂), degrees of freedom by Welch–Satterthwaite, two-sided p-value from Student's t. It asks whether
/// the head's mean differs from the base's by more than seed noise, which a single run per side cannot tell.
/// </summary>
/// <param name="T">The statistic, head minus base (negative when the head's mean is lower).</param>
/// <param name="DegreesOfFreedom">Welch–Satterthwaite; NaN when both sides have no spread.</param>
public sealed record WelchTest(int BaseCount, double BaseMean, int HeadCount, double HeadMean, double T, double DegreesOfFreedom, double PValue)
{
    /// <summary>The level below which a p-value is called significant (the same as McNemar's).</summary>
    public const double Alpha = McNemar.Alpha;

    public bool IsSignificant => PValue < Alpha;

    /// <summary>"significant at 5%", or "within noise" when the seeds cannot tell the means apart.</summary>
    public string Verdict => IsSignificant ? "significant at 5%" : "within noise";

    /// <summary>
    /// Tests <paramref name="head"/> against <paramref name="baseValues"/>, two or more values each. When neither side
    /// varies at all, t is undefined: equal means give p = 1 and different means p = 0 (every seed agrees).
    /// </summary>
    public static WelchTest Of(IReadOnlyList<double> baseValues, IReadOnlyList<double> head)
    {
        ArgumentNullException.ThrowIfNull(baseValues);
        ArgumentNullException.ThrowIfNull(head);
        if (baseValues.Count < 2 || head.Count < 2) throw new ArgumentException("Welch's t test needs at least 2 values a side.");
        var (n1, n2) = (baseValues.Count, head.Count);
        var (m1, m2) = (baseValues.Average(), head.Average());
        var v1 = Square(SeedSummary.SampleStandardDeviation(baseValues, m1)) / n1;
        var v2 = Square(SeedSummary.SampleStandardDeviation(head, m2)) / n2;
        var variance = v1 + v2;
        if (variance == 0)
        {
            var same = m1 == m2;
            return new WelchTest(n1, m1, n2, m2, same ? 0 : Math.CopySign(double.PositiveInfinity, m2 - m1), double.NaN, same ? 1 : 0);
        }
        var t = (m2 - m1) / Math.Sqrt(variance);
        var df = Square(variance) / (Square(v1) / (n1 - 1) + Square(v2) / (n2 - 1));
        var p = 2 * StudentT.CDF(0, 1, df, -Math.Abs(t));
        return new WelchTest(n1, m1, n2, m2, t, df, Math.Min(1, p));
    }

    private static double Square(double x) => x * x;
}
