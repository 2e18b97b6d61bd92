using Cifar.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Models.Transfer;

/// <summary>
/// A group of a base's layers that is frozen or trained as one: a ResNet's <c>layer4</c>, a VGG conv block. Keras'
/// <c>trainable_layers</c> and <c>fine_tune.trainable_layers</c> count these from the top of the base.
/// </summary>
public sealed class BaseStage
{
    internal BaseStage(string name, IReadOnlyList<nn.Module<Tensor, Tensor>> modules)
    {
        if (modules.Count == 0) throw new ArgumentException("A stage needs at least one module.", nameof(modules));
        Name = name;
        Modules = modules;
    }

    /// <summary>e.g. <c>layer4</c>, <c>stem</c>, <c>block5</c>.</summary>
    public string Name { get; }

    /// <summary>The stage's modules in forward order.</summary>
    public IReadOnlyList<nn.Module<Tensor, Tensor>> Modules { get; }

    public IEnumerable<TorchSharp.Modules.Parameter> Parameters() => Modules.SelectMany(m => m.parameters());

    public long ParameterCount => Parameters().Sum(p => p.numel());

    internal Tensor Forward(Tensor x, Tensor keep)
    {
        foreach (var module in Modules)
        {
            var y = module.call(x);
            // Free each activation as soon as the next exists: without autograd this caps memory at about two
            // activations (a 224x224 ResNet otherwise keeps every block's output until the forward pass ends).
            if (!ReferenceEquals(y, x) && !ReferenceEquals(x, keep)) x.Dispose();
            x = y;
        }
        return x;
    }
}

/// <summary>
/// A pretrained convolutional base without its classifier: images normalised with <see cref="InputNormalization"/>
/// ([N, 3, H, W], any size) in, globally average-pooled features [N, <see cref="FeatureCount"/>] out. State-dict keys are
/// TorchVision's (<c>conv1.weight</c>, <c>layer4.1.bn2.running_var</c>, <c>features.0.0.weight</c>, ...).
/// </summary>
public sealed class PretrainedBase : nn.Module<Tensor, Tensor>
{
    private readonly IReadOnlyList<BaseStage> _stagesBottomUp;
    private readonly IReadOnlyList<nn.Module<Tensor, Tensor>> _beforePooling;
    private readonly IReadOnlyList<nn.Module> _children;

    internal PretrainedBase(
        BaseDescription description,
        IReadOnlyList<(string Name, nn.Module Module)> children,
        IReadOnlyList<BaseStage> stagesBottomUp,
        IReadOnlyList<nn.Module<Tensor, Tensor>>? beforePooling = null)
        : base(description.Architecture)
    {
        Description = description;
        foreach (var (name, module) in children) register_module(name, module);
        _children = [.. children.Select(c => c.Module)];
        _stagesBottomUp = stagesBottomUp;
        _beforePooling = beforePooling ?? [];
        StagesFromTop = [.. stagesBottomUp.Reverse()];
        var staged = stagesBottomUp.Sum(s => s.ParameterCount);
        if (staged != ParameterCount)
            throw new ArgumentException($"The stages hold {staged} of the base's {ParameterCount} parameters.", nameof(stagesBottomUp));
        SetTrainableStages(0);
    }

    /// <summary>Name, feature count, input normalisation and weights identity of this base.</summary>
    public BaseDescription Description { get; private set; }

    public int FeatureCount => Description.FeatureCount;

    /// <summary>What the weights expect: CNTK's BGR 0-255 mean subtraction or torchvision's ImageNet mean/std.</summary>
    public ChannelNormalization InputNormalization => Description.InputNormalization;

    /// <summary>Stages from the top (closest to the head) down: ResNet layer4, layer3, layer2, layer1, stem.</summary>
    public IReadOnlyList<BaseStage> StagesFromTop { get; }

    /// <summary>How many stages from the top currently train (the rest are frozen).</summary>
    public int TrainableStages { get; private set; }

