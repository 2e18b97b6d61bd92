namespace Cifar.Specs;

/// <summary>
/// Every key and name the spec loader knows, in the order the reference documents them. The loader reads only these
/// keys, and a test checks that experiments/spec.schema.json lists exactly the same ones, so the two cannot drift.
/// </summary>
internal static class SpecVocabulary
{
    public static readonly string[] TopKeys = ["name", "description", "seed", "seeds", "determinism", "data", "model", "training", "evaluation", "report"];

    public static readonly string[] DataKeys =
        ["dataset", "normalization", "validation_split", "batch_size", "image_size", "train_samples", "test_samples", "url", "augmentation"];

    public static readonly string[] CnnModelKeys = ["type", "layers"];

    public static readonly string[] TransferModelKeys = ["type", "base", "weights", "trainable_layers", "head", "weights_url"];

    public static readonly string[] ModelKeys = [.. CnnModelKeys, .. TransferModelKeys.Skip(1)];

    public static readonly string[] TrainingKeys =
        ["epochs", "optimizer", "lr_schedule", "label_smoothing", "ema", "early_stopping", "fine_tune"];

    public static readonly string[] AdamKeys = ["type", "learning_rate", "beta_1", "beta_2", "epsilon"];

    public static readonly string[] SgdKeys = ["type", "learning_rate", "momentum", "nesterov", "weight_decay"];

    public static readonly string[] AdamWKeys = [.. AdamKeys, "weight_decay"];

    public static readonly string[] OptimizerKeys = [.. AdamKeys, .. SgdKeys.Skip(2)];

    /// <summary>Keys of <c>training.lr_schedule</c> for each type; every type takes <c>type</c> and all but one_cycle
    /// <c>warmup_epochs</c>.</summary>
    public static readonly IReadOnlyDictionary<LearningRateScheduleType, string[]> ScheduleKeysByType =
        new Dictionary<LearningRateScheduleType, string[]>
        {
            [LearningRateScheduleType.Constant] = ["type", "warmup_epochs"],
            [LearningRateScheduleType.Step] = ["type", "warmup_epochs", "decay_epochs", "decay_rate"],
            [LearningRateScheduleType.Cosine] = ["type", "warmup_epochs", "alpha"],
            [LearningRateScheduleType.OneCycle] = ["type", "pct_start", "div_factor", "final_div_factor"],
            [LearningRateScheduleType.Linear] = ["type", "warmup_epochs", "end_factor"],
        };

    public static readonly string[] ScheduleKeys = [.. ScheduleKeysByType.Values.SelectMany(k => k).Distinct()];

    /// <summary>Parameters of each <c>data.augmentation</c> kind, in the documented order.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> AugmentationKeys = new Dictionary<string, string[]>
    {
        ["random_crop"] = ["padding", "fill"],
        ["horizontal_flip"] = ["mode"],
        ["cutout"] = ["size", "count"],
        ["color_jitter"] = ["brightness", "contrast", "saturation"],
        ["rand_augment"] = ["num_ops", "magnitude"],
        ["mixup"] = ["alpha", "probability"],
        ["cutmix"] = ["alpha", "probability"],
    };

    public static readonly string[] AugmentationKinds = [.. AugmentationKeys.Keys];

    public static readonly string[] EarlyStoppingKeys = ["monitor", "mode", "patience", "min_delta", "restore_best_weights"];

    public static readonly string[] FineTuneKeys = ["trainable_layers", "epochs", "learning_rate"];

    public static readonly string[] EmaKeys = ["decay"];

    public static readonly string[] EvaluationKeys = ["tta"];

    public static readonly string[] TestTimeAugmentationKeys = ["flip", "translate"];

    public static readonly string[] ReportKeys = ["formats", "templates", "explain", "gallery"];

    public static readonly string[] ExplainKeys = ["method", "images_per_class"];

    public static readonly string[] GalleryKeys = ["top_losses"];

    /// <summary>Parameters of each layer kind, keyed by the kind's YAML name, in the documented order.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> LayerKeys =
        LayerKinds.All.ToDictionary(k => k.Name, k => k.Keys.ToArray());

    public static readonly string[] LayerKindNames = [.. LayerKinds.All.Select(k => k.Name)];

    /// <summary>A transfer head works on the base's pooled feature vector, so it has no spatial layers.</summary>
    public static readonly string[] HeadLayerKinds = [.. LayerKinds.All.Where(k => k.AllowedInHead).Select(k => k.Name)];

