using static TorchSharp.torch;

namespace Cifar.Models.Transfer;

/// <summary>
/// Turns a batch of dataset images into what a base expects: RGB pixels (uint8 0-255, or float in [0, 1]) of any size
/// in, upsampled bilinearly to <see cref="ImageSize"/> (half-pixel centres, no antialiasing: PyTorch's
/// align_corners=False, TensorFlow's tf.image.resize) and normalised with <see cref="Normalization"/>, out.
/// Meant per batch: a 224x224 float image is 49x a 32x32 one, so whole datasets are never upsampled at once.
/// </summary>
public sealed class BaseInputTransform
{
    public BaseInputTransform(int imageSize, BaseInputNormalization normalization)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 1);
        ArgumentNullException.ThrowIfNull(normalization);
        ImageSize = imageSize;
        Normalization = normalization;
    }

    public int ImageSize { get; }

    public BaseInputNormalization Normalization { get; }

    /// <summary>[N, 3, H, W] uint8 or float images to [N, 3, ImageSize, ImageSize] float32, normalised.</summary>
    public Tensor Apply(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.shape[1] != 3)
            throw new ArgumentException($"Expected images [N, 3, H, W]; got [{string.Join(", ", images.shape)}].", nameof(images));
        using var scope = NewDisposeScope();
        var x = images.dtype == ScalarType.Byte ? images.to_type(ScalarType.Float32).div_(255f) : images.to_type(ScalarType.Float32);
        if (x.shape[2] != ImageSize || x.shape[3] != ImageSize)
            x = nn.functional.interpolate(x, [ImageSize, ImageSize], mode: InterpolationMode.Bilinear, align_corners: false);
        return Normalization.Apply(x).MoveToOuterDisposeScope();
    }
}
