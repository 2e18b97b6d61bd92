namespace Cifar.Augmentation;

/// <summary>
/// Counter-based random draws: every value is a pure function of (seed, epoch, image, stream), with no generator state,
/// so an image's augmentation does not depend on the batch size, the batch order or the thread count. The mix is
/// SplitMix64's finaliser (Steele et al., 2014) applied once per input, which gives unrelated outputs for adjacent
/// inputs, as Philox-style counter generators do (Salmon et al., 2011).
/// </summary>
public static class AugmentationDraws
{
    /// <summary>A stream number per (augmentation step, slot, draw): a step's draws never collide with another step's.</summary>
    public static int Stream(int step, int slot, int draw) => (step << 16) | (slot << 8) | draw;

    public static ulong Hash(int seed, int epoch, long image, int stream)
    {
        var h = Mix(0x243F6A8885A308D3UL ^ (uint)seed);
        h = Mix(h ^ (uint)epoch);
        h = Mix(h ^ unchecked((ulong)image));
        return Mix(h ^ (uint)stream);
    }

    /// <summary>Uniform in [0, 1), 53 bits.</summary>
    public static double Uniform(int seed, int epoch, long image, int stream) =>
        (Hash(seed, epoch, image, stream) >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, count).</summary>
    public static int Below(int seed, int epoch, long image, int stream, int count) =>
        (int)Math.Min(count - 1, Math.Floor(Uniform(seed, epoch, image, stream) * count));

    /// <summary>
    /// Beta(alpha, alpha) from Gamma(alpha) draws (Marsaglia and Tsang, 2000, with the alpha &lt; 1 boost), each uniform
    /// taken from the counter: <paramref name="stream"/> and the next 255 stream numbers belong to this draw.
    /// </summary>
    public static double Beta(int seed, int epoch, long image, int stream, double alpha)
    {
        var counter = 0;
        double Next() => Uniform(seed, epoch, image, stream + (counter++ & 0xFF));
        var a = Gamma(alpha, Next);
        var b = Gamma(alpha, Next);
        return a + b > 0 ? a / (a + b) : 0.5;
    }

    private static double Gamma(double alpha, Func<double> uniform)
    {
        if (alpha < 1)
        {
            var boost = Math.Pow(1 - uniform(), 1 / alpha);
            return Gamma(alpha + 1, uniform) * boost;
        }

        var d = alpha - 1.0 / 3;
        var c = 1 / Math.Sqrt(9 * d);
        // Acceptance is above 95% for every alpha >= 1, so 50 tries fail with probability below 1e-60; then the mean.
        for (var attempt = 0; attempt < 50; attempt++)
        {
            // Box-Muller: one standard normal from two uniforms in (0, 1].
            var normal = Math.Sqrt(-2 * Math.Log(1 - uniform())) * Math.Cos(2 * Math.PI * uniform());
            var v = 1 + c * normal;
            if (v <= 0) continue;
            v = v * v * v;
            var u = 1 - uniform();
            if (Math.Log(u) < 0.5 * normal * normal + d - d * v + d * Math.Log(v)) return d * v;
        }

        return alpha;
    }

    private static ulong Mix(ulong z)
    {
        z = unchecked((z + 0x9E3779B97F4A7C15UL));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }
}
