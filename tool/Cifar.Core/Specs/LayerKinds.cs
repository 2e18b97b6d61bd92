using System.Globalization;

namespace Cifar.Specs;

/// <summary>What flows into or out of a layer: an image [channels, height, width] or a flat [features] vector.</summary>
public enum FeatureLayout
{
    Image,
    Flat,
    /// <summary>As input: either layout; as output: the same layout as the input.</summary>
    Either,
}

/// <summary>
/// One layer kind and everything the tool knows about it except its TorchSharp module: the YAML name (also Keras'
/// automatic layer name), the Keras class shown in the summary, the parameter keys in their documented order, how
/// the parameters are read, what input it takes and the shape rule (output shape, parameter count, padding). The
/// spec vocabulary, the validator, the summary and <c>Models.KerasSequential</c> (which adds the module, one case
/// per kind) all read this table: a new kind is one entry in <see cref="LayerKinds"/>.
/// </summary>
public abstract class LayerKind
{
    private protected LayerKind(string name, string kerasClass, string[] keys, FeatureLayout input, FeatureLayout output)
    {
        Name = name;
        KerasClass = kerasClass;
        Keys = keys;
        Input = input;
        Output = output;
    }

    /// <summary>The YAML key (<c>conv2d</c>), also Keras' automatic name (<c>conv2d</c>, <c>conv2d_1</c>, ...).</summary>
    public string Name { get; }

    /// <summary>Keras' layer class, the summary's type column (<c>Conv2D</c>).</summary>
    public string KerasClass { get; }

    /// <summary>Parameter keys in the documented order.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>The layout the layer needs; <see cref="FeatureLayout.Either"/> takes both.</summary>
    public FeatureLayout Input { get; }

    /// <summary>The layout it gives; <see cref="FeatureLayout.Either"/> keeps the input's.</summary>
    public FeatureLayout Output { get; }

    /// <summary>The record the kind is read into.</summary>
    public abstract Type SpecType { get; }

    /// <summary>A transfer head works on the base's pooled feature vector, so it holds the kinds that take flat input.</summary>
    public bool AllowedInHead => Input != FeatureLayout.Image;

    internal abstract LayerSpec Read(ILayerParameters parameters, int line, int column);

    /// <summary>The layers a block kind holds (a residual block's), planned before <see cref="Infer"/>; empty for others.</summary>
    internal virtual IReadOnlyList<LayerSpec> Inner(LayerSpec layer) => [];

    /// <summary>The shape rule, on input sizes already known to have the layout <see cref="Input"/> asks for.</summary>
    /// <param name="inner">The plan of <see cref="Inner"/> on the same input (empty for kinds that hold no layers).</param>
    internal abstract LayerShape Infer(LayerSpec layer, IReadOnlyList<int> input, IReadOnlyList<PlannedLayer> inner);

    public override string ToString() => Name;
}

/// <summary>What a layer does to its input, or why it cannot work on it (<see cref="Problem"/> set).</summary>
/// <param name="Parameters">All weights, as Keras counts them (batch normalization's moving statistics included).</param>
/// <param name="Trainable">Weights the optimizer updates.</param>
internal readonly record struct LayerShape(IReadOnlyList<int> Output, long Parameters, long Trainable, ConvPadding Padding, string? Problem)
{
    /// <summary>A residual block's projection; null for the identity and for other kinds.</summary>
    public ResidualShortcut? Shortcut { get; init; }

    public static LayerShape Same(IReadOnlyList<int> input) => new(input, 0, 0, default, null);

    public static LayerShape Fail(string problem) => new([], 0, 0, default, problem);
}

/// <summary>How the validator hands a layer's YAML parameters to <see cref="LayerKind"/>: each read reports its own
/// problems and returns null when the key is absent or invalid.</summary>
internal interface ILayerParameters
{
    int? Int(string key, bool required = false, int min = 1);

    double? Number(string key, Interval interval, bool required = false);

    T? Choose<T>(string key, Choice<T>[] choices, bool required = false) where T : struct;

    bool? Bool(string key);

    /// <summary>A nested list of layers (a residual block's), each entry read and checked as a layer of its own;
    /// null when absent or when any entry has a problem.</summary>
    IReadOnlyList<LayerSpec>? Layers(string key);
}

internal sealed class LayerKind<T>(
    string name, string kerasClass, string[] keys, FeatureLayout input, FeatureLayout output,
    Func<ILayerParameters, int, int, T> read, Func<T, IReadOnlyList<int>, LayerShape> infer)
    : LayerKind(name, kerasClass, keys, input, output) where T : LayerSpec
{
    public override Type SpecType => typeof(T);

    internal override LayerSpec Read(ILayerParameters parameters, int line, int column) => read(parameters, line, column);

    internal override LayerShape Infer(LayerSpec layer, IReadOnlyList<int> input, IReadOnlyList<PlannedLayer> inner) => infer((T)layer, input);
}

