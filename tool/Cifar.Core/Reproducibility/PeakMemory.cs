using System.Diagnostics;

namespace Cifar.Reproducibility;

/// <summary>Peak resident memory of this process, native allocations (libtorch) included.</summary>
public static class PeakMemory
{
    public static long WorkingSetBytes()
    {
        using var self = Process.GetCurrentProcess();
        self.Refresh();
        return self.PeakWorkingSet64; // VmHWM on Linux: covers libtorch's native heap, not only the managed one
    }
}