    /// <summary>
    /// Trains the top <paramref name="count"/> stages and freezes the rest, as Keras' <c>layer.trainable</c>: frozen
    /// parameters get <c>requires_grad = false</c>, and frozen stages stay in eval mode even when the model is put in
    /// train mode. Every BatchNorm of the base, frozen or not, uses its running statistics and does not update them
    /// (Keras' <c>training=False</c>); see <see cref="train"/>.
    /// </summary>
    /// <param name="count">0 freezes the whole base; <see cref="StagesFromTop"/>.Count trains all of it.</param>
    /// <exception cref="CifarUserException">InvalidInput: <paramref name="count"/> is outside 0 to the number of stages.</exception>
    public void SetTrainableStages(int count)
    {
        if (count < 0 || count > StagesFromTop.Count)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"trainable_layers is {count}; the {Description.Architecture} base has {StagesFromTop.Count} stages ({string.Join(", ", StagesFromTop.Select(s => s.Name))}), so it must be 0 to {StagesFromTop.Count}"));
        }

        TrainableStages = count;
        for (var i = 0; i < StagesFromTop.Count; i++)
        {
            var trainable = i < count;
            foreach (var p in StagesFromTop[i].Parameters()) p.requires_grad = trainable;
        }
        train(training);
    }

    public override void train(bool train = true)
    {
        base.train(train);
        if (!train) return;
        for (var i = TrainableStages; i < StagesFromTop.Count; i++)
            foreach (var m in StagesFromTop[i].Modules) m.train(false);
        // Keras' fine-tuning guide keeps a pretrained base's BatchNormalization in inference mode even where it is
        // unfrozen (training=False): its gamma and beta still learn, but normalising with CIFAR batch statistics instead
        // of the learnt ImageNet ones shifts every feature the head was trained on (measured here: validation loss
        // 0.84 -> 1.25 after one fine-tuning epoch of layer4 at 64x64 with batch statistics).
        foreach (var m in modules())
            if (m is TorchSharp.Modules.BatchNorm2d) m.train(false);
    }

    /// <summary>The top stage's activations [N, C, h, w], before the global average pooling of <see cref="forward"/>:
    /// what Grad-CAM explains a transfer model at (ResNet's layer4).</summary>
    public Tensor TopStageActivations(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var stage in _stagesBottomUp) x = stage.Forward(x, input);
        foreach (var m in _beforePooling) x = m.call(x);
        return x.MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var stage in _stagesBottomUp) x = stage.Forward(x, input);
        foreach (var m in _beforePooling) x = m.call(x);
        return x.mean([2, 3]).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The frozen part of a fine-tuning: every stage below the top <paramref name="topStages"/>, on normalised images at
    /// the base's input size; the activations at the cut, which <see cref="ForwardFromCut"/> continues from. Equal to the
    /// first half of <see cref="forward"/> (the same modules in the same order).
    /// </summary>
    public Tensor ForwardBelowCut(Tensor input, int topStages)
    {
        ArgumentNullException.ThrowIfNull(input);
        CheckCut(topStages);
        using var scope = NewDisposeScope();
        var x = input;
        for (var i = 0; i < _stagesBottomUp.Count - topStages; i++) x = _stagesBottomUp[i].Forward(x, input);
        return (ReferenceEquals(x, input) ? x.alias() : x).MoveToOuterDisposeScope();
    }

    /// <summary>The top <paramref name="topStages"/> stages and the pooling, on activations from <see cref="ForwardBelowCut"/>:
    /// features [N, <see cref="FeatureCount"/>].</summary>
    public Tensor ForwardFromCut(Tensor activations, int topStages)
    {
        ArgumentNullException.ThrowIfNull(activations);
        CheckCut(topStages);
        using var scope = NewDisposeScope();
        var x = activations;
        for (var i = _stagesBottomUp.Count - topStages; i < _stagesBottomUp.Count; i++) x = _stagesBottomUp[i].Forward(x, activations);
        foreach (var m in _beforePooling) x = m.call(x);
        return x.mean([2, 3]).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// XxHash128 of the names, shapes and values of every parameter and buffer below the top <paramref name="topStages"/>
    /// stages: what cached activations at that cut depend on besides the input (the weights file's hash alone would miss
    /// stages an earlier phase trained).
    /// </summary>
    public string WeightsBelowCutHash(int topStages)
    {
        CheckCut(topStages);
        var hash = new System.IO.Hashing.XxHash128();
        for (var i = 0; i < _stagesBottomUp.Count - topStages; i++)
        {
            foreach (var module in _stagesBottomUp[i].Modules)
            {
                foreach (var (name, tensor) in module.named_parameters().Select(p => (p.name, (Tensor)p.parameter))
                             .Concat(module.named_buffers().Select(b => (b.name, b.buffer))))
                {
                    hash.Append(System.Text.Encoding.UTF8.GetBytes($"{_stagesBottomUp[i].Name}.{name}[{string.Join(',', tensor.shape)}]{tensor.dtype}"));
                    using var contiguous = tensor.detach().contiguous();
                    hash.Append(contiguous.bytes);
                }
            }
        }
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }

    /// <summary>The stage just below the cut (whose output is cached), e.g. <c>layer3</c> for one trainable stage.</summary>
    public string StageBelowCut(int topStages)
    {
        CheckCut(topStages);
        return _stagesBottomUp[_stagesBottomUp.Count - topStages - 1].Name;
    }

    private void CheckCut(int topStages)
    {
        if (topStages < 1 || topStages >= _stagesBottomUp.Count)
            throw new ArgumentOutOfRangeException(nameof(topStages), topStages, $"A cut needs 1 to {_stagesBottomUp.Count - 1} top stages above it.");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var child in _children) child.Dispose();
        }
        base.Dispose(disposing);
    }

    internal PretrainedBase WithWeightsIdentity(string weights, string weightsSha256)
    {
        Description = Description with { Weights = weights, WeightsSha256 = weightsSha256 };
        return this;
    }

    public long ParameterCount => parameters().Sum(p => p.numel());

    public long TrainableParameterCount => parameters().Where(p => p.requires_grad).Sum(p => p.numel());
}
