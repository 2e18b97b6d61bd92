using Cifar.Specs;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cifar.Models;

/// <summary>
/// A Keras <c>Sequential</c> model run by PyTorch: the planned layers in order, each registered under its Keras name, so
/// state-dict keys read <c>conv2d.weight</c>, <c>conv2d_1.bias</c>, <c>batch_normalization.running_mean</c>,
/// <c>dense_1.weight</c>. Inputs are NCHW (or [N, features]); Keras semantics are kept where they differ from PyTorch:
/// <list type="bullet">
/// <item>conv2d padding 'same' pads like TensorFlow (extra pixel bottom/right), see <see cref="ConvPadding"/>;</item>
/// <item>flatten orders features (height, width, channels) like channels-last Keras, by permuting to NHWC first, so a
/// dense kernel after a flatten lines up with Keras' (rows transposed: PyTorch stores [out, in]);</item>
/// <item>batch_normalization: Keras momentum m is PyTorch momentum 1 - m; epsilon as given (Keras 0.001). PyTorch
/// updates the moving variance with the unbiased batch variance, Keras with the biased one (differs by n/(n-1));</item>
/// <item>initialisation as Keras: glorot_uniform kernels, zero biases, batch normalization gamma 1 and beta 0;</item>
/// <item>activations as <c>keras.activations</c>: gelu exact (Keras' approximate=False), leaky_relu slope 0.2;</item>
/// <item>a residual block is one module under its name holding its layers under theirs (<c>residual.conv2d_1.weight</c>)
/// and a projection shortcut as <c>residual.shortcut_conv</c> and <c>residual.shortcut_bn</c>.</item>
/// </list>
/// The forward pass returns logits: a softmax on the last layer is not applied there, because the loss
/// (softmax cross-entropy) takes logits; <see cref="OutputActivation"/> records it and <see cref="Predict"/> applies it.
/// </summary>
public sealed class KerasSequential : nn.Module<Tensor, Tensor>
{
    private readonly Layer[] _layers;

    internal KerasSequential(string name, IReadOnlyList<PlannedLayer> plan, Generator? generator) : base(name)
    {
        ArgumentOutOfRangeException.ThrowIfZero(plan.Count);
        Plan = plan;
        Summary = CnnBuilder.Summarize(plan);
        _layers = CreateLayers(plan, generator, register_module);
        // The last layer's softmax is the loss' business (see OutputActivation).
        if (_layers[^1].Activation == Activation.Softmax)
        {
            OutputActivation = Activation.Softmax;
            _layers[^1] = _layers[^1].WithoutActivation();
        }
    }

    /// <summary>One <see cref="Layer"/> per planned entry, each module registered under its Keras name.</summary>
    private static Layer[] CreateLayers(
        IReadOnlyList<PlannedLayer> plan, Generator? generator, Action<string, nn.Module> register)
    {
        var layers = new Layer[plan.Count];
        for (var i = 0; i < plan.Count; i++)
        {
            var planned = plan[i];
            var (module, activation) = Create(planned, generator);
            register(planned.Name, module);
            var explicitPadding = planned.Padding.IsSymmetric ? (ConvPadding?)null : planned.Padding;
            layers[i] = new Layer(module, explicitPadding, activation);
        }
        return layers;
    }

    /// <summary>The layers as planned: Keras names, shapes and parameter counts.</summary>
    public IReadOnlyList<PlannedLayer> Plan { get; }

    /// <summary>Keras' model.summary() for this model.</summary>
    public ModelSummary Summary { get; }