/// <summary>The residual block: its layers are planned first (by <see cref="LayerPlanner"/>, which names them), then
/// the shortcut is chosen from the block's input and output shapes.</summary>
internal sealed class ResidualKind() : LayerKind("residual", "Residual", ["layers"], FeatureLayout.Image, FeatureLayout.Image)
{
    public override Type SpecType => typeof(ResidualLayer);

    internal override LayerSpec Read(ILayerParameters parameters, int line, int column) =>
        new ResidualLayer(parameters.Layers("layers") ?? [], line, column);

    internal override IReadOnlyList<LayerSpec> Inner(LayerSpec layer) => ((ResidualLayer)layer).Layers;

    /// <summary>
    /// Identity when the block keeps the shape; otherwise a 1x1 convolution (no bias) with stride s, which gives
    /// ceil(n / s) per side, plus a batch normalization: Keras counts in * out + 4 * out weights (2 * out frozen).
    /// </summary>
    internal override LayerShape Infer(LayerSpec layer, IReadOnlyList<int> input, IReadOnlyList<PlannedLayer> inner)
    {
        if (inner.Count == 0) return LayerShape.Fail("has no layers; expected at least one layer in a residual block");
        var output = inner[^1].OutputShape;
        var (parameters, trainable) = (inner.Sum(l => l.Parameters), inner.Sum(l => l.TrainableParameters));
        if (output.Count != 3)
            return LayerShape.Fail("ends with flat features; expected the block's layers to keep an image, so it can be added to the shortcut");
        if (output.SequenceEqual(input)) return new LayerShape(output, parameters, trainable, default, null);

        var (channels, height, width) = (input[0], input[1], input[2]);
        var stride = Enumerable.Range(1, Math.Max(height, width))
            .FirstOrDefault(s => (height + s - 1) / s == output[1] && (width + s - 1) / s == output[2]);
        if (stride == 0)
        {
            return LayerShape.Fail(string.Create(CultureInfo.InvariantCulture,
                $"gives {output[1]}x{output[2]}x{output[0]} from an input of {height}x{width}x{channels}, which no strided 1x1 shortcut can match (stride s gives ceil(side / s)); expected a block that divides height and width by one whole number, e.g. with padding: same"));
        }

        var shortcut = new ResidualShortcut(channels, output[0], stride);
        return new LayerShape(output, parameters + shortcut.Parameters, trainable + shortcut.TrainableParameters, default, null)
        {
            Shortcut = shortcut,
        };
    }
}

/// <summary>A residual block's projection shortcut: a 1x1 convolution without bias from <paramref name="InChannels"/> to
/// <paramref name="OutChannels"/> with <paramref name="Stride"/>, then a batch normalization (Keras defaults: momentum
/// 0.99, epsilon 0.001).</summary>
public sealed record ResidualShortcut(int InChannels, int OutChannels, int Stride)
{
    /// <summary>Keras' count: the kernel, then gamma, beta, moving mean and moving variance.</summary>
    public long Parameters => (long)InChannels * OutChannels + 4L * OutChannels;

    /// <summary>The kernel, gamma and beta.</summary>
    public long TrainableParameters => (long)InChannels * OutChannels + 2L * OutChannels;

    /// <summary>The shortcut's batch normalization: Keras' defaults.</summary>
    public static BatchNormalizationLayer Normalization { get; } = new();
}

/// <summary>The layer kinds a spec can use, in the documented order. Add a kind here (with its record in
/// ExperimentSpec.cs and its module in KerasSequential), then in spec.schema.json and docs/spec-reference.md.</summary>
public static class LayerKinds
{
    public static readonly LayerKind Conv2D = new LayerKind<Conv2DLayer>(
        "conv2d", "Conv2D", ["filters", "kernel_size", "strides", "padding", "activation", "use_bias"], FeatureLayout.Image, FeatureLayout.Image,
        (p, line, column) => new Conv2DLayer(
            p.Int("filters", required: true) ?? 1,
            p.Int("kernel_size", required: true) ?? 1,
            p.Int("strides") ?? 1,
            p.Choose("padding", SpecVocabulary.Paddings) ?? Padding.Valid,
            p.Choose("activation", SpecVocabulary.Activations) ?? Specs.Activation.Linear,
            line, column)
        {
            UseBias = p.Bool("use_bias") ?? true,
        },
        Conv);

