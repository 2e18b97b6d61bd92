using static TorchSharp.torch;

namespace Cifar.Explain;

/// <summary>Grad-CAM maps of chosen test images and the two checks of <see cref="GradCamChecks"/>.</summary>
/// <param name="Layer">The explained layer.</param>
/// <param name="Maps">One per explained image, for its predicted class, in the order the images were given.</param>
/// <param name="RandomizationSpearman">Mean rank correlation with a randomly initialised copy's maps (NaN: no image counted).</param>
/// <param name="RandomizationImages">Images that mean is over.</param>
/// <param name="DeletedFraction">Share of each image's pixels the deletion check masks.</param>
/// <param name="HighlightedDeletionDrop">Mean drop of the predicted class's probability with the top-ranked pixels masked.</param>
/// <param name="RandomDeletionDrop">The same with the top-ranked pixels of a random map of the same resolution masked.</param>
/// <param name="DeletionWins">Images whose probability dropped more with their map's pixels masked than with the random map's.</param>
/// <param name="DeletionLosses">Images where it dropped less (ties count as neither).</param>
public sealed record Explanation(
    string Layer,
    IReadOnlyList<ImportanceMap> Maps,
    double RandomizationSpearman,
    int RandomizationImages,
    double DeletedFraction,
    double HighlightedDeletionDrop,
    double RandomDeletionDrop,
    int DeletionWins,
    int DeletionLosses);

/// <summary>Explains a batch of test images with Grad-CAM and checks the maps.</summary>
public static class Explanations
{
    /// <summary>Share of pixels the deletion check masks: 20%, enough to hide an object's distinctive part on a
    /// 32x32 image without blanking it.</summary>
    public const double DeletedFraction = 0.2;

    /// <summary>Images per Grad-CAM pass: bounds the memory of a 224x224 transfer input.</summary>
    private const int BatchSize = 32;

    /// <summary>
    /// Maps of <paramref name="inputs"/> (model input, normalised and resized as in evaluation) for
    /// <paramref name="targets"/>, from <paramref name="trained"/>; the randomisation check compares them with
    /// <paramref name="randomised"/>'s maps of the same images and classes. Both models must be in eval mode.
    /// </summary>
    public static Explanation Explain(ExplainableModel trained, ExplainableModel randomised, Tensor inputs, IReadOnlyList<long> targets, int seed)
    {
        ArgumentNullException.ThrowIfNull(trained);
        ArgumentNullException.ThrowIfNull(randomised);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        var maps = new List<ImportanceMap>();
        var randomMaps = new List<ImportanceMap>();
        var highlighted = new List<float>();
        var random = new List<float>();
        for (var start = 0; start < targets.Count; start += BatchSize)
        {
            using var scope = NewDisposeScope();
            var size = Math.Min(BatchSize, targets.Count - start);
            var batch = inputs.narrow(0, start, size);
            var batchTargets = targets.Skip(start).Take(size).ToList();
            var batchMaps = GradCam.Maps(trained, batch, batchTargets);
            maps.AddRange(batchMaps);
            randomMaps.AddRange(GradCam.Maps(randomised, batch, batchTargets));
            var (top, baseline) = GradCamChecks.DeletionDrop(trained, batch, batchMaps, batchTargets, DeletedFraction, seed);
            highlighted.AddRange(top);
            random.AddRange(baseline);
        }
        var (spearman, counted) = GradCamChecks.RandomizationCorrelation(maps, randomMaps);
        var pairs = highlighted.Zip(random).ToList();
        return new Explanation(trained.LayerName, maps, spearman, counted, DeletedFraction,
            pairs.Count > 0 ? highlighted.Average(v => (double)v) : double.NaN,
            pairs.Count > 0 ? random.Average(v => (double)v) : double.NaN,
            pairs.Count(p => p.First > p.Second), pairs.Count(p => p.First < p.Second));
    }
}
