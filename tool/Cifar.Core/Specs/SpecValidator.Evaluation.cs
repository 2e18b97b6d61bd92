using static Cifar.Specs.SpecVocabulary;

namespace Cifar.Specs;

// Issue 10's weight averaging (training.ema) and test-time augmentation (the evaluation section), kept apart from the
// rest of the validator like the other recipe keys.
internal sealed partial class SpecValidator
{
    /// <summary><c>training.ema</c>; null when absent. <c>ema: {}</c> takes Keras' default ema_momentum, 0.99.</summary>
    private EmaSpec? ValidateEma(SpecMapping? training)
    {
        const string P = "training.ema";
        if (Section(training, "training", "ema", required: false) is not { } map) return null;
        CheckKeys(map, P, EmaKeys, EmaKeys);
        // 0 would be the raw weights and 1 the initial ones forever: neither is an average.
        return new EmaSpec(Number(map["decay"], P + ".decay", Interval.OpenUnit) ?? 0.99);
    }

    /// <summary>The top-level <c>evaluation</c> section; <see cref="EvaluationSpec.Default"/> when absent.</summary>
    private EvaluationSpec ReadEvaluation(SpecMapping top, ModelSpec? model, TrainingSpec training)
    {
        const string P = "evaluation.tta";
        if (Section(top, "", "evaluation", required: false) is not { } map) return EvaluationSpec.Default;
        CheckKeys(map, "evaluation", EvaluationKeys, EvaluationKeys);
        if (Section(map, "evaluation", "tta", required: false) is not { } tta) return EvaluationSpec.Default;
        CheckKeys(tta, P, TestTimeAugmentationKeys, TestTimeAugmentationKeys);

        var before = problems.Count;
        var flip = Bool(tta["flip"], P + ".flip") ?? true;
        // Half the 32-pixel side at most, as random_crop's padding: a reflected shift must stay inside the image.
        var translate = Int(tta["translate"], P + ".translate", 0, ImageSide / 2) ?? 0;
        if (problems.Count == before && !flip && translate == 0)
            Problem(tta, $"`{P}` changes nothing; expected flip: true or translate >= 1");

        // A frozen base's test features are computed once, from the images as they are: there is no image left to flip.
        if (model is TransferModelSpec { TrainableLayers: 0 } && training.FineTune is null)
        {
            Problem(map.KeyNode("tta")!,
                "`evaluation.tta` is set but the transfer model's base is frozen (trainable_layers 0 and no training.fine_tune), so the test images reach the head as features computed once; expected tta only with a cnn model or a transfer model whose base trains");
        }

        return new EvaluationSpec(new TestTimeAugmentationSpec(flip, translate));
    }
}
