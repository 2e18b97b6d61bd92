namespace Cifar.Specs;

// The experiment spec after loading and validation: immutable, every default filled in, every name resolved to an
// enum. Nothing downstream re-reads YAML or re-checks ranges. YAML keys are the snake_case of these names
// (validation_split -> ValidationSplit); the spec reference in README.md documents each one.

/// <summary>One experiment: what to train, on what, and how to report it.</summary>
/// <param name="Name">Names the report folder (<c>reports/&lt;name&gt;/</c>); letters, digits, '-', '_' and '.'.</param>
/// <param name="SourcePath">The YAML file the spec came from (for messages and the copy in the report folder).</param>
/// <param name="SourceText">The YAML text exactly as read; its SHA-256 is the report's spec hash.</param>
public sealed record ExperimentSpec(
    string Name,
    string? Description,
    int Seed,
    DataSpec Data,
    ModelSpec Model,
    TrainingSpec Training,
    ReportSpec Report,
    string SourcePath,
    string SourceText)
{
    /// <summary>The top-level <c>evaluation</c> section: how the test split is evaluated.</summary>
    public EvaluationSpec Evaluation { get; init; } = EvaluationSpec.Default;

    /// <summary>
    /// <c>seeds</c>: the seeds of a multi-seed spec, in the spec's order (2 to <see cref="SpecLimits.MaxSeeds"/>,
    /// all different); empty for a spec with one <c>seed</c>. <see cref="SeedRuns"/> turns it into one spec per seed.
    /// </summary>
    public IReadOnlyList<int> Seeds { get; init; } = [];

    /// <summary>Where <c>seed: N</c> or <c>seeds: [...]</c> is written in <see cref="SourceText"/> (key to the end of
    /// its value), so <see cref="SeedRuns"/> can write each run's own spec.yaml; null for specs built in code.</summary>
    public TextSpan? SeedText { get; init; }

    /// <summary>The top-level <c>determinism</c>: which CPU code paths libtorch may use (see <see cref="DeterminismLevel"/>).</summary>
    public DeterminismLevel Determinism { get; init; } = DeterminismLevel.Fast;
}

/// <summary>A range of characters in a spec's text.</summary>
public readonly record struct TextSpan(int Start, int Length)
{
    public int End => Start + Length;
}

public enum DatasetName { Cifar10 }

public enum Normalization
{
    /// <summary>pixels / 255.</summary>
    Rescale,
    /// <summary>Per-channel mean and std of the training split only.</summary>
    Standardize,
    /// <summary>What the pretrained base expects (ImageNet statistics, or CNTK's BGR mean subtraction).</summary>
    ImageNet,
}

/// <param name="ValidationSplit">Fraction of the training images held out for validation, in (0, 1).</param>
/// <param name="ImageSize">Side in pixels the 32x32 images are resized to (bilinear); null keeps 32.</param>
/// <param name="TrainSamples">Seeded subset of the training images (before the split); null = all 50,000.</param>
/// <param name="TestSamples">Seeded subset of the test images; null = all 10,000.</param>
/// <param name="Url">Overrides the dataset URL: http(s) URL or a local file path.</param>
public sealed record DataSpec(
    DatasetName Dataset,
    Normalization Normalization,
    double ValidationSplit,
    int BatchSize,
    int? ImageSize,
    int? TrainSamples,
    int? TestSamples,
    string? Url)
{
    public int EffectiveImageSize => ImageSize ?? 32;

    /// <summary><c>data.augmentation</c>, in order; applied to training batches only. Empty: none.</summary>
    public IReadOnlyList<AugmentationStep> Augmentation { get; init; } = [];
}

/// <summary>Keras 3's activation names (<c>keras.activations</c>) that libtorch has as one kernel; softmax is over the
/// channel (or feature) axis, as Keras' last axis of channels-last data.</summary>
public enum Activation { Linear, Relu, Tanh, Sigmoid, Softmax, Relu6, Elu, Selu, Gelu, Silu, LeakyRelu, Mish, Softplus, Softsign }

public enum Padding { Valid, Same }

/// <summary>One entry of a layer list (the CNN's <c>layers</c> or a transfer model's <c>head</c>).</summary>
/// <param name="Line">1-based line of the entry in the spec, for messages.</param>
/// <param name="Column">1-based column of the entry in the spec.</param>
/// <remarks>Each record's kind (YAML name, shape rule, ...) is its <see cref="LayerKinds"/> entry: <see cref="LayerKinds.Of"/>.</remarks>
public abstract record LayerSpec(int Line, int Column);

