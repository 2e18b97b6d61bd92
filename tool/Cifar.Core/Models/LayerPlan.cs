using System.Globalization;
using Cifar.Specs;

namespace Cifar.Models;

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
/// <param name="Type">Keras' layer class: Conv2D, MaxPooling2D, Flatten, Dense, Dropout, BatchNormalization.</param>
/// <param name="InputShape">Without the batch axis: [channels, height, width] for images, [features] when flat.</param>
/// <param name="OutputShape">Same convention as <paramref name="InputShape"/>.</param>
/// <param name="Parameters">All weights, as Keras counts them (batch normalization's moving mean and variance included).</param>
/// <param name="TrainableParameters">Weights the optimizer updates (batch normalization: gamma and beta only).</param>
/// <param name="Padding">Zeros a conv2d adds around its input; all zero for other layers.</param>
public sealed record PlannedLayer(
    LayerSpec Spec,
    string Name,
    string Type,
    IReadOnlyList<int> InputShape,
    IReadOnlyList<int> OutputShape,
    long Parameters,
    long TrainableParameters,
    ConvPadding Padding);

/// <summary>A layer list that cannot be built, e.g. a kernel larger than what is left of the image.</summary>
/// <param name="Layer">The offending entry (its Line and Column point into the spec).</param>
/// <param name="Message">One line, quoting the bad value, without a location prefix.</param>
public sealed record LayerProblem(LayerSpec Layer, string Message)
{
    /// <summary>The message with the entry's spec position when known: "line 12, column 7: ...".</summary>
    public override string ToString() => Layer.Line > 0
        ? string.Create(CultureInfo.InvariantCulture, $"line {Layer.Line}, column {Layer.Column}: {Message}")
        : Message;
}

/// <summary>
/// Shape inference for a Keras-style layer list, without libtorch: what each layer outputs, how many parameters it
/// has and what Keras would name it. <see cref="CnnBuilder"/> builds modules from the plan; the summary and the spec
/// validator use it directly.
/// </summary>
public static class LayerPlanner
{
    /// <summary>Plans every layer, or throws <see cref="CifarUserException"/> (InvalidInput) naming the first layer that cannot work.</summary>
    /// <param name="inputShape">[channels, height, width] for images, [features] for a flat input (a transfer head).</param>
    /// <exception cref="NotSupportedException">A layer kind this planner does not know (a bug, not a user error).</exception>
    public static IReadOnlyList<PlannedLayer> Plan(IReadOnlyList<LayerSpec> layers, IReadOnlyList<int> inputShape)
    {
        var (plan, problem) = Infer(layers, inputShape);
        return problem is null ? plan : throw new CifarUserException(UserErrorKind.InvalidInput, problem.ToString());
    }

    /// <summary>The problem that stops the plan, or an empty list; shapes after a bad layer are unknown, so at most one.</summary>
    public static IReadOnlyList<LayerProblem> FindProblems(IReadOnlyList<LayerSpec> layers, IReadOnlyList<int> inputShape)
    {
        var (_, problem) = Infer(layers, inputShape);
        return problem is null ? [] : [problem];
    }

    private static (IReadOnlyList<PlannedLayer> Plan, LayerProblem? Problem) Infer(
        IReadOnlyList<LayerSpec> layers, IReadOnlyList<int> inputShape)
    {
        ArgumentNullException.ThrowIfNull(layers);
        ArgumentNullException.ThrowIfNull(inputShape);
        if (inputShape.Count is not (1 or 3) || inputShape.Any(d => d < 1))
            throw new ArgumentException($"Input shape must be [channels, height, width] or [features] with positive sizes; got [{string.Join(", ", inputShape)}].", nameof(inputShape));
        // The validator requires a final dense layer, so an empty list here is a bug.
        if (layers.Count == 0) throw new ArgumentException("The layer list is empty.", nameof(layers));

        var plan = new List<PlannedLayer>(layers.Count);
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        IReadOnlyList<int> shape = inputShape;
        foreach (var layer in layers)
        {
            var (type, baseName) = KerasClass(layer);
            var n = counts.GetValueOrDefault(baseName);
            counts[baseName] = n + 1;
            var name = n == 0 ? baseName : string.Create(CultureInfo.InvariantCulture, $"{baseName}_{n}");

            var step = layer switch
            {
                Conv2DLayer c => Conv(c, name, shape),
                MaxPooling2DLayer p => Pool(p, name, shape),
                FlattenLayer => new Step([shape.Aggregate(1, (a, b) => checked(a * b))], 0, 0, default, null),
                DenseLayer d => Dense(d, name, shape),
                DropoutLayer d => d.Rate is >= 0 and < 1
                    ? new Step(shape, 0, 0, default, null)
                    : Fail(string.Create(CultureInfo.InvariantCulture, $"{name}: rate {d.Rate} must be at least 0 and below 1.")),
                // Keras normalises the last (channel) axis; gamma and beta train, the moving mean and variance do not.
                BatchNormalizationLayer => new Step(shape, 4L * shape[0], 2L * shape[0], default, null),
                _ => throw new NotSupportedException($"Layer kind '{layer.Kind}' ({layer.GetType().Name}) is not supported by the layer planner."),
            };
            if (step.Problem is { } message) return (plan, new LayerProblem(layer, message));
            plan.Add(new PlannedLayer(layer, name, type, shape, step.Output, step.Parameters, step.Trainable, step.Padding));
            shape = step.Output;
        }
        return (plan, null);
    }

