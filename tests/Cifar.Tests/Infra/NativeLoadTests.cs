using TorchSharp;

namespace Cifar.Tests.Infra;

public class NativeLoadTests
{
    /// <summary>
    /// Not a TorchFact on purpose: the build marks libLibTorchSharp's GLIBCXX_3.4.32 requirement weak so TorchSharp
    /// loads on Debian 12 / Ubuntu 22.04; if that ever stops working this must fail, not skip.
    /// </summary>
    [Fact]
    public void Libtorch_loads_and_computes()
    {
        using var product = torch.ones(2, 3).matmul(torch.ones(3, 2));
        Assert.Equal(12f, product.sum().item<float>());
    }
}