public sealed record Conv2DLayer(int Filters, int KernelSize, int Strides, Padding Padding, Activation Activation, int Line = 0, int Column = 0)
    : LayerSpec(Line, Column)
{
    /// <summary>Keras' <c>use_bias</c> (default true): false leaves out the bias and its <c>filters</c> parameters,
    /// as before a batch normalization, whose beta does the same job.</summary>
    public bool UseBias { get; init; } = true;
}

/// <param name="Strides">null means the pool size, as in Keras.</param>
public sealed record MaxPooling2DLayer(int PoolSize, int? Strides, int Line = 0, int Column = 0) : LayerSpec(Line, Column)
{
    public int EffectiveStrides => Strides ?? PoolSize;
}

public sealed record FlattenLayer(int Line = 0, int Column = 0) : LayerSpec(Line, Column);

public sealed record DenseLayer(int Units, Activation Activation, int Line = 0, int Column = 0) : LayerSpec(Line, Column);

/// <param name="Rate">Fraction of inputs dropped during training, in [0, 1).</param>
public sealed record DropoutLayer(double Rate, int Line = 0, int Column = 0) : LayerSpec(Line, Column);

/// <summary>Keras defaults: momentum 0.99, epsilon 0.001, center and scale true.</summary>
public sealed record BatchNormalizationLayer(double Momentum = 0.99, double Epsilon = 0.001, int Line = 0, int Column = 0)
    : LayerSpec(Line, Column)
{
    /// <summary>Keras' <c>center</c>: false leaves out beta (the learned offset).</summary>
    public bool Center { get; init; } = true;

    /// <summary>Keras' <c>scale</c>: false leaves out gamma (the learned factor).</summary>
    public bool Scale { get; init; } = true;
}

/// <summary>Keras' <c>Activation</c> layer: the function alone, on an image or on flat features.</summary>
public sealed record ActivationLayer(Activation Type, int Line = 0, int Column = 0) : LayerSpec(Line, Column);

/// <summary>Keras' <c>GlobalAveragePooling2D</c>: the mean of each channel over the image, [C, H, W] to [C].</summary>
public sealed record GlobalAveragePooling2DLayer(int Line = 0, int Column = 0) : LayerSpec(Line, Column);

/// <summary>Keras' <c>GlobalMaxPooling2D</c>: the largest value of each channel over the image, [C, H, W] to [C].</summary>
public sealed record GlobalMaxPooling2DLayer(int Line = 0, int Column = 0) : LayerSpec(Line, Column);

/// <summary>
/// A residual block (He et al. 2016): <c>layers(x) + shortcut(x)</c>, where the shortcut is x itself when the block keeps
/// the shape, otherwise a 1x1 convolution without bias, with the stride that matches the block's output size, followed
/// by a batch normalization with Keras' defaults (ResNet's projection shortcut, option B).
/// </summary>
/// <param name="Layers">The block's own layers, in order; they take and give an image.</param>
public sealed record ResidualLayer(IReadOnlyList<LayerSpec> Layers, int Line = 0, int Column = 0) : LayerSpec(Line, Column);

/// <summary>A frozen k x k convolution set from the training images to whiten their patches (airbench's first layer):
/// 2 x channels x k x k outputs, 'valid' padding, no bias. Not a Keras layer.</summary>
public sealed record PatchWhiteningLayer(int KernelSize = 2, double Epsilon = 5e-4, int Line = 0, int Column = 0) : LayerSpec(Line, Column);

/// <summary>Keras' Rescaling: output = input * scale + offset (airbench scales its logits by 1/9).</summary>
public sealed record RescalingLayer(double Scale, double Offset = 0, int Line = 0, int Column = 0) : LayerSpec(Line, Column);

public abstract record ModelSpec
{
    /// <summary>The YAML value of <c>model.type</c>.</summary>
    public abstract string Type { get; }
}

/// <summary>A CNN from scratch: the layer list, in order, on 3xHxW input. The last layer is a dense with 10 units.</summary>
public sealed record CnnModelSpec(IReadOnlyList<LayerSpec> Layers) : ModelSpec
{
    public override string Type => "cnn";
}

public enum PretrainedWeights
{
    /// <summary>ImageNet weights (offline bundled ResNet18, or torchvision's published files for the others).</summary>
    ImageNet,
    /// <summary>Random initialisation: the same architecture trained from scratch.</summary>
    None,
}