    private static (string Type, string BaseName) KerasClass(LayerSpec layer) => layer switch
    {
        Conv2DLayer => ("Conv2D", "conv2d"),
        MaxPooling2DLayer => ("MaxPooling2D", "max_pooling2d"),
        FlattenLayer => ("Flatten", "flatten"),
        DenseLayer => ("Dense", "dense"),
        DropoutLayer => ("Dropout", "dropout"),
        BatchNormalizationLayer => ("BatchNormalization", "batch_normalization"),
        _ => throw new NotSupportedException($"Layer kind '{layer.Kind}' ({layer.GetType().Name}) is not supported by the layer planner."),
    };

    private sealed record Step(IReadOnlyList<int> Output, long Parameters, long Trainable, ConvPadding Padding, string? Problem);

    private static Step Fail(string message) => new([], 0, 0, default, message);

    private static Step Conv(Conv2DLayer c, string name, IReadOnlyList<int> shape)
    {
        if (c.Filters < 1 || c.KernelSize < 1 || c.Strides < 1)
            return Fail(string.Create(CultureInfo.InvariantCulture, $"{name}: filters {c.Filters}, kernel_size {c.KernelSize} and strides {c.Strides} must all be at least 1."));
        if (shape.Count != 3)
            return Fail($"{name}: conv2d needs an image input, but its input is flat ({shape[0]} features); move it before the flatten.");
        var (channels, height, width) = (shape[0], shape[1], shape[2]);
        int outH, outW;
        ConvPadding padding = default;
        if (c.Padding == Padding.Valid)
        {
            if (c.KernelSize > height || c.KernelSize > width)
                return Fail(string.Create(CultureInfo.InvariantCulture,
                    $"{name}: kernel_size {c.KernelSize} is larger than its {height}x{width} input with padding 'valid'; use padding 'same', a smaller kernel_size or fewer pooling layers."));
            (outH, outW) = ((height - c.KernelSize) / c.Strides + 1, (width - c.KernelSize) / c.Strides + 1);
        }
        else
        {
            (outH, outW) = (CeilDiv(height, c.Strides), CeilDiv(width, c.Strides));
            var padH = Math.Max((outH - 1) * c.Strides + c.KernelSize - height, 0);
            var padW = Math.Max((outW - 1) * c.Strides + c.KernelSize - width, 0);
            padding = new ConvPadding(padH / 2, padH - padH / 2, padW / 2, padW - padW / 2);
        }
        var parameters = (long)c.KernelSize * c.KernelSize * channels * c.Filters + c.Filters;
        return new Step([c.Filters, outH, outW], parameters, parameters, padding, null);
    }

    private static Step Pool(MaxPooling2DLayer p, string name, IReadOnlyList<int> shape)
    {
        var strides = p.EffectiveStrides;
        if (p.PoolSize < 1 || strides < 1)
            return Fail(string.Create(CultureInfo.InvariantCulture, $"{name}: pool_size {p.PoolSize} and strides {strides} must be at least 1."));
        if (shape.Count != 3)
            return Fail($"{name}: max_pooling2d needs an image input, but its input is flat ({shape[0]} features); move it before the flatten.");
        var (height, width) = (shape[1], shape[2]);
        // Keras' default padding 'valid': windows that do not fit are dropped (PyTorch's ceil_mode=false).
        if (p.PoolSize > height || p.PoolSize > width)
            return Fail(string.Create(CultureInfo.InvariantCulture,
                $"{name}: pool_size {p.PoolSize} is larger than its {height}x{width} input; use fewer pooling layers or a smaller pool_size."));
        return new Step([shape[0], (height - p.PoolSize) / strides + 1, (width - p.PoolSize) / strides + 1], 0, 0, default, null);
    }

    private static Step Dense(DenseLayer d, string name, IReadOnlyList<int> shape)
    {
        if (d.Units < 1)
            return Fail(string.Create(CultureInfo.InvariantCulture, $"{name}: units {d.Units} must be at least 1."));
        if (shape.Count != 1)
            return Fail(string.Create(CultureInfo.InvariantCulture,
                $"{name}: dense needs a flat input, but its input is an image of {shape[1]}x{shape[2]}x{shape[0]}; add a flatten before it."));
        return new Step([d.Units], (long)shape[0] * d.Units + d.Units, (long)shape[0] * d.Units + d.Units, default, null);
    }

    private static int CeilDiv(int a, int b) => (a + b - 1) / b;
}
