using Cifar.Reproducibility;

namespace Cifar.Tests.Reproducibility;

public class NativeHeapTests
{
    /// <summary>The trim is called after every fine-tuning batch: it must be harmless where it works and where it cannot.</summary>
    [Fact]
    public void Trim_can_be_called_repeatedly_on_any_platform()
    {
        for (int i = 0; i < 3; i++) NativeHeap.Trim();
    }
}
