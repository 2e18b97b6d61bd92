using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Models.Transfer;

/// <summary>
/// What a pretrained base expects as input, starting from RGB pixels scaled to [0, 1]: optionally reorder the channels
/// to BGR, multiply by <see cref="Scale"/>, subtract <see cref="Mean"/> and divide by <see cref="Std"/> (both given in the
/// base's own channel order). Applying it commutes with bilinear resizing, so it may run before or after upsampling.
/// </summary>
public sealed record BaseInputNormalization
{
    public BaseInputNormalization(bool bgr, double scale, IReadOnlyList<double> mean, IReadOnlyList<double> std)
    {
        if (mean.Count != 3 || std.Count != 3) throw new ArgumentException("Mean and std need one value per channel.");
        if (std.Any(s => s <= 0)) throw new ArgumentException("Std values must be positive.", nameof(std));
        Bgr = bgr;
        Scale = scale;
        Mean = [.. mean];
        Std = [.. std];
    }

    /// <summary>torchvision's ImageNet models: RGB in [0, 1], mean (0.485, 0.456, 0.406), std (0.229, 0.224, 0.225).</summary>
    public static BaseInputNormalization TorchVision { get; } = new(false, 1.0, [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]);

    /// <summary>
    /// The CNTK ResNet18 shipped by ML.NET: BGR, 0-255, minus per-channel means, no std. The means are the per-channel
    /// averages of the 224x224 mean image in ML.NET's ResNetPreprocess.onnx (B 103.06, G 115.90, R 123.15); a
    /// per-channel mean, unlike the mean image, also fits image sizes other than 224.
    /// </summary>
    public static BaseInputNormalization Cntk { get; } = new(true, 255.0, [103.0626, 115.9029, 123.1516], [1.0, 1.0, 1.0]);

    public bool Bgr { get; }

    public double Scale { get; }

    public IReadOnlyList<double> Mean { get; }

    public IReadOnlyList<double> Std { get; }

    /// <summary>A stable one-line description, e.g. for cache keys and reports.</summary>
    public string Description => string.Create(
        CultureInfo.InvariantCulture,
        $"{(Bgr ? "bgr" : "rgb")} x{Scale:R} mean({string.Join(',', Mean.Select(m => m.ToString("R", CultureInfo.InvariantCulture)))}) std({string.Join(',', Std.Select(s => s.ToString("R", CultureInfo.InvariantCulture)))})");

    public bool Equals(BaseInputNormalization? other) =>
        other is not null && Description == other.Description;

    public override int GetHashCode() => Description.GetHashCode(StringComparison.Ordinal);

    /// <summary>Normalises RGB images in [0, 1] of shape [N, 3, H, W] (float32) for the base.</summary>
    public Tensor Apply(Tensor rgb01)
    {
        using var scope = NewDisposeScope();
        var x = Bgr ? rgb01.flip(1) : rgb01;
        // Fold scale, mean and std into one multiply-add per channel: (x * scale - mean) / std.
        var multiplier = tensor(Std.Select(s => (float)(Scale / s)).ToArray(), dtype: float32).view(1, 3, 1, 1);
        var offset = tensor(Mean.Zip(Std, (m, s) => (float)(-m / s)).ToArray(), dtype: float32).view(1, 3, 1, 1);
        return x.mul(multiplier).add_(offset).MoveToOuterDisposeScope();
    }
}
