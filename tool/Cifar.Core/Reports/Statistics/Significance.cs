using Cifar.Reports.Files;

namespace Cifar.Reports.Statistics;

/// <summary>
/// McNemar's exact test for two classifiers evaluated on the same test images (Dietterich 1998, "Approximate
/// statistical tests for comparing supervised classification learning algorithms"): only the discordant images count.
/// </summary>
public static class McNemar
{
    /// <summary>The level below which a p-value is called significant.</summary>
    public const double Alpha = 0.05;

    /// <summary>
    /// Two-sided exact p-value: p = min(1, 2 · Σ_{k ≤ min(b,c)} C(b+c, k) · 0.5^(b+c)). Summed in log space (binomial
    /// terms built by the ratio C(n,k+1)/C(n,k) = (n−k)/(k+1), then log-sum-exp), so n = b + c in the tens of
    /// thousands neither overflows nor underflows to a wrong 0.
    /// </summary>
    /// <param name="b">Images the base got right and the head got wrong.</param>
    /// <param name="c">Images the base got wrong and the head got right.</param>
    public static double ExactPValue(int b, int c)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(b);
        ArgumentOutOfRangeException.ThrowIfNegative(c);
        var n = b + c;
        var k = Math.Min(b, c);
        // Stryker disable once Equality,Block : equivalent; with 2k = n the sum below is at least 1/2, so min(1, 2·sum) is 1 too.
        if (2 * k >= n)
        {
            return 1.0; // b == c: the tail holds at least half the mass.
        }
        var logTerm = -n * Math.Log(2); // log(C(n,0) · 0.5^n)
        var logTerms = new double[k + 1];
        logTerms[0] = logTerm;
        for (var i = 0; i < k; i++)
        {
            logTerm += Math.Log(n - i) - Math.Log(i + 1);
            logTerms[i + 1] = logTerm;
        }
        var max = logTerms.Max(); // the largest term is the last one, since k < n/2
        var sum = logTerms.Sum(t => Math.Exp(t - max));
        return Math.Min(1.0, Math.Exp(Math.Log(2) + max + Math.Log(sum)));
    }

    /// <summary>"significant at 5%" when p &lt; <see cref="Alpha"/>, else "within chance".</summary>
    public static string Verdict(double pValue) => pValue < Alpha ? "significant at 5%" : "within chance";
}

/// <summary>A bootstrap percentile interval of a test accuracy.</summary>
/// <param name="Accuracy">The observed accuracy (fraction).</param>
/// <param name="Lower">2.5th percentile of the resampled accuracies.</param>
/// <param name="Upper">97.5th percentile of the resampled accuracies.</param>
public sealed record AccuracyInterval(double Accuracy, double Lower, double Upper);

/// <summary>
/// Seeded bootstrap of test accuracy: resample the test images with replacement, recompute accuracy, take the 2.5th
/// and 97.5th percentiles (nearest rank) of the resampled accuracies. The seed is fixed so a report never changes
/// between runs; two sides of the same size draw the same resampled images, which makes their intervals paired.
/// </summary>
public static class Bootstrap
{
    /// <summary>The documented fixed seed of every bootstrap in diffs and comparisons (System.Random, seeded).</summary>
    public const int Seed = 20240229;

    /// <summary>Default number of resamples.</summary>
    public const int DefaultResamples = 1000;

    /// <summary>95% percentile interval of the accuracy of <paramref name="correct"/> (true = right prediction).</summary>
    public static AccuracyInterval AccuracyInterval(IReadOnlyList<bool> correct, int resamples = DefaultResamples, int seed = Seed)
    {
        ArgumentNullException.ThrowIfNull(correct);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        var n = correct.Count;
        if (n == 0)
        {
            return new AccuracyInterval(0, 0, 0);
        }
        var accuracy = (double)correct.Count(c => c) / n;
#pragma warning disable CA5394 // Not security: a seeded, reproducible statistical resample is the point.
        var random = new Random(seed);
        var resampled = new double[resamples];
        for (var r = 0; r < resamples; r++)
        {
            var right = 0;
            for (var i = 0; i < n; i++)
            {
                if (correct[random.Next(n)])
                {
                    right++;
                }
            }
            resampled[r] = (double)right / n;
        }
#pragma warning restore CA5394
        Array.Sort(resampled);
        return new AccuracyInterval(accuracy, NearestRank(resampled, 0.025), NearestRank(resampled, 0.975));
    }

    // Stryker disable once Arithmetic : equivalent; ceil(q·n) <= n for q < 1, so the clamp's upper bound never binds.
    private static double NearestRank(double[] sorted, double quantile) =>
        sorted[Math.Clamp((int)Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>McNemar's test on two report folders' paired test predictions.</summary>
/// <param name="Images">Test images compared (both sides predicted the same images with the same true labels).</param>
/// <param name="BaseRightHeadWrong">b: images only the base got right.</param>
/// <param name="BaseWrongHeadRight">c: images only the head got right.</param>
public sealed record PairedTest(int Images, int BaseRightHeadWrong, int BaseWrongHeadRight, double PValue)
{
    public bool IsSignificant => PValue < McNemar.Alpha;

    /// <summary>"significant at 5%" or "within chance".</summary>
    public string Verdict => McNemar.Verdict(PValue);

    /// <summary>
    /// Pairs two predictions files, or explains why they cannot be paired (a file missing, or different test images).
    /// </summary>
    public static PairedTest? TryCreate(PredictionsFile? basePredictions, PredictionsFile? headPredictions, out string? whyNot)
    {
        whyNot = (basePredictions, headPredictions) switch
        {
            (null, null) => "no predictions.txt on either side",
            (null, _) => "no predictions.txt on the base side",
            (_, null) => "no predictions.txt on the head side",
            var (x, y) when x.TrueLabels != y.TrueLabels =>
                "the sides' predictions.txt have different true labels (not the same test images), so they are not paired",
            _ => null,
        };
        if (whyNot is not null)
        {
            return null;
        }
        var (baseCorrect, headCorrect) = (basePredictions!.Correct(), headPredictions!.Correct());
        int b = 0, c = 0;
        for (var i = 0; i < baseCorrect.Length; i++)
        {
            if (baseCorrect[i] && !headCorrect[i])
            {
                b++;
            }
            else if (!baseCorrect[i] && headCorrect[i])
            {
                c++;
            }
        }
        return new PairedTest(baseCorrect.Length, b, c, McNemar.ExactPValue(b, c));
    }
}
