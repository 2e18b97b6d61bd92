using System.Globalization;

namespace Cifar.Specs;

// Layer lists inside layers: a residual block's `layers`.
internal sealed partial class SpecValidator
{
    /// <summary>Where each layer read so far was written (model.layers[3].residual.layers[1]), so that a shape problem
    /// found later inside a block names its entry. Keyed by reference: two identical layers are two entries.</summary>
    private readonly Dictionary<LayerSpec, string> _layerPaths = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// A residual block's layers: read like the model's (each entry checked, problems at its own line and column),
    /// nested at most <see cref="SpecLimits.MaxResidualNesting"/> deep, and only kinds that take and give an image,
    /// since the block's output is added to its input. Null when any entry has a problem.
    /// </summary>
    /// <param name="depth">1 for a block in model.layers, 2 for a block in that block, ...</param>
    private IReadOnlyList<LayerSpec>? ReadBlockLayers(SpecNode? node, string path, int depth)
    {
        if (node is null) return null;
        if (depth > SpecLimits.MaxResidualNesting)
        {
            Problem(node, $"`{path}` nests residual blocks {depth.ToString(CultureInfo.InvariantCulture)} deep; expected at most {SpecLimits.MaxResidualNesting.ToString(CultureInfo.InvariantCulture)} residual blocks inside one another");
            return null;
        }

        var before = problems.Count;
        var entries = ReadLayers(node, path, head: false, depth);
        if (entries is null) return null;
        var imageKinds = LayerKinds.All.Where(KeepsImage).Select(k => k.Name).ToList();
        foreach (var entry in entries)
        {
            if (entry.Kind is null || KeepsImage(entry.Kind)) continue;
            Problem(entry.Position, $"`{entry.Path}` is a {entry.Kind.Name} inside a residual block; expected layers that keep the image ({string.Join(", ", imageKinds)}), since the block's output is added to its input");
        }

        return problems.Count == before ? [.. entries.Select(e => e.Layer!)] : null;
    }

    /// <summary>Kinds a block can hold: image in, image out. patch_whitening is not one of them: it is set from the
    /// images before training, which <c>KerasSequential.InitializeFromData</c> does for top-level layers only.</summary>
    private static bool KeepsImage(LayerKind kind) =>
        kind.Input != FeatureLayout.Flat && kind.Output != FeatureLayout.Flat && kind != LayerKinds.PatchWhitening;

    /// <summary>Values one image's forward pass keeps: every layer's output, a block's inner layers and shortcut included.</summary>
    private static double OutputValues(IEnumerable<PlannedLayer> plan) => plan.Sum(l =>
        l.OutputShape.Aggregate(1.0, (a, b) => a * b) * (l.Shortcut is null ? 1 : 3) + OutputValues(l.Inner));
}
