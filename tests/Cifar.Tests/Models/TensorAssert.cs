using static TorchSharp.torch;

namespace Cifar.Tests.Models;

internal static class TensorAssert
{
    /// <summary>Same shape, type and every element bit-equal (TorchSharp's Tensor.equal is elementwise).</summary>
    public static bool Identical(Tensor a, Tensor b)
    {
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape)) return false;
        using var same = a.eq(b);
        using var all = same.all();
        return all.item<bool>();
    }
}