    public static readonly LayerKind MaxPooling2D = new LayerKind<MaxPooling2DLayer>(
        "max_pooling2d", "MaxPooling2D", ["pool_size", "strides"], FeatureLayout.Image, FeatureLayout.Image,
        (p, line, column) => new MaxPooling2DLayer(p.Int("pool_size") ?? 2, p.Int("strides"), line, column),
        Pool);

    public static readonly LayerKind Flatten = new LayerKind<FlattenLayer>(
        "flatten", "Flatten", [], FeatureLayout.Image, FeatureLayout.Flat,
        (_, line, column) => new FlattenLayer(line, column),
        (_, input) => new LayerShape([input.Aggregate(1, (a, b) => checked(a * b))], 0, 0, default, null));

    public static readonly LayerKind Dense = new LayerKind<DenseLayer>(
        "dense", "Dense", ["units", "activation"], FeatureLayout.Flat, FeatureLayout.Flat,
        (p, line, column) => new DenseLayer(
            p.Int("units", required: true) ?? 1,
            p.Choose("activation", SpecVocabulary.Activations) ?? Specs.Activation.Linear,
            line, column),
        (d, input) => new LayerShape([d.Units], (long)input[0] * d.Units + d.Units, (long)input[0] * d.Units + d.Units, default, null));

    public static readonly LayerKind Dropout = new LayerKind<DropoutLayer>(
        "dropout", "Dropout", ["rate"], FeatureLayout.Either, FeatureLayout.Either,
        (p, line, column) => new DropoutLayer(p.Number("rate", Interval.Unit, required: true) ?? 0, line, column),
        (_, input) => LayerShape.Same(input));

    /// <summary>Keras normalises the last (channel) axis; gamma (scale) and beta (center) train, the moving mean and
    /// variance do not: Keras counts (scale + center + 2) x channels.</summary>
    public static readonly LayerKind BatchNormalization = new LayerKind<BatchNormalizationLayer>(
        "batch_normalization", "BatchNormalization", ["momentum", "epsilon", "center", "scale"], FeatureLayout.Either, FeatureLayout.Either,
        (p, line, column) => new BatchNormalizationLayer(
            p.Number("momentum", Interval.Unit) ?? 0.99,
            p.Number("epsilon", Interval.Positive) ?? 0.001,
            line, column)
        {
            Center = p.Bool("center") ?? true,
            Scale = p.Bool("scale") ?? true,
        },
        (b, input) =>
        {
            var affine = (b.Center ? 1L : 0) + (b.Scale ? 1L : 0);
            return new LayerShape(input, (affine + 2) * input[0], affine * input[0], default, null);
        });

    /// <summary>Not a Keras layer: airbench's whitening first layer. Its weights are set from data, so Keras would count
    /// them as non-trainable: 2 x (C k k) filters of C x k x k.</summary>
    public static readonly LayerKind PatchWhitening = new LayerKind<PatchWhiteningLayer>(
        "patch_whitening", "PatchWhitening", ["kernel_size", "epsilon"], FeatureLayout.Image, FeatureLayout.Image,
        (p, line, column) => new PatchWhiteningLayer(
            p.Int("kernel_size") ?? 2,
            p.Number("epsilon", Interval.Positive) ?? 5e-4,
            line, column),
        (w, input) =>
        {
            var (channels, height, width) = (input[0], input[1], input[2]);
            if (w.KernelSize > height || w.KernelSize > width)
                return LayerShape.Fail(Shrinks(height, width, "kernel_size", w.KernelSize, "use a smaller kernel_size or a larger data.image_size"));
            var patch = (long)channels * w.KernelSize * w.KernelSize;
            return new LayerShape([checked((int)(2 * patch)), height - w.KernelSize + 1, width - w.KernelSize + 1], 2 * patch * patch, 0, default, null);
        });

    public static readonly LayerKind Rescaling = new LayerKind<RescalingLayer>(
        "rescaling", "Rescaling", ["scale", "offset"], FeatureLayout.Either, FeatureLayout.Either,
        (p, line, column) => new RescalingLayer(
            p.Number("scale", Interval.Any, required: true) ?? 1,
            p.Number("offset", Interval.Any) ?? 0,
            line, column),
        (_, input) => LayerShape.Same(input));

    /// <summary>Keras' Activation layer: no weights, any layout.</summary>
    public static readonly LayerKind Activation = new LayerKind<ActivationLayer>(
        "activation", "Activation", ["type"], FeatureLayout.Either, FeatureLayout.Either,
        (p, line, column) => new ActivationLayer(p.Choose("type", SpecVocabulary.Activations, required: true) ?? Specs.Activation.Linear, line, column),
        (_, input) => LayerShape.Same(input));

