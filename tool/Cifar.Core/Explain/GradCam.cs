using static TorchSharp.torch;

namespace Cifar.Explain;

/// <summary>A classifier cut in two at the layer Grad-CAM explains.</summary>
/// <param name="LayerName">The layer whose activations are weighted (e.g. <c>conv2d_3</c>, <c>layer4</c>).</param>
/// <param name="Features">Input batch to that layer's activations [B, K, h, w].</param>
/// <param name="Classifier">Those activations to class logits [B, classes].</param>
public sealed record ExplainableModel(string LayerName, Func<Tensor, Tensor> Features, Func<Tensor, Tensor> Classifier)
{
    /// <summary>The whole model: logits of an input batch.</summary>
    public Tensor Logits(Tensor inputs) => Classifier(Features(inputs));
}

/// <summary>A map of importance over an image, row-major, values in 0..1 (1 = the map's maximum).</summary>
public sealed record ImportanceMap(float[] Values, int Width, int Height);

/// <summary>
/// Grad-CAM (Selvaraju et al. 2017, arXiv:1610.02391): the explained layer's activation maps A_k, weighted by the mean
/// gradient of the class score over each map, summed and passed through a ReLU: ReLU(sum_k mean(dy_c/dA_k) A_k).
/// Each map is divided by its maximum (as pytorch-grad-cam does), so maps compare by shape, not by scale.
/// </summary>
public static class GradCam
{
    /// <summary>
    /// One map per image of <paramref name="inputs"/> for the class in <paramref name="targets"/> (usually the
    /// prediction: what made the model say it). Run the model in eval mode: dropout and batch statistics would change
    /// the map. A map whose weighted sum is nowhere positive is all zeros.
    /// </summary>
    public static IReadOnlyList<ImportanceMap> Maps(ExplainableModel model, Tensor inputs, IReadOnlyList<long> targets)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        if (inputs.shape[0] != targets.Count)
            throw new ArgumentException($"{inputs.shape[0]} images but {targets.Count} target classes.", nameof(targets));
        if (targets.Count == 0) return [];
        using var scope = NewDisposeScope();
        using var gradients = enable_grad();
        Tensor features;
        using (no_grad()) features = model.Features(inputs);
        if (features.dim() != 4)
            throw new InvalidOperationException($"Layer {model.LayerName} outputs [{string.Join(", ", features.shape)}]; Grad-CAM needs [batch, channels, height, width].");
        var activations = features.detach().requires_grad_(true);
        var logits = model.Classifier(activations);
        using var index = tensor(targets.ToArray()).unsqueeze(1);
        // Images are independent in eval mode, so the gradient of the summed scores is each image's own gradient.
        var score = logits.gather(1, index).sum();
        var gradient = autograd.grad([score], [activations])[0];
        var weights = gradient.mean([2, 3], keepdim: true);
        var cam = nn.functional.relu((weights * activations).sum(1)).detach();
        var peak = cam.amax([1, 2], keepdim: true);
        cam = where(peak > 0, cam / peak.clamp_min(float.Epsilon), zeros_like(cam)).contiguous();
        var (height, width) = ((int)cam.shape[1], (int)cam.shape[2]);
        var values = cam.data<float>().ToArray();
        var maps = new ImportanceMap[targets.Count];
        for (var i = 0; i < maps.Length; i++)
            maps[i] = new ImportanceMap(values[(i * height * width)..((i + 1) * height * width)], width, height);
        return maps;
    }

    /// <summary>Each map resized to <paramref name="height"/> x <paramref name="width"/> with bilinear interpolation
    /// (align_corners false, as a heatmap over the image draws it): float [B, H, W].</summary>
    public static Tensor Upsample(IReadOnlyList<ImportanceMap> maps, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(maps);
        using var scope = NewDisposeScope();
        var stacked = stack(maps.Select(m => tensor(m.Values).reshape(1, m.Height, m.Width)).ToList());
        var resized = nn.functional.interpolate(stacked, size: [height, width], mode: InterpolationMode.Bilinear, align_corners: false);
        return resized.squeeze(1).MoveToOuterDisposeScope();
    }
}
