using static TorchSharp.torch;

namespace Cifar.Augmentation;

/// <summary>TorchVision's colour adjustments (torchvision.transforms.v2.functional) on float [B,3,H,W] batches with values
/// 0..255, each with a per-image factor [B,1,1,1]: a blend of the image with a degenerate one, clamped to 0..255.</summary>
internal static class ColorOps
{
    /// <summary>ITU-R 601-2 luma, as TorchVision's rgb_to_grayscale: [B,1,H,W].</summary>
    public static Tensor Grayscale(Tensor x)
    {
        var (r, g, b) = (x.narrow(1, 0, 1), x.narrow(1, 1, 1), x.narrow(1, 2, 1));
        return r.mul(0.2989).add_(g.mul(0.587)).add_(b.mul(0.114));
    }

    private static Tensor Blend(Tensor x, Tensor degenerate, Tensor factor) =>
        x.mul(factor).add_(degenerate.mul(factor.neg().add(1))).clamp_(0, 255);

    public static Tensor Brightness(Tensor x, Tensor factor) => x.mul(factor).clamp_(0, 255);

    public static Tensor Contrast(Tensor x, Tensor factor) =>
        Blend(x, Grayscale(x).mean([1, 2, 3], keepdim: true), factor);

    public static Tensor Saturation(Tensor x, Tensor factor) => Blend(x, Grayscale(x), factor);

    /// <summary>TorchVision's adjust_sharpness: blend with a 3x3 smoothing ([1 1 1; 1 5 1; 1 1 1] / 13) of the interior,
    /// border pixels kept.</summary>
    public static Tensor Sharpness(Tensor x, Tensor factor)
    {
        var c = x.shape[1];
        using var kernel = tensor(new float[] { 1, 1, 1, 1, 5, 1, 1, 1, 1 }).div(13).view(1, 1, 3, 3).expand(c, 1, 3, 3).contiguous();
        var blurred = nn.functional.conv2d(x, kernel, groups: c);
        var degenerate = x.clone();
        degenerate.narrow(2, 1, x.shape[2] - 2).narrow(3, 1, x.shape[3] - 2).copy_(blurred);
        return Blend(x, degenerate, factor);
    }

    /// <summary>Back to uint8, rounding to nearest.</summary>
    public static Tensor ToBytes(Tensor x) => x.round().clamp_(0, 255).to_type(ScalarType.Byte);
}
