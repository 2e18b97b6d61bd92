using System.Globalization;

namespace Cifar.Specs;

/// <summary>
/// Zeros added around a conv2d's input to reproduce Keras' <c>padding: same</c>. TensorFlow puts the odd pixel of an
/// odd total at the bottom/right (total = max((out - 1) * stride + kernel - in, 0), top = total / 2), which PyTorch's
/// symmetric conv padding cannot express, so an asymmetric case is padded explicitly before the convolution.
/// </summary>
public readonly record struct ConvPadding(int Top, int Bottom, int Left, int Right)
{
    public bool IsSymmetric => Top == Bottom && Left == Right && Top == Left;
}

/// <summary>One entry of a layer list after shape inference: its Keras name and class, shapes and parameter count.</summary>
/// <param name="Name">Keras' automatic name: conv2d, conv2d_1, max_pooling2d, ... (also the module's state-dict prefix).</param>
/// <param name="Kind">The layer kind; its <see cref="LayerKind.KerasClass"/> is the summary's type column.</param>
/// <param name="InputShape">Without the batch axis: [channels, height, width] for images, [features] when flat.</param>
/// <param name="OutputShape">Same convention as <paramref name="InputShape"/>.</param>
/// <param name="Parameters">All weights, as Keras counts them (batch normalization's moving mean and variance included).</param>
/// <param name="TrainableParameters">Weights the optimizer updates (batch normalization: gamma and beta only).</param>
/// <param name="Padding">Zeros a conv2d adds around its input; all zero for other layers.</param>
public sealed record PlannedLayer(
    LayerSpec Spec,
    LayerKind Kind,
    string Name,
    IReadOnlyList<int> InputShape,
    IReadOnlyList<int> OutputShape,
    long Parameters,
    long TrainableParameters,
    ConvPadding Padding)
{
    /// <summary>Keras' layer class: Conv2D, MaxPooling2D, Flatten, Dense, Dropout, BatchNormalization, ...</summary>
    public string Type => Kind.KerasClass;

    /// <summary>A residual block's own layers, planned (their names continue the model's count: conv2d_1, ...);
    /// empty for other kinds. <see cref="Parameters"/> includes theirs.</summary>
    public IReadOnlyList<PlannedLayer> Inner { get; init; } = [];

    /// <summary>A residual block's projection shortcut, or null (identity, or not a block).</summary>
    public ResidualShortcut? Shortcut { get; init; }
}

/// <summary>Why a layer cannot work on its input.</summary>
public enum LayerProblemReason
{
    /// <summary>A layer that needs an image (conv2d, max_pooling2d, flatten) after the features were flattened.</summary>
    NeedsImage,
    /// <summary>A layer that needs flat features (dense) on an image.</summary>
    NeedsFlat,
    /// <summary>A kernel or window larger than what is left of the image.</summary>
    Shrinks,
    /// <summary>A residual block whose output no shortcut can match, or one with a problem inside (see
    /// <see cref="LayerProblem.Inner"/>).</summary>
    Block,
}

/// <summary>A layer of a list that cannot be built.</summary>
/// <param name="Index">Position of the layer in its list.</param>
/// <param name="Layer">The offending entry (its Line and Column point into the spec); null when its parameters were unreadable.</param>
/// <param name="Message">What is wrong, as the rest of a sentence whose subject is the layer ("shrinks the feature map ...").</param>
/// <param name="Inner">For a problem inside a residual block (the entry at <paramref name="Index"/>): the problem in its
/// own list, which may nest further. Null when the entry itself is at fault.</param>
public sealed record LayerProblem(int Index, LayerKind Kind, LayerSpec? Layer, LayerProblemReason Reason, string Message, LayerProblem? Inner = null)
{
    /// <summary>The problem at the deepest level: the entry to point at.</summary>
    public LayerProblem Innermost => Inner?.Innermost ?? this;

    /// <summary>Keras' automatic name of the entry (conv2d_1), as the summary would show it.</summary>
    public string Name { get; init; } = Kind.Name;
}