    /// <summary>
    /// The last layer's activation left out of <see cref="forward"/>: Softmax when the spec ends in a softmax dense,
    /// otherwise Linear (the forward output is final; a loss still treats it as logits).
    /// </summary>
    public Activation OutputActivation { get; } = Activation.Linear;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var layer in _layers) x = layer.Forward(x);
        // A model that changes nothing (e.g. only dropout in eval mode) must still hand back its own tensor.
        if (ReferenceEquals(x, input)) x = x.alias();
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Grad-CAM's layer: the last one whose output is still an image (channels x height x width) before the pooling,
    /// flatten and dense layers that end the model; pooling and dropout layers are skipped, so the map keeps the finer
    /// grid of the last convolution (or residual block, or patch whitening) before them. -1 when no layer outputs an image.
    /// </summary>
    public int ExplainedLayer
    {
        get
        {
            for (var i = Plan.Count - 1; i >= 0; i--)
            {
                var layer = Plan[i];
                if (layer.OutputShape.Count == 3
                    && !layer.Type.Contains("Pooling", StringComparison.Ordinal)
                    && !layer.Type.Contains("Dropout", StringComparison.Ordinal))
                {
                    return i;
                }
            }
            return -1;
        }
    }

    /// <summary>Layers 0 to <paramref name="last"/> (inclusive) on <paramref name="input"/>, in the current mode.</summary>
    public Tensor ForwardThrough(Tensor input, int last)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(last);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(last, _layers.Length);
        using var scope = NewDisposeScope();
        var x = input;
        for (var i = 0; i <= last; i++) x = _layers[i].Forward(x);
        if (ReferenceEquals(x, input)) x = x.alias();
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>The layers after <paramref name="last"/> on its output: <c>ForwardAfter(ForwardThrough(x, k), k)</c> is <see cref="forward"/>.</summary>
    public Tensor ForwardAfter(Tensor features, int last)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(last, -1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(last, _layers.Length);
        using var scope = NewDisposeScope();
        var x = features;
        for (var i = last + 1; i < _layers.Length; i++) x = _layers[i].Forward(x);
        if (ReferenceEquals(x, features)) x = x.alias();
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Sets the weights of layers that learn from data before training (<see cref="PatchWhitening"/>), each from its
    /// own input: <paramref name="images"/> (normalised training images) run through the layers before it.
    /// </summary>
    public void InitializeFromData(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var last = Array.FindLastIndex(_layers, l => l.Module is IDataInitialized);
        if (last < 0) return;
        var wasTraining = training;
        eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var x = images;
            for (var i = 0; i <= last; i++)
            {
                if (_layers[i].Module is IDataInitialized initialized) initialized.InitializeFrom(x);
                if (i < last) x = _layers[i].Forward(x);
            }
        }
        finally
        {
            train(wasTraining);
        }
    }

    /// <summary>True when a layer needs <see cref="InitializeFromData"/> before training.</summary>
    public bool InitializesFromData => _layers.Any(l => l.Module is IDataInitialized);

    /// <summary>Keras' predict: inference mode, no gradients, then the output activation (class probabilities for softmax).</summary>
    public Tensor Predict(Tensor input)
    {
        var wasTraining = training;
        eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var output = call(input);
            if (OutputActivation == Activation.Softmax) output = softmax(output, 1);
            return output.MoveToOuterDisposeScope();
        }
        finally
        {
            train(wasTraining);
        }
    }

    private static (nn.Module<Tensor, Tensor> Module, Activation Activation) Create(PlannedLayer planned, Generator? generator)
    {
        var input = planned.InputShape;
        switch (planned.Spec)
        {
            case Conv2DLayer c:
                {
                    var symmetric = planned.Padding.IsSymmetric ? planned.Padding.Top : 0;
                    var conv = nn.Conv2d(input[0], c.Filters, c.KernelSize, stride: c.Strides, padding: symmetric, bias: c.UseBias);
                    // Keras computes a conv kernel's fans as receptive field x input (or output) channels.
                    var receptive = (long)c.KernelSize * c.KernelSize;
                    GlorotUniform(conv.weight!, receptive * input[0], receptive * c.Filters, generator);
                    ZeroBias(conv.bias);
                    return (conv, c.Activation);
                }
            case MaxPooling2DLayer p:
                return (nn.MaxPool2d(p.PoolSize, stride: p.EffectiveStrides), Activation.Linear);
            case FlattenLayer:
                return (new ChannelsLastFlatten(), Activation.Linear);
            case DenseLayer d:
                {
                    var dense = nn.Linear(input[0], d.Units);
                    GlorotUniform(dense.weight, input[0], d.Units, generator);
                    ZeroBias(dense.bias);
                    return (dense, d.Activation);
                }
            case DropoutLayer d:
                // Dropout draws from torch's default generator, which the trainer seeds from the spec's seed.
                return (nn.Dropout(d.Rate), Activation.Linear);
            case BatchNormalizationLayer b:
                return (BatchNormalization(b, input), Activation.Linear);
            case ActivationLayer a:
                return (new Identity(), a.Type);
            case GlobalAveragePooling2DLayer:
                return (new GlobalPooling("global_average_pooling2d", max: false), Activation.Linear);
            case GlobalMaxPooling2DLayer:
                return (new GlobalPooling("global_max_pooling2d", max: true), Activation.Linear);
            case ResidualLayer:
                return (new ResidualBlock(planned, generator), Activation.Linear);
            case PatchWhiteningLayer w:
                return (new PatchWhitening(planned.Name, input[0], w.KernelSize, w.Epsilon), Activation.Linear);
            case RescalingLayer r:
                return (new Rescale(r.Scale, r.Offset), Activation.Linear);
            default:
                throw new NotSupportedException($"Layer kind '{planned.Kind.Name}' ({planned.Spec.GetType().Name}) has no module.");
        }
    }

    /// <summary>
    /// PyTorch's batch norm with Keras' parameters: momentum m is PyTorch's 1 - m. Its defaults already match Keras'
    /// initial state (gamma 1, beta 0, moving mean 0, variance 1). libtorch's affine is all or nothing, so a layer with
    /// only one of center and scale is <see cref="PartialAffineBatchNorm"/>.
    /// </summary>
    private static nn.Module<Tensor, Tensor> BatchNormalization(BatchNormalizationLayer b, IReadOnlyList<int> input)
    {
        if (b.Center != b.Scale) return new PartialAffineBatchNorm(input[0], b);
        return input.Count == 3
            ? nn.BatchNorm2d(input[0], eps: b.Epsilon, momentum: 1 - b.Momentum, affine: b.Center)
            : nn.BatchNorm1d(input[0], eps: b.Epsilon, momentum: 1 - b.Momentum, affine: b.Center);
    }

    /// <summary>Glorot & Bengio (2010) uniform: U(-limit, limit), limit = sqrt(6 / (fan_in + fan_out)), Keras' default kernel initializer.</summary>
    internal static double GlorotLimit(long fanIn, long fanOut) => Math.Sqrt(6.0 / (fanIn + fanOut));

    private static void GlorotUniform(Tensor weight, long fanIn, long fanOut, Generator? generator)
    {
        var limit = GlorotLimit(fanIn, fanOut);
        using var noGrad = no_grad();
        weight.uniform_(-limit, limit, generator);
    }

    private static void ZeroBias(Tensor? bias)
    {
        if (bias is null) return;
        using var noGrad = no_grad();
        bias.zero_();
    }

    /// <summary>One step of the forward pass: optional explicit padding, the module, the activation.</summary>
    private sealed class Layer(nn.Module<Tensor, Tensor> module, ConvPadding? explicitPadding, Activation activation)
    {
        public nn.Module<Tensor, Tensor> Module => module;
        public Activation Activation => activation;

        public Layer WithoutActivation() => new(module, explicitPadding, Activation.Linear);

        public Tensor Forward(Tensor x)
        {
            if (explicitPadding is { } p) x = nn.functional.pad(x, [p.Left, p.Right, p.Top, p.Bottom]);
            return Activate(module.call(x), activation);
        }
    }

    /// <summary>
    /// <c>keras.activations</c> by name, each one libtorch kernel. Keras' defaults where PyTorch's differ: gelu is the
    /// exact erf form (approximate=False), leaky_relu's negative slope is 0.2 (PyTorch's is 0.01). Softmax is over the
    /// channel or feature axis, Keras' last axis of channels-last data.
    /// </summary>
    internal static Tensor Activate(Tensor x, Activation activation) => activation switch
    {
        Activation.Linear => x,
        Activation.Relu => nn.functional.relu(x),
        Activation.Tanh => x.tanh(),
        Activation.Sigmoid => x.sigmoid(),
        Activation.Softmax => softmax(x, 1),
        Activation.Relu6 => nn.functional.relu6(x),
        Activation.Elu => nn.functional.elu(x, alpha: 1.0),
        Activation.Selu => nn.functional.selu(x),
        Activation.Gelu => nn.functional.gelu(x),
        Activation.Silu => nn.functional.silu(x),
        Activation.LeakyRelu => nn.functional.leaky_relu(x, 0.2),
        Activation.Mish => nn.functional.mish(x),
        Activation.Softplus => nn.functional.softplus(x),
        Activation.Softsign => nn.functional.softsign(x),
        _ => throw new NotSupportedException($"Activation '{activation}' is not supported."),
    };

    /// <summary>Keras' Activation layer: the activation does the work, the module passes its input on.</summary>
    private sealed class Identity() : ParameterLessModule<Tensor, Tensor>("activation")
    {
        public override Tensor forward(Tensor input) => input;
    }

    /// <summary>Keras' GlobalAveragePooling2D / GlobalMaxPooling2D: [N, C, H, W] to [N, C], one libtorch reduction.</summary>
    private sealed class GlobalPooling(string name, bool max) : ParameterLessModule<Tensor, Tensor>(name)
    {
        public override Tensor forward(Tensor input) => max ? input.amax([2, 3]) : input.mean([2, 3]);
    }

    /// <summary>
    /// Batch normalization with gamma only (Keras scale without center) or beta only (center without scale). The
    /// state-dict names are BatchNorm's (<c>weight</c> for gamma, <c>bias</c> for beta, <c>running_mean</c>,
    /// <c>running_var</c>), so a layer reads the same whichever module runs it.
    /// </summary>
    private sealed class PartialAffineBatchNorm : nn.Module<Tensor, Tensor>
    {
        // Tensors live in a holder, not in fields: TorchSharp also registers tensor fields under their field names.
        private readonly State _state;

        private sealed record State(Parameter? Weight, Parameter? Bias, Tensor RunningMean, Tensor RunningVar, double Momentum, double Epsilon);

        public PartialAffineBatchNorm(int channels, BatchNormalizationLayer spec) : base("batch_normalization")
        {
            _state = new State(spec.Scale ? new Parameter(ones(channels)) : null, spec.Center ? new Parameter(zeros(channels)) : null,
                zeros(channels), ones(channels), 1 - spec.Momentum, spec.Epsilon);
            if (_state.Weight is { } weight) register_parameter("weight", weight);
            if (_state.Bias is { } bias) register_parameter("bias", bias);
            register_buffer("running_mean", _state.RunningMean);
            register_buffer("running_var", _state.RunningVar);
        }

        /// <summary>libtorch updates the moving statistics in place while training, as BatchNorm does.</summary>
        public override Tensor forward(Tensor input) => nn.functional.batch_norm(
            input, _state.RunningMean, _state.RunningVar, _state.Weight, _state.Bias, training, _state.Momentum, _state.Epsilon);
    }

    /// <summary>
    /// A residual block: its layers, then the shortcut added. The shortcut is the input itself, or (when the plan has
    /// one) a 1x1 convolution without bias and a batch normalization, ResNet's projection.
    /// </summary>
    private sealed class ResidualBlock : nn.Module<Tensor, Tensor>
    {
        private readonly Layer[] _layers;
        // In a holder, not in fields: TorchSharp also registers module fields under their field names.
        private readonly (Conv2d Conv, BatchNorm2d Normalization)? _shortcut;

        public ResidualBlock(PlannedLayer planned, Generator? generator) : base(planned.Name)
        {
            _layers = CreateLayers(planned.Inner, generator, register_module);
            if (planned.Shortcut is { } s)
            {
                var conv = nn.Conv2d(s.InChannels, s.OutChannels, 1, stride: s.Stride, bias: false);
                GlorotUniform(conv.weight!, s.InChannels, s.OutChannels, generator);
                var bn = ResidualShortcut.Normalization;
                var normalization = nn.BatchNorm2d(s.OutChannels, eps: bn.Epsilon, momentum: 1 - bn.Momentum);
                register_module("shortcut_conv", conv);
                register_module("shortcut_bn", normalization);
                _shortcut = (conv, normalization);
            }
        }

        public override Tensor forward(Tensor input)
        {
            using var scope = NewDisposeScope();
            var x = input;
            foreach (var layer in _layers) x = layer.Forward(x);
            var shortcut = _shortcut is var (conv, normalization) ? normalization.call(conv.call(input)) : input;
            return x.add(shortcut).MoveToOuterDisposeScope();
        }
    }

    /// <summary>Keras' Rescaling: x * scale + offset.</summary>
    private sealed class Rescale(double scale, double offset) : ParameterLessModule<Tensor, Tensor>("rescaling")
    {
        public override Tensor forward(Tensor input) => offset == 0 ? input.mul(scale) : input.mul(scale).add(offset);
    }

    /// <summary>Keras' Flatten on channels-last data: (height, width, channels) order, via a permute of NCHW.</summary>
    private sealed class ChannelsLastFlatten() : ParameterLessModule<Tensor, Tensor>("flatten")
    {
        public override Tensor forward(Tensor input) => input.dim() == 4
            ? input.permute(0, 2, 3, 1).flatten(1)
            : input.flatten(1);
    }
}