    /// <summary>Every mapping of the spec with its keys; a section's name is its dotted path, layer kinds
    /// <c>layer.&lt;kind&gt;</c>. The schema test walks these.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Sections = new Dictionary<string, string[]>
    {
        // extends and sweep are read before validation (SpecComposition, SweepGrid); the schema lists them too.
        [""] = [.. TopKeys, SpecComposition.ExtendsKey, SweepGrid.SweepKey],
        [SweepGrid.SweepKey] = SweepGrid.SweepKeys,
        ["data"] = DataKeys,
        ["model"] = ModelKeys,
        ["training"] = TrainingKeys,
        ["training.optimizer"] = OptimizerKeys,
        ["training.lr_schedule"] = ScheduleKeys,
        ["training.ema"] = EmaKeys,
        ["training.early_stopping"] = EarlyStoppingKeys,
        ["training.fine_tune"] = FineTuneKeys,
        ["evaluation"] = EvaluationKeys,
        ["evaluation.tta"] = TestTimeAugmentationKeys,
        ["report"] = ReportKeys,
        ["report.explain"] = ExplainKeys,
        ["report.gallery"] = GalleryKeys,
        ["layer"] = LayerKindNames,
        ["augmentation"] = AugmentationKinds,
    }.Concat(LayerKeys.Select(k => KeyValuePair.Create("layer." + k.Key, k.Value)))
        .Concat(AugmentationKeys.Select(k => KeyValuePair.Create("augmentation." + k.Key, k.Value))).ToDictionary();

    public static readonly Choice<DatasetName>[] Datasets = [new("cifar10", DatasetName.Cifar10)];

    public static readonly Choice<DeterminismLevel>[] DeterminismLevels =
        [new("fast", DeterminismLevel.Fast), new("portable", DeterminismLevel.Portable)];

    public static readonly Choice<Normalization>[] Normalizations =
    [
        new("rescale", Normalization.Rescale),
        new("standardize", Normalization.Standardize),
        new("imagenet", Normalization.ImageNet),
    ];

    public static readonly Choice<Activation>[] Activations =
    [
        new("linear", Activation.Linear),
        new("relu", Activation.Relu),
        new("tanh", Activation.Tanh),
        new("sigmoid", Activation.Sigmoid),
        new("softmax", Activation.Softmax),
        new("relu6", Activation.Relu6),
        new("elu", Activation.Elu),
        new("selu", Activation.Selu),
        new("gelu", Activation.Gelu),
        new("silu", Activation.Silu),
        // Keras 3 keeps "swish" as another name of silu (keras.activations.swish is silu).
        new("swish", Activation.Silu),
        new("leaky_relu", Activation.LeakyRelu),
        new("mish", Activation.Mish),
        new("softplus", Activation.Softplus),
        new("softsign", Activation.Softsign),
    ];

    public static readonly Choice<Padding>[] Paddings = [new("valid", Padding.Valid), new("same", Padding.Same)];

    public static readonly Choice<ModelType>[] ModelTypes = [new("cnn", ModelType.Cnn), new("transfer", ModelType.Transfer)];

    public static readonly Choice<PretrainedWeights>[] Weights =
        [new("imagenet", PretrainedWeights.ImageNet), new("none", PretrainedWeights.None)];

    public static readonly Choice<OptimizerType>[] Optimizers =
        [new("adam", OptimizerType.Adam), new("sgd", OptimizerType.Sgd), new("adamw", OptimizerType.AdamW)];

    public static readonly Choice<LearningRateScheduleType>[] ScheduleTypes =
    [
        new("constant", LearningRateScheduleType.Constant),
        new("step", LearningRateScheduleType.Step),
        new("cosine", LearningRateScheduleType.Cosine),
        new("one_cycle", LearningRateScheduleType.OneCycle),
        new("linear", LearningRateScheduleType.Linear),
    ];

    public static readonly Choice<CropFill>[] CropFills = [new("reflect", CropFill.Reflect), new("zero", CropFill.Zero)];

    public static readonly Choice<FlipMode>[] FlipModes = [new("random", FlipMode.Random), new("alternating", FlipMode.Alternating)];

    public static readonly Choice<Monitor>[] Monitors =
    [
        new("val_loss", Monitor.ValLoss),
        new("val_accuracy", Monitor.ValAccuracy),
        new("loss", Monitor.Loss),
        new("accuracy", Monitor.Accuracy),
    ];

    public static readonly Choice<MonitorMode>[] Modes =
        [new("auto", MonitorMode.Auto), new("min", MonitorMode.Min), new("max", MonitorMode.Max)];

    public static readonly Choice<ReportFormat>[] Formats =
        [new("markdown", ReportFormat.Markdown), new("html", ReportFormat.Html)];

    public static readonly Choice<ExplainMethod>[] ExplainMethods =
        [new("gradcam", ExplainMethod.GradCam), new("none", ExplainMethod.None)];

    /// <summary>CIFAR-10's classes: the units of the last dense layer.</summary>
    public const int ClassCount = 10;

    public const int TrainImages = 50_000;

    public const int TestImages = 10_000;

    public const int ImageSide = 32;

    public const int MaxImageSize = 512;
}

/// <summary>The value of <c>model.type</c>, before the rest of the model is read.</summary>
internal enum ModelType { Cnn, Transfer }

/// <summary>A YAML name and the value it stands for.</summary>
internal readonly record struct Choice<T>(string Name, T Value);
