using static TorchSharp.torch;

namespace Cifar.Reproducibility;

/// <summary>The one place a run's global random state and thread count are set, first thing in a run.</summary>
public static class RunSeeding
{
    /// <summary>Seeds libtorch's global generator and fixes its thread count; returns the thread count used.</summary>
    public static int Configure(int seed, int? threads)
    {
        int count = threads ?? Environment.ProcessorCount;
        set_num_threads(count);
        manual_seed(seed);
        return count;
    }
}