/// <summary>A pretrained base, global average pooling, then the head's layer list (ends with dense 10).</summary>
/// <param name="Base">The base's name as the catalogue spells it (<see cref="TransferBaseName.Name"/>, e.g. <c>resnet18</c>),
/// whichever alias the spec used.</param>
/// <param name="TrainableLayers">How many of the base's top stages train in the first phase; 0 = frozen.</param>
/// <param name="WeightsUrl">Overrides where downloadable weights come from (mirror URL or local file).</param>
public sealed record TransferModelSpec(
    string Base,
    PretrainedWeights Weights,
    int TrainableLayers,
    IReadOnlyList<LayerSpec> Head,
    string? WeightsUrl) : ModelSpec
{
    public override string Type => "transfer";
}

public enum OptimizerType { Adam, Sgd, AdamW }

/// <summary>Keras defaults: Adam beta_1 0.9, beta_2 0.999, epsilon 1e-7; SGD momentum 0, nesterov false, weight_decay 0;
/// AdamW as Adam with weight_decay 0.004.</summary>
/// <param name="WeightDecay">SGD: L2 term added to the gradient (PyTorch's SGD, as airbench uses it); AdamW: decoupled
/// decay (Loshchilov and Hutter), as Keras' and PyTorch's AdamW.</param>
public sealed record OptimizerSpec(
    OptimizerType Type,
    double LearningRate,
    double Beta1 = 0.9,
    double Beta2 = 0.999,
    double Epsilon = 1e-7,
    double Momentum = 0.0,
    bool Nesterov = false,
    double WeightDecay = 0.0);

public enum Monitor { ValLoss, ValAccuracy, Loss, Accuracy }

public enum MonitorMode { Auto, Min, Max }

/// <summary>Keras' EarlyStopping. Defaults: monitor val_loss, mode auto, patience 0, min_delta 0, restore false.</summary>
public sealed record EarlyStoppingSpec(
    Monitor Monitor = Monitor.ValLoss,
    MonitorMode Mode = MonitorMode.Auto,
    int Patience = 0,
    double MinDelta = 0.0,
    bool RestoreBestWeights = false);

/// <summary>Second training phase of a transfer model: unfreeze the top stages, train again with a new optimizer.</summary>
public sealed record FineTuneSpec(int TrainableLayers, int Epochs, double LearningRate);

public sealed record TrainingSpec(int Epochs, OptimizerSpec Optimizer, EarlyStoppingSpec? EarlyStopping, FineTuneSpec? FineTune)
{
    /// <summary><c>training.lr_schedule</c>; null keeps the optimizer's learning rate constant.</summary>
    public LearningRateScheduleSpec? LearningRateSchedule { get; init; }

    /// <summary><c>training.label_smoothing</c> in [0, 1): targets become (1 - x) one-hot + x / 10, as Keras'
    /// CategoricalCrossentropy(label_smoothing=x).</summary>
    public double LabelSmoothing { get; init; }

    /// <summary><c>training.ema</c>; null trains and evaluates the raw weights.</summary>
    public EmaSpec? Ema { get; init; }
}

public enum ReportFormat { Markdown, Html }

/// <param name="Templates">Folder with the user's own report.md.scriban / report.html.scriban; null = built-in.</param>
public sealed record ReportSpec(IReadOnlyList<ReportFormat> Formats, string? Templates)
{
    /// <summary><c>report.explain</c>: Grad-CAM maps for a seeded choice of test images (<see cref="ExplainSpec.Default"/>).</summary>
    public ExplainSpec Explain { get; init; } = ExplainSpec.Default;

    /// <summary><c>report.gallery</c>: how many images the error analysis shows (<see cref="GallerySpec.Default"/>).</summary>
    public GallerySpec Gallery { get; init; } = GallerySpec.Default;
}

/// <summary>How the report explains the model's decisions.</summary>
public enum ExplainMethod { GradCam, None }

/// <param name="ImagesPerClass">Test images explained per true class, correct and wrong ones (up to 50).</param>
public sealed record ExplainSpec(ExplainMethod Method, int ImagesPerClass)
{
    /// <summary>Grad-CAM on 4 images per class: 40 maps, a second or two on a CPU.</summary>
    public static ExplainSpec Default { get; } = new(ExplainMethod.GradCam, 4);
}

/// <param name="TopLosses">Test images with the highest loss shown in the error analysis (up to 100).</param>
public sealed record GallerySpec(int TopLosses)
{
    public static GallerySpec Default { get; } = new(16);
}