    public static readonly LayerKind GlobalAveragePooling2D = new LayerKind<GlobalAveragePooling2DLayer>(
        "global_average_pooling2d", "GlobalAveragePooling2D", [], FeatureLayout.Image, FeatureLayout.Flat,
        (_, line, column) => new GlobalAveragePooling2DLayer(line, column),
        (_, input) => new LayerShape([input[0]], 0, 0, default, null));

    public static readonly LayerKind GlobalMaxPooling2D = new LayerKind<GlobalMaxPooling2DLayer>(
        "global_max_pooling2d", "GlobalMaxPooling2D", [], FeatureLayout.Image, FeatureLayout.Flat,
        (_, line, column) => new GlobalMaxPooling2DLayer(line, column),
        (_, input) => new LayerShape([input[0]], 0, 0, default, null));

    /// <summary>A block of image layers plus a shortcut (see <see cref="ResidualLayer"/>).</summary>
    public static readonly LayerKind Residual = new ResidualKind();

    public static readonly IReadOnlyList<LayerKind> All =
    [
        Conv2D, MaxPooling2D, Flatten, Dense, Dropout, BatchNormalization, Activation, GlobalAveragePooling2D, GlobalMaxPooling2D, Residual, PatchWhitening, Rescaling,
    ];

    /// <summary>The kind named <paramref name="name"/> in YAML, or null.</summary>
    public static LayerKind? Find(string name) => All.FirstOrDefault(k => k.Name == name);

    /// <summary>The kind of a layer record.</summary>
    /// <exception cref="NotSupportedException">A record type with no entry here (a bug, not a user error).</exception>
    public static LayerKind Of(LayerSpec layer)
    {
        ArgumentNullException.ThrowIfNull(layer);
        return All.FirstOrDefault(k => k.SpecType == layer.GetType())
            ?? throw new NotSupportedException($"Layer type {layer.GetType().Name} has no entry in LayerKinds.");
    }

    /// <summary>
    /// Keras' conv2d: 'valid' gives floor((n - k) / s) + 1 per side and needs k &lt;= n; 'same' gives ceil(n / s), with
    /// TensorFlow's padding (see <see cref="ConvPadding"/>). Parameters: k * k * in_channels * filters, plus filters
    /// with use_bias.
    /// </summary>
    private static LayerShape Conv(Conv2DLayer c, IReadOnlyList<int> input)
    {
        var (channels, height, width) = (input[0], input[1], input[2]);
        int outH, outW;
        ConvPadding padding = default;
        if (c.Padding == Padding.Valid)
        {
            if (c.KernelSize > height || c.KernelSize > width)
                return LayerShape.Fail(Shrinks(height, width, "kernel_size", c.KernelSize, "use padding: same, fewer poolings or a larger data.image_size"));
            (outH, outW) = ((height - c.KernelSize) / c.Strides + 1, (width - c.KernelSize) / c.Strides + 1);
        }
        else
        {
            (outH, outW) = (CeilDiv(height, c.Strides), CeilDiv(width, c.Strides));
            var padH = Math.Max((outH - 1) * c.Strides + c.KernelSize - height, 0);
            var padW = Math.Max((outW - 1) * c.Strides + c.KernelSize - width, 0);
            padding = new ConvPadding(padH / 2, padH - padH / 2, padW / 2, padW - padW / 2);
        }
        var parameters = (long)c.KernelSize * c.KernelSize * channels * c.Filters + (c.UseBias ? c.Filters : 0);
        return new LayerShape([c.Filters, outH, outW], parameters, parameters, padding, null);
    }

    /// <summary>Keras' default padding 'valid': windows that do not fit are dropped (PyTorch's ceil_mode=false).</summary>
    private static LayerShape Pool(MaxPooling2DLayer p, IReadOnlyList<int> input)
    {
        var (height, width) = (input[1], input[2]);
        var strides = p.EffectiveStrides;
        if (p.PoolSize > height || p.PoolSize > width)
            return LayerShape.Fail(Shrinks(height, width, "pool_size", p.PoolSize, "use fewer poolings, padding: same or a larger data.image_size"));
        return LayerShape.Same([input[0], (height - p.PoolSize) / strides + 1, (width - p.PoolSize) / strides + 1]);
    }

    private static string Shrinks(int height, int width, string key, int window, string hint) => string.Create(CultureInfo.InvariantCulture,
        $"shrinks the feature map below 1x1: its input is {height}x{width}, smaller than {key} {window}; expected an input of at least {window}x{window} ({hint})");

    private static int CeilDiv(int a, int b) => (a + b - 1) / b;
}
