using Cifar.Data;
using MathNet.Numerics.Statistics;
using static TorchSharp.torch;

namespace Cifar.Explain;

/// <summary>
/// Two checks that Grad-CAM maps mean something, with numbers a report can print. Model randomisation (Adebayo et al.
/// 2018, "Sanity Checks for Saliency Maps", arXiv:1810.03292): the maps of a randomly initialised copy of the model
/// must differ from the trained model's. Deletion (Petsiuk et al. 2018, RISE, arXiv:1806.07421): masking the pixels
/// the map ranks highest must lower the explained class's probability more than masking as many random pixels.
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
    /// pixels that its map (upsampled to the input's size) ranks highest are set to 0, against masking the same number
    /// of seeded random pixels. Inputs are normalised, so 0 is the normalisation's mean colour (the training mean for
    /// standardize), not black. Ties in a map are broken by pixel order (a stable sort), so the result repeats.
    /// </summary>
    public static (double Highlighted, double Random) DeletionDrop(
        ExplainableModel model, Tensor inputs, IReadOnlyList<ImportanceMap> maps, IReadOnlyList<long> targets, double fraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(maps);
        ArgumentNullException.ThrowIfNull(targets);
        if (fraction is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "Between 0 and 1, exclusive.");
        if (maps.Count == 0) return (double.NaN, double.NaN);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (batch, height, width) = (inputs.shape[0], (int)inputs.shape[2], (int)inputs.shape[3]);
        var pixels = height * width;
        var masked = (int)Math.Max(1, Math.Round(fraction * pixels));

        var (_, ranked) = GradCam.Upsample(maps, height, width).reshape(batch, pixels).sort(1, descending: true, stable: true);
        var highlighted = ones(batch, pixels).scatter_(1, ranked.narrow(1, 0, masked), zeros(batch, masked));

        var order = SeededSampling.Permutation(pixels, seed, SeededSampling.Stream.DeletionBaseline);
        var random = ones(batch, pixels);
        random.index_fill_(1, tensor(order[..masked].Select(i => (long)i).ToArray()), 0);

        var index = tensor(targets.ToArray()).unsqueeze(1);
        Tensor Probability(Tensor x) => nn.functional.softmax(model.Logits(x), 1).gather(1, index).squeeze(1);
        var original = Probability(inputs);
        double Drop(Tensor keep) => (original - Probability(inputs * keep.reshape(batch, 1, height, width))).mean().item<float>();
        return (Drop(highlighted), Drop(random));
    }

    private static bool IsConstant(float[] values) => values.All(v => v == values[0]);
}
