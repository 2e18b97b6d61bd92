using Cifar.Data;
using Cifar.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Models.Transfer;

/// <summary>
/// A transfer-learning classifier: images → bilinear upsampling to <see cref="ImageSize"/> → pretrained base → global
/// average pooling → the spec's head (Keras layers on [features], glorot-initialised, logits out). State-dict keys
/// are <c>base.*</c> (TorchVision's names) and <c>head.*</c> (Keras' names).
/// </summary>
/// <remarks>
/// Input: float batches of 32x32 images normalised with <see cref="PreparedData.Normalization"/> (the uint8 splits of
/// <see cref="DataPreparation"/> through <see cref="ChannelNormalization.Apply"/>; for <c>normalization: imagenet</c>
/// that is <see cref="PretrainedBase.InputNormalization"/>), upsampled here one batch at a time
/// (<see cref="ImageBatches.Resize"/>), never the whole dataset. To train only the head on cached features
/// (<see cref="FeatureExtraction"/>), train <see cref="Head"/> on [N, features] directly.
/// </remarks>
public sealed class TransferModel : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are the state-dict prefixes.
    private readonly PretrainedBase @base;
    private readonly KerasSequential head;
#pragma warning restore IDE1006

    public TransferModel(PretrainedBase pretrainedBase, KerasSequential head, int imageSize) : base("TransferModel")
    {
        ArgumentNullException.ThrowIfNull(pretrainedBase);
        ArgumentNullException.ThrowIfNull(head);
        if (head.Plan[0].InputShape is not [var features] || features != pretrainedBase.FeatureCount)
            throw new ArgumentException($"The head takes [{string.Join(", ", head.Plan[0].InputShape)}]; the base gives [{pretrainedBase.FeatureCount}].", nameof(head));
        @base = pretrainedBase;
        this.head = head;
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 1);
        ImageSize = imageSize;
        RegisterComponents();
    }

    /// <summary>
    /// The model of a transfer spec on a built base: head from <see cref="CnnBuilder"/> on [base features] (weights drawn
    /// from <paramref name="headGenerator"/>, or torch's default generator when null), the top
    /// <see cref="TransferModelSpec.TrainableLayers"/> base stages trainable.
    /// </summary>
    public static TransferModel Create(TransferModelSpec spec, PretrainedBase pretrainedBase, int imageSize, Generator? headGenerator = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(pretrainedBase);
        var head = CnnBuilder.Build(spec.Head, [pretrainedBase.FeatureCount], headGenerator, "head");
        var model = new TransferModel(pretrainedBase, head, imageSize);
        pretrainedBase.SetTrainableStages(spec.TrainableLayers);
        return model;
    }

    public PretrainedBase Base => @base;

    public KerasSequential Head => head;

    /// <summary>Side in pixels the base sees (the spec's <c>data.image_size</c>).</summary>
    public int ImageSize { get; }

    /// <summary>Trains the base's top <paramref name="stages"/> stages (Keras <c>trainable_layers</c>), freezes the rest.</summary>
    public void SetTrainableStages(int stages) => @base.SetTrainableStages(stages);

    /// <summary>
    /// When set, <see cref="forward"/> takes the activations below the top this-many base stages
    /// (<see cref="PretrainedBase.ForwardBelowCut"/>, e.g. read from an activation cache) instead of images, and runs only
    /// the stages above the cut and the head; null: images through the whole model.
    /// </summary>
    public int? InputIsActivationsBelowTopStages { get; set; }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var features = InputIsActivationsBelowTopStages is { } top
            ? @base.ForwardFromCut(input, top)
            : @base.call(ImageBatches.Resize(input, ImageSize));
        return head.call(features).MoveToOuterDisposeScope();
    }

    /// <summary>The base's top stage (ResNet's layer4): the layer Grad-CAM explains.</summary>
    public string TopStageName => @base.StagesFromTop[0].Name;

    /// <summary>The first part of <see cref="forward"/>: resize, then the base up to its top stage's activations.</summary>
    public Tensor TopStageActivations(Tensor input)
    {
        using var scope = NewDisposeScope();
        return @base.TopStageActivations(ImageBatches.Resize(input, ImageSize)).MoveToOuterDisposeScope();
    }

    /// <summary>The rest of <see cref="forward"/>: global average pooling of the top stage's activations, then the head.</summary>
    public Tensor FromTopStage(Tensor activations)
    {
        ArgumentNullException.ThrowIfNull(activations);
        using var scope = NewDisposeScope();
        return head.call(activations.mean([2, 3])).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Keras-style summary: one row per base stage (output shape at <see cref="ImageSize"/>, trainable or frozen), the
    /// global average pooling, then the head's layers. As in Keras, batch norm moving statistics count as parameters
    /// that never train. Runs one image through the base to get the shapes.
    /// </summary>
    public ModelSummary Summary()
    {
        var rows = new List<LayerSummary>();
        long trainable = 0, total = 0;
        var shapes = StageOutputShapes();
        var architecture = @base.Description.Architecture;
        for (var i = @base.StagesFromTop.Count - 1; i >= 0; i--)
        {
            var stage = @base.StagesFromTop[i];
            var isTrainable = i < @base.TrainableStages;
            var weights = stage.ParameterCount;
            var statistics = stage.Modules.Sum(m => m.named_buffers()
                .Where(b => b.name.EndsWith("running_mean", StringComparison.Ordinal) || b.name.EndsWith("running_var", StringComparison.Ordinal))
                .Sum(b => b.buffer.numel()));
            rows.Add(new LayerSummary($"{architecture}.{stage.Name}", architecture, shapes[stage], weights + statistics, isTrainable));
            total += weights + statistics;
            if (isTrainable) trainable += weights;
        }
        rows.Add(new LayerSummary("global_average_pooling2d", "GlobalAveragePooling2D", [@base.FeatureCount], 0, true));
        rows.AddRange(head.Summary.Layers);
        return new ModelSummary(rows, trainable + head.Summary.TrainableParameters, total + head.Summary.TotalParameters);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            @base.Dispose();
            head.Dispose();
        }
        base.Dispose(disposing);
    }

    private Dictionary<BaseStage, int[]> StageOutputShapes()
    {
        var wasTraining = @base.training;
        @base.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var x = zeros(1, 3, ImageSize, ImageSize);
            var shapes = new Dictionary<BaseStage, int[]>();
            for (var i = @base.StagesFromTop.Count - 1; i >= 0; i--)
            {
                var stage = @base.StagesFromTop[i];
                foreach (var m in stage.Modules) x = m.call(x);
                shapes[stage] = [.. x.shape.Skip(1).Select(d => (int)d)];
            }
            return shapes;
        }
        finally
        {
            @base.train(wasTraining);
        }
    }
}
