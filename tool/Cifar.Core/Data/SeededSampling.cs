namespace Cifar.Data;

/// <summary>
/// Index sampling for subsets and the validation split. Uses its own SplitMix64 generator (Steele et al., 2014)
/// rather than System.Random, whose seeded sequence .NET does not promise to keep across versions, and rather than
/// torch's global generator, so preparing data does not shift the random stream model initialisation uses.
/// </summary>
internal static class SeededSampling
{
    /// <summary>Independent streams derived from the spec seed, one per use.</summary>
    internal enum Stream : ulong
    {
        TrainSubset = 1,
        TestSubset = 2,
        ValidationSplit = 3,

        /// <summary>The training images the report's dataset overview shows.</summary>
        OverviewSamples = 4,

        /// <summary>The test images the report explains (Grad-CAM).</summary>
        ExplainSelection = 5,

        /// <summary>The random pixels the deletion check masks for comparison.</summary>
        DeletionBaseline = 6,
    }

    /// <summary><paramref name="k"/> distinct indices of [0, n), chosen by seed, returned in ascending order.</summary>
    public static int[] Sample(int n, int k, int seed, Stream stream)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(k, n);
        var chosen = Permutation(n, seed, stream)[..k];
        Array.Sort(chosen);
        return chosen;
    }

    /// <summary>A seeded permutation of [0, n) (Fisher-Yates).</summary>
    public static int[] Permutation(int n, int seed, Stream stream)
    {
        var indices = Enumerable.Range(0, n).ToArray();
        var state = (ulong)(uint)seed ^ ((ulong)stream * 0x9E3779B97F4A7C15UL);
        for (var i = n - 1; i > 0; i--)
        {
            var j = (int)Math.BigMul(Next(ref state), (ulong)(i + 1), out _); // uniform in [0, i] (Lemire's multiply-high)
            (indices[i], indices[j]) = (indices[j], indices[i]);
        }

        return indices;
    }

    private static ulong Next(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
