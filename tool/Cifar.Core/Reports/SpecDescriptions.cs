using System.Globalization;
using Cifar.Specs;

namespace Cifar.Reports;

/// <summary>
/// Short texts for the report's setup table, made from the validated spec in its own (Keras/YAML) words, so the runner
/// does not format them by hand.
/// </summary>
public static class SpecDescriptions
{
    /// <summary>The setup table's values: normalization, image size, batch size, optimizer(s), early stopping, epochs,
    /// and the recipe's optional settings.</summary>
    public static TrainingSetup Setup(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var training = spec.Training;
        var optimizer = Optimizer(training.Optimizer);
        if (training.FineTune is { } fineTune)
        {
            optimizer += Invariant($"; fine_tune: {fineTune.Epochs} epochs, learning_rate {fineTune.LearningRate}, trainable_layers {fineTune.TrainableLayers}");
        }
        return new TrainingSetup(
            Normalization(spec.Data.Normalization),
            spec.Data.EffectiveImageSize,
            spec.Data.BatchSize,
            optimizer,
            training.EarlyStopping is { } es ? EarlyStopping(es) : null,
            training.Epochs + (training.FineTune?.Epochs ?? 0))
        {
            Augmentation = spec.Data.Augmentation.Count == 0 ? null : string.Join(", ", spec.Data.Augmentation.Select(Augmentation)),
            LearningRateSchedule = training.LearningRateSchedule is { } schedule
                ? Schedule(schedule) + (training.FineTune is null ? "" : "; fine_tune keeps its learning_rate constant")
                : null,
            LabelSmoothing = training.LabelSmoothing > 0 ? Invariant($"label_smoothing {training.LabelSmoothing}") : null,
            Ema = training.Ema is { } ema ? Ema(ema) : null,
            TestTimeAugmentation = spec.Evaluation.TestTimeAugmentation is { } tta ? TestTimeAugmentation(tta) : null,
        };
    }

    /// <summary><c>training.ema</c> in words, saying what uses the average.</summary>
    public static string Ema(EmaSpec ema) => Invariant(
        $"exponential moving average of the weights (decay {ema.Decay}, every step); validation, early stopping and the test evaluation use it");

    /// <summary><c>evaluation.tta</c> in words: <c>horizontal flip, 1-pixel translations (logits averaged; test images only)</c>.</summary>
    public static string TestTimeAugmentation(TestTimeAugmentationSpec tta)
    {
        var views = new List<string>();
        if (tta.Flip) views.Add("horizontal flip");
        if (tta.Translate > 0) views.Add(Invariant($"{tta.Translate}-pixel translations"));
        return string.Join(", ", views) + " (logits averaged; test images only)";
    }

    /// <summary>A step with every one of its keys as it ran (defaults included), in YAML words:
    /// <c>random_crop (padding 4, fill reflect)</c>.</summary>
    public static string Augmentation(AugmentationStep step) => step switch
    {
        RandomCropStep c => Invariant($"random_crop (padding {c.Padding}, fill {YamlName(SpecVocabulary.CropFills, c.Fill)})"),
        HorizontalFlipStep f => Invariant($"horizontal_flip (mode {YamlName(SpecVocabulary.FlipModes, f.Mode)})"),
        CutoutStep c => Invariant($"cutout (size {c.Size}, count {c.Count})"),
        ColorJitterStep j => Invariant($"color_jitter (brightness {j.Brightness}, contrast {j.Contrast}, saturation {j.Saturation})"),
        RandAugmentStep r => Invariant($"rand_augment (num_ops {r.NumOps}, magnitude {r.Magnitude})"),
        MixupStep m => Invariant($"mixup (alpha {m.Alpha}, probability {m.Probability})"),
        CutMixStep m => Invariant($"cutmix (alpha {m.Alpha}, probability {m.Probability})"),
        _ => step.Name,
    };

    /// <summary>The schedule's type with every key it takes (defaults included), in YAML words:
    /// <c>cosine (warmup_epochs 1, alpha 0), per step</c>. one_cycle has no warm-up key: it rises by itself.</summary>
    public static string Schedule(LearningRateScheduleSpec s)
    {
        var warmup = Invariant($"warmup_epochs {s.WarmupEpochs}");
        var shape = s.Type switch
        {
            LearningRateScheduleType.Constant => Invariant($"constant ({warmup})"),
            LearningRateScheduleType.Step => Invariant($"step ({warmup}, decay_epochs {s.DecayEpochs}, decay_rate {s.DecayRate})"),
            LearningRateScheduleType.Cosine => Invariant($"cosine ({warmup}, alpha {s.Alpha})"),
            LearningRateScheduleType.Linear => Invariant($"linear ({warmup}, end_factor {s.EndFactor})"),
            _ => Invariant($"one_cycle (pct_start {s.PctStart}, div_factor {s.DivFactor}, final_div_factor {s.FinalDivFactor})"),
        };
        return shape + ", per step";
    }

    /// <summary><c>cnn</c>, or e.g. <c>transfer: resnet18, imagenet weights, trainable_layers 0</c>: the spec's
    /// <c>model.type</c> (<see cref="ModelSpec.Type"/>, its own field of a report) and what matters about the model.</summary>
    public static string ModelDescription(ModelSpec model) => model switch
    {
        CnnModelSpec => "cnn",
        TransferModelSpec t => Invariant(
            $"transfer: {t.Base}, {(t.Weights == PretrainedWeights.ImageNet ? "imagenet weights" : "random init")}, trainable_layers {t.TrainableLayers}"),
        null => throw new ArgumentNullException(nameof(model)),
        _ => model.Type,
    };

    private static string Normalization(Normalization n) => n switch
    {
        Specs.Normalization.Rescale => "rescale (pixels / 255)",
        Specs.Normalization.Standardize => "standardize (per-channel mean and std of the training split)",
        Specs.Normalization.ImageNet => "imagenet (the statistics the pretrained base expects)",
        _ => n.ToString(),
    };

    private static string Optimizer(OptimizerSpec o) => o.Type switch
    {
        OptimizerType.Adam => Invariant($"adam (learning_rate {o.LearningRate}, beta_1 {o.Beta1}, beta_2 {o.Beta2}, epsilon {o.Epsilon})"),
        OptimizerType.Sgd => Invariant($"sgd (learning_rate {o.LearningRate}, momentum {o.Momentum}, nesterov {(o.Nesterov ? "true" : "false")}, weight_decay {o.WeightDecay})"),
        OptimizerType.AdamW => Invariant($"adamw (learning_rate {o.LearningRate}, beta_1 {o.Beta1}, beta_2 {o.Beta2}, epsilon {o.Epsilon}, weight_decay {o.WeightDecay})"),
        _ => o.Type.ToString(),
    };

    private static string EarlyStopping(EarlyStoppingSpec es) => Invariant(
        $"monitor {YamlName(SpecVocabulary.Monitors, es.Monitor)} (mode {YamlName(SpecVocabulary.Modes, es.Mode)}), patience {es.Patience}, min_delta {es.MinDelta}{(es.RestoreBestWeights ? ", restore best weights" : "")}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>The spec's YAML spelling of a value (val_loss, auto), from the loader's vocabulary.</summary>
    private static string YamlName<T>(Choice<T>[] choices, T value) where T : struct, Enum =>
        choices.First(c => EqualityComparer<T>.Default.Equals(c.Value, value)).Name;
}
