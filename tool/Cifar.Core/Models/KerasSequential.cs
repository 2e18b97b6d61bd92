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
/// <item>initialisation as Keras: glorot_uniform kernels, zero biases, batch normalization gamma 1 and beta 0.</item>
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
        _layers = new Layer[plan.Count];
        for (var i = 0; i < plan.Count; i++)
        {
            var planned = plan[i];
            var isLast = i == plan.Count - 1;
            var (module, activation) = Create(planned, generator);
            if (isLast && activation == Activation.Softmax)
            {
                OutputActivation = Activation.Softmax;
                activation = Activation.Linear;
            }
            register_module(planned.Name, module);
            var explicitPadding = planned.Padding.IsSymmetric ? (ConvPadding?)null : planned.Padding;
            _layers[i] = new Layer(module, explicitPadding, activation);
        }
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
                    var conv = nn.Conv2d(input[0], c.Filters, c.KernelSize, stride: c.Strides, padding: symmetric);
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
                // PyTorch's defaults already match Keras' initial state: gamma 1, beta 0, moving mean 0, variance 1.
                return input.Count == 3
                    ? (nn.BatchNorm2d(input[0], eps: b.Epsilon, momentum: 1 - b.Momentum), Activation.Linear)
                    : (nn.BatchNorm1d(input[0], eps: b.Epsilon, momentum: 1 - b.Momentum), Activation.Linear);
            case PatchWhiteningLayer w:
                return (new PatchWhitening(planned.Name, input[0], w.KernelSize, w.Epsilon), Activation.Linear);
            case RescalingLayer r:
                return (new Rescale(r.Scale, r.Offset), Activation.Linear);
            default:
                throw new NotSupportedException($"Layer kind '{planned.Kind.Name}' ({planned.Spec.GetType().Name}) has no module.");
        }
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

        public Tensor Forward(Tensor x)
        {
            if (explicitPadding is { } p) x = nn.functional.pad(x, [p.Left, p.Right, p.Top, p.Bottom]);
            x = module.call(x);
            return activation switch
            {
                Activation.Linear => x,
                Activation.Relu => nn.functional.relu(x),
                Activation.Tanh => x.tanh(),
                Activation.Sigmoid => x.sigmoid(),
                Activation.Softmax => softmax(x, 1),
                _ => throw new NotSupportedException($"Activation '{activation}' is not supported."),
            };
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
