using Cifar.Specs;
using static TorchSharp.torch;

namespace Cifar.Models;

/// <summary>Builds Keras-style models from a spec's layer list and reports their Keras summary.</summary>
public static class CnnBuilder
{
    /// <summary>The CNN of a <c>model: {type: cnn}</c> spec on 3 x imageSize x imageSize input, initialised from <paramref name="seed"/>.</summary>
    /// <exception cref="CifarUserException">A layer cannot work on its input (e.g. a kernel larger than the remaining image).</exception>
    public static KerasSequential Build(CnnModelSpec spec, int imageSize, long seed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        return Build(spec.Layers, ImageShape(imageSize), generator);
    }

    /// <summary>
    /// A model for any layer list, e.g. a transfer model's head on [features] input.
    /// <paramref name="generator"/> null draws the initial weights from torch's default generator.
    /// </summary>
    /// <param name="inputShape">[channels, height, width] or [features], without the batch axis.</param>
    public static KerasSequential Build(
        IReadOnlyList<LayerSpec> layers, IReadOnlyList<int> inputShape, Generator? generator = null, string name = "sequential")
        => new(name, LayerPlanner.Plan(layers, inputShape), generator);

    /// <summary>Keras' model.summary() for the CNN on 3 x imageSize x imageSize input, without building it (no libtorch).</summary>
    public static ModelSummary Summarize(CnnModelSpec spec, int imageSize)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return Summarize(LayerPlanner.Plan(spec.Layers, ImageShape(imageSize)));
    }

    /// <summary>
    /// The summary rows of a plan: a layer is trainable unless it has weights and none of them train (patch whitening's
    /// filters, fixed from the training images); batch norm counts as trainable, its moving statistics as frozen weights.
    /// A residual block is a row counting all its weights, followed by a row for each of its layers and shortcut
    /// modules, named by their path in the model (<c>residual/conv2d_1</c>, <c>residual/shortcut_conv</c>), as Keras'
    /// summary(expand_nested=True) lists a nested model's layers under it. The totals count each weight once.
    /// </summary>
    public static ModelSummary Summarize(IReadOnlyList<PlannedLayer> plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var rows = new List<LayerSummary>();
        AddRows(plan, "", rows);
        return new ModelSummary(rows, plan.Sum(l => l.TrainableParameters), plan.Sum(l => l.Parameters));
    }

    private static void AddRows(IReadOnlyList<PlannedLayer> plan, string prefix, List<LayerSummary> rows)
    {
        foreach (var layer in plan)
        {
            rows.Add(new LayerSummary(prefix + layer.Name, layer.Type, layer.OutputShape, layer.Parameters,
                Trainable: layer.Parameters == 0 || layer.TrainableParameters > 0));
            var inner = prefix + layer.Name + "/";
            AddRows(layer.Inner, inner, rows);
            if (layer.Shortcut is not { } shortcut) continue;
            rows.Add(new LayerSummary(inner + "shortcut_conv", LayerKinds.Conv2D.KerasClass, layer.OutputShape,
                (long)shortcut.InChannels * shortcut.OutChannels, Trainable: true));
            rows.Add(new LayerSummary(inner + "shortcut_bn", LayerKinds.BatchNormalization.KerasClass, layer.OutputShape,
                4L * shortcut.OutChannels, Trainable: true));
        }
    }

    private static int[] ImageShape(int imageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 1);
        return [3, imageSize, imageSize];
    }
}
