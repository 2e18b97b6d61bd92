using Cifar.Data;
using MathNet.Numerics.Statistics;
using static TorchSharp.torch;

namespace Cifar.Explain;

/// <summary>
/// Two checks that Grad-CAM maps mean something, with numbers a report can print. Model randomisation (Adebayo et al.
/// 2018, "Sanity Checks for Saliency Maps", arXiv:1810.03292): the maps of a randomly initialised copy of the model
/// must differ from the trained model's. Deletion (Petsiuk et al. 2018, RISE, arXiv:1806.07421): masking the pixels
/// the map ranks highest must lower the explained class's probability more than masking as many pixels ranked by a
/// random map of the same resolution.
/// </summary>
public static class GradCamChecks
{
    /// <summary>
    /// Spearman's rank correlation between each trained map and the randomised model's map of the same image and
    /// class, averaged over images. Near 1: the map ignores what the model learned (it would be an edge detector);
    /// near 0 or below: it depends on the weights. Images where either map is constant (no ranking) are left out.
    /// </summary>
    /// <returns>The mean correlation (NaN when no image counts) and how many images it averages.</returns>
    public static (double Mean, int Images) RandomizationCorrelation(IReadOnlyList<ImportanceMap> trained, IReadOnlyList<ImportanceMap> randomised)
    {
        ArgumentNullException.ThrowIfNull(trained);
        ArgumentNullException.ThrowIfNull(randomised);
        if (trained.Count != randomised.Count) throw new ArgumentException("One randomised map per trained map.", nameof(randomised));
        var correlations = new List<double>();
        for (var i = 0; i < trained.Count; i++)
        {
            if (IsConstant(trained[i].Values) || IsConstant(randomised[i].Values)) continue;
            var r = Correlation.Spearman(trained[i].Values.Select(v => (double)v), randomised[i].Values.Select(v => (double)v));
            if (double.IsFinite(r)) correlations.Add(r);
        }
        return (correlations.Count > 0 ? correlations.Average() : double.NaN, correlations.Count);
    }

    /// <summary>
    /// The mean drop in the target class's softmax probability when the <paramref name="fraction"/> of each image's
    /// pixels that its map (upsampled to the input's size) ranks highest are set to 0, against masking the pixels that a
    /// seeded random map of the same resolution, upsampled alike, ranks highest. The control has the map's shape (a few
    /// smooth blobs), only not its placement: scattered random pixels would be a harsher mask than any blob of the same
    /// area (they break every edge in the image), so even a meaningful map would lose to them. Inputs are normalised, so
    /// 0 is the normalisation's mean colour (the training mean for standardize), not black. Ties in a map are broken by
    /// pixel order (a stable sort), so the result repeats.
    /// </summary>
    /// <returns>Per image, in order: the drop with its map's pixels masked, and with the random map's.</returns>
    public static (float[] Highlighted, float[] Random) DeletionDrop(
        ExplainableModel model, Tensor inputs, IReadOnlyList<ImportanceMap> maps, IReadOnlyList<long> targets, double fraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(maps);
        ArgumentNullException.ThrowIfNull(targets);
        if (fraction is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "Between 0 and 1, exclusive.");
        if (maps.Count == 0) return ([], []);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (batch, height, width) = (inputs.shape[0], (int)inputs.shape[2], (int)inputs.shape[3]);
        var pixels = height * width;
        var masked = (int)Math.Max(1, Math.Round(fraction * pixels));

        Tensor MaskOfTop(IReadOnlyList<ImportanceMap> ranking)
        {
            var (_, ranked) = GradCam.Upsample(ranking, height, width).reshape(batch, pixels).sort(1, descending: true, stable: true);
            return ones(batch, pixels).scatter_(1, ranked.narrow(1, 0, masked), zeros(batch, masked));
        }
        var highlighted = MaskOfTop(maps);
        var random = MaskOfTop(RandomMaps(maps, seed));

        var index = tensor(targets.ToArray()).unsqueeze(1);
        Tensor Probability(Tensor x) => nn.functional.softmax(model.Logits(x), 1).gather(1, index).squeeze(1);
        var original = Probability(inputs);
        float[] Drop(Tensor keep) => (original - Probability(inputs * keep.reshape(batch, 1, height, width))).data<float>().ToArray();
        return (Drop(highlighted), Drop(random));
    }

    /// <summary>One map per map given, of its size, whose cells rank in a seeded random order (distinct values, so the
    /// upsampled ranking has the same few-blob shape as a real map's).</summary>
    internal static IReadOnlyList<ImportanceMap> RandomMaps(IReadOnlyList<ImportanceMap> maps, int seed)
    {
        var total = maps.Sum(m => m.Values.Length);
        var order = SeededSampling.Permutation(total, seed, SeededSampling.Stream.DeletionBaseline);
        var offset = 0;
        var random = new List<ImportanceMap>(maps.Count);
        foreach (var map in maps)
        {
            random.Add(map with { Values = [.. order.AsSpan(offset, map.Values.Length).ToArray().Select(v => (float)v / total)] });
            offset += map.Values.Length;
        }
        return random;
    }

    private static bool IsConstant(float[] values) => values.All(v => v == values[0]);
}
