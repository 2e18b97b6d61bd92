namespace Cifar.Training;

/// <summary>Independent seeds for the trainer's random streams, all derived from the spec's seed.</summary>
internal static class Seeds
{
    public const int Shuffle = 1;
    public const int Dropout = 2;

    /// <summary>SplitMix64 (Steele et al., 2014) over (seed, stream, index): nearby inputs give unrelated seeds.</summary>
    public static long Derive(int seed, int stream, int index)
    {
        var z = unchecked(((ulong)(uint)seed << 32 | (uint)stream) + 0x9E3779B97F4A7C15UL * (ulong)(index + 1));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        // Non-negative: torch.manual_seed takes a long and Generator a ulong; both accept 0..2^63-1 unchanged.
        return (long)((z ^ (z >> 31)) >> 1);
    }
}