/// <summary>
/// Shape inference for a Keras-style layer list, without libtorch: what each layer outputs, how many parameters it
/// has and what Keras would name it, from the rules of <see cref="LayerKinds"/>. The spec validator checks a spec
/// with it, <c>Models.CnnBuilder</c> builds modules from its plan and the summary reads the plan, so what validates
/// is what builds.
/// </summary>
public static class LayerPlanner
{
    /// <summary>Plans every layer, or throws <see cref="CifarUserException"/> (InvalidInput) naming the first layer that cannot work.</summary>
    /// <param name="inputShape">[channels, height, width] for images, [features] for a flat input (a transfer head).</param>
    /// <exception cref="NotSupportedException">A layer record with no <see cref="LayerKinds"/> entry (a bug, not a user error).</exception>
    public static IReadOnlyList<PlannedLayer> Plan(IReadOnlyList<LayerSpec> layers, IReadOnlyList<int> inputShape)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Count is not (1 or 3) || inputShape.Any(d => d < 1))
            throw new ArgumentException($"Input shape must be [channels, height, width] or [features] with positive sizes; got [{string.Join(", ", inputShape)}].", nameof(inputShape));
        // The validator requires a final dense layer, so an empty list here is a bug.
        if (layers.Count == 0) throw new ArgumentException("The layer list is empty.", nameof(layers));

        var plan = new List<PlannedLayer>(layers.Count);
        var problem = Walk(Entries(layers), LayoutOf(inputShape), inputShape, plan.Add, new Dictionary<LayerKind, int>(), 0)
            .FirstOrDefault();
        if (problem is null) return plan;
        var innermost = problem.Innermost;
        var layer = innermost.Layer!;
        var position = layer.Line > 0 ? string.Create(CultureInfo.InvariantCulture, $"line {layer.Line}, column {layer.Column}: ") : "";
        throw new CifarUserException(UserErrorKind.InvalidInput, $"{position}{innermost.Name} {innermost.Message}");
    }

    private static (LayerKind?, LayerSpec?)[] Entries(IReadOnlyList<LayerSpec> layers) => [.. layers.Select(l => (LayerKinds.Of(l), (LayerSpec?)l))];

    /// <summary>
    /// Every problem of a list as the validator reads it: entries whose kind is unknown (null) or whose parameters were
    /// invalid (null layer) were reported already; shapes after them are unknown, so checks that need them are skipped.
    /// </summary>
    /// <param name="inputSizes">The input's sizes, or null when unknown (an invalid <c>data.image_size</c>).</param>
    internal static IReadOnlyList<LayerProblem> Check(
        IReadOnlyList<(LayerKind? Kind, LayerSpec? Layer)> entries, FeatureLayout input, IReadOnlyList<int>? inputSizes) =>
        [.. Walk(entries, input, inputSizes, _ => { }, new Dictionary<LayerKind, int>(), 0)];

    /// <summary>
    /// Follows the features through the list. A layer given the wrong layout is reported and left out (what follows
    /// sees its input); after any other problem the layout is known but the sizes are not.
    /// </summary>
    private static IEnumerable<LayerProblem> Walk(
        IReadOnlyList<(LayerKind? Kind, LayerSpec? Layer)> entries, FeatureLayout layout, IReadOnlyList<int>? sizes,
        Action<PlannedLayer> planned, Dictionary<LayerKind, int> seen, int depth)
    {
        // seen: layers of each kind so far, for Keras' names (conv2d, conv2d_1, ...) in one pass over a long list; a
        // residual block's layers share the count, as Keras names layers uniquely across the whole model.
        if (depth > SpecLimits.MaxResidualNesting)
            throw new ArgumentException($"Residual blocks nest deeper than {SpecLimits.MaxResidualNesting} levels.", nameof(entries));
        for (var i = 0; i < entries.Count; i++)
        {
            var (kind, layer) = entries[i];
            var earlier = 0;
            if (kind is not null)
            {
                earlier = seen.GetValueOrDefault(kind);
                seen[kind] = earlier + 1;
            }
            if (kind is null)
            {
                (layout, sizes) = (FeatureLayout.Either, null); // Anything could follow an entry of unknown kind.
                continue;
            }

            var name = earlier == 0 ? kind.Name : string.Create(CultureInfo.InvariantCulture, $"{kind.Name}_{earlier}");

            if (layout != FeatureLayout.Either && kind.Input != FeatureLayout.Either && kind.Input != layout)
            {
                yield return kind.Input == FeatureLayout.Image
                    ? new LayerProblem(i, kind, layer, LayerProblemReason.NeedsImage, sizes is null
                        ? "needs an image input, but its input is flat; move it before the flatten"
                        : string.Create(CultureInfo.InvariantCulture, $"needs an image input, but its input is flat ({sizes[0]} features); move it before the flatten"))
                    { Name = name }
                    : new LayerProblem(i, kind, layer, LayerProblemReason.NeedsFlat, sizes is null
                        ? "needs a flat input, but its input is an image; add a flatten before it"
                        : string.Create(CultureInfo.InvariantCulture, $"needs a flat input, but its input is an image of {sizes[1]}x{sizes[2]}x{sizes[0]}; add a flatten before it"))
                    { Name = name };
                continue;
            }

            var outputLayout = kind.Output == FeatureLayout.Either ? layout : kind.Output;
            if (layer is null || sizes is null)
            {
                (layout, sizes) = (outputLayout, null);
                continue;
            }

            var innerLayers = kind.Inner(layer);
            var inner = new List<PlannedLayer>(innerLayers.Count);
            var innerProblem = innerLayers.Count == 0
                ? null
                : Walk(Entries(innerLayers), layout, sizes, inner.Add, seen, depth + 1).FirstOrDefault();
            if (innerProblem is not null)
            {
                yield return new LayerProblem(i, kind, layer, LayerProblemReason.Block, innerProblem.Message, innerProblem) { Name = name };
                (layout, sizes) = (outputLayout, null);
                continue;
            }

            var shape = kind.Infer(layer, sizes, inner);
            if (shape.Problem is { } message)
            {
                yield return new LayerProblem(i, kind, layer, kind == LayerKinds.Residual ? LayerProblemReason.Block : LayerProblemReason.Shrinks, message) { Name = name };
                (layout, sizes) = (outputLayout, null);
                continue;
            }

            planned(new PlannedLayer(layer, kind, name, sizes,
                shape.Output, shape.Parameters, shape.Trainable, shape.Padding)
            { Inner = inner, Shortcut = shape.Shortcut });
            (layout, sizes) = (LayoutOf(shape.Output), shape.Output);
        }
    }

    private static FeatureLayout LayoutOf(IReadOnlyList<int> shape) => shape.Count == 3 ? FeatureLayout.Image : FeatureLayout.Flat;
}
