using System.Globalization;
using static Cifar.Specs.SpecVocabulary;

namespace Cifar.Specs;

// The training recipe's keys (issue 10): data.augmentation, training.lr_schedule, training.label_smoothing and the
// optimizers' weight decay. Kept apart from the rest of the validator so that each can change on its own.
internal sealed partial class SpecValidator
{
    /// <summary><c>data.augmentation</c>: a list of one-kind mappings, like a layer list. Only a CNN trains on images
    /// each epoch (a transfer model's frozen features are computed once), so only a CNN takes it.</summary>
    private AugmentationStep[] ValidateAugmentation(SpecMapping? data, ModelSpec? model)
    {
        const string P = "data.augmentation";
        var node = data?["augmentation"];
        // Array.Empty, like the record's default, so specs without augmentation compare equal.
        if (node is null) return [];
        if (model is TransferModelSpec)
        {
            Problem(data!.KeyNode("augmentation")!,
                $"`{P}` is set but model.type is 'transfer'; expected augmentation only with a cnn model (a transfer model trains on features computed once)");
        }

        if (node is not SpecSequence list)
        {
            Problem(node, $"`{P}` is {node.Describe()}; expected a list of augmentations, such as [{{random_crop: {{padding: 4}}}}, {{horizontal_flip: {{}}}}]");
            return [];
        }

        var steps = new List<AugmentationStep>();
        var mixing = new List<(string Path, SpecNode Node)>();
        for (var i = 0; i < list.Items.Count; i++)
        {
            var path = P + "[" + i.ToString(CultureInfo.InvariantCulture) + "]";
            var step = ReadAugmentationStep(list.Items[i], path);
            if (step is null) continue;
            if (step.MixesBatch) mixing.Add((path, list.Items[i]));
            else if (mixing.Count > 0)
                Problem(list.Items[i], $"`{path}` is a {step.Name} after the mixing step {mixing[0].Path}; expected mixup and cutmix last (they mix the finished, normalised images)");
            steps.Add(step);
        }

        // Two mixing steps would mix already-soft targets with a second partner; timm alternates them instead.
        if (mixing.Count > 1)
            Problem(mixing[1].Node, $"`{mixing[1].Path}` mixes the batch again (the first mixing step is {mixing[0].Path}); expected at most one of mixup, cutmix");
        return [.. steps];
    }

    private AugmentationStep? ReadAugmentationStep(SpecNode item, string path)
    {
        const string Example = "`random_crop: {padding: 4}`";
        if (item is not SpecMapping entry || entry.Entries.Count != 1)
        {
            Problem(item, item is SpecMapping m
                ? $"`{path}` has {m.Entries.Count} keys; expected one augmentation kind per entry, such as {Example}"
                : $"`{path}` is {item.Describe()}; expected a mapping with one augmentation kind, such as {Example}");
            return null;
        }

        var (key, value) = (entry.Entries[0].Key, entry.Entries[0].Value);
        if (!AugmentationKeys.TryGetValue(key.Value, out var keys))
        {
            Problem(key, $"`{path}` is '{key.Value}'; expected one of {string.Join(", ", AugmentationKinds)}.{Suggestions.DidYouMean(key.Value, AugmentationKinds)}");
            return null;
        }

        var p = path + "." + key.Value;
        SpecMapping map;
        if (value is SpecMapping parameters)
        {
            map = parameters;
            CheckKeys(map, p, keys, keys);
        }
        else if (value is SpecScalar { IsNull: true })
        {
            map = new SpecMapping(item.Start, []);
        }
        else
        {
            Problem(value, $"`{p}` is {value.Describe()}; expected a mapping of {string.Join(", ", keys)}");
            return null;
        }

        var (line, column) = (item.Start.Line, item.Start.Column);
        var before = problems.Count;
        // Sizes are bounded by the 32-pixel images the augmentations see (resizing to image_size comes after them).
        AugmentationStep step = key.Value switch
        {
            "random_crop" => new RandomCropStep(
                Int(map["padding"], p + ".padding", 1, ImageSide / 2) ?? 4,
                Choose(map["fill"], p + ".fill", CropFills) ?? CropFill.Reflect, line, column),
            "horizontal_flip" => new HorizontalFlipStep(Choose(map["mode"], p + ".mode", FlipModes) ?? FlipMode.Random, line, column),
            "cutout" => new CutoutStep(
                Int(map["size"], p + ".size", 1, ImageSide) ?? 8,
                Int(map["count"], p + ".count", 1, 16) ?? 1, line, column),
            "color_jitter" => ReadColorJitter(map, p, line, column),
            "rand_augment" => new RandAugmentStep(
                Int(map["num_ops"], p + ".num_ops", 1, 14) ?? 2,
                Int(map["magnitude"], p + ".magnitude", 0, 30) ?? 9, line, column),
            "mixup" => new MixupStep(
                Number(map["alpha"], p + ".alpha", Interval.Positive) ?? 0.2,
                Probability(map["probability"], p + ".probability") ?? 1.0, line, column),
            _ => new CutMixStep(
                Number(map["alpha"], p + ".alpha", Interval.Positive) ?? 1.0,
                Probability(map["probability"], p + ".probability") ?? 1.0, line, column),
        };
        return problems.Count == before ? step : null;
    }

    private ColorJitterStep ReadColorJitter(SpecMapping map, string p, int line, int column)
    {
        var before = problems.Count;
        var brightness = Number(map["brightness"], p + ".brightness", Interval.NonNegative) ?? 0;
        var contrast = Number(map["contrast"], p + ".contrast", Interval.NonNegative) ?? 0;
        var saturation = Number(map["saturation"], p + ".saturation", Interval.NonNegative) ?? 0;
        if (problems.Count == before && brightness == 0 && contrast == 0 && saturation == 0)
            Problem(map, $"`{p}` changes nothing; expected brightness, contrast or saturation > 0");
        return new ColorJitterStep(brightness, contrast, saturation, line, column);
    }

    /// <summary>A probability in (0, 1]: 0 would switch the step off, which is what leaving it out is for.</summary>
    private double? Probability(SpecNode? node, string path)
    {
        var value = Number(node, path, Interval.Positive);
        if (value <= 1) return value;
        if (value is not null) Problem(node!, $"`{path}` is '{((SpecScalar)node!).Value}'; expected a number in (0, 1]");
        return null;
    }

    /// <summary><c>training.lr_schedule</c>; null when absent.</summary>
    private LearningRateScheduleSpec? ValidateSchedule(SpecMapping? training, int epochs)
    {
        const string P = "training.lr_schedule";
        if (Section(training, "training", "lr_schedule", required: false) is not { } map) return null;
        var type = Choose(Required(map, P, "type", ExpectedOneOf(ScheduleTypes)), P + ".type", ScheduleTypes);
        if (type is not { } t)
        {
            CheckKeys(map, P, ScheduleKeys, ScheduleKeys);
            return null;
        }

        var typeName = ScheduleTypes.Single(c => c.Value == t).Name;
        CheckKeys(map, P, ScheduleKeysByType[t], ScheduleKeys, key =>
            $"`{P}.{key}` does not apply to lr_schedule type '{typeName}'; expected one of {string.Join(", ", ScheduleKeysByType[t])}");

        var warmupNode = map["warmup_epochs"];
        var warmup = Number(warmupNode, P + ".warmup_epochs", Interval.NonNegative) ?? 0;
        if (warmupNode is not null && warmup >= epochs)
        {
            Problem(warmupNode, string.Create(CultureInfo.InvariantCulture,
                $"`{P}.warmup_epochs` is '{((SpecScalar)warmupNode).Value}' but training.epochs is {epochs}; expected fewer warm-up epochs than epochs"));
        }

        var spec = new LearningRateScheduleSpec(t, warmup);
        return t switch
        {
            LearningRateScheduleType.Step => spec with
            {
                DecayEpochs = Int(map["decay_epochs"], P + ".decay_epochs", 1) ?? 1,
                DecayRate = Number(map["decay_rate"], P + ".decay_rate", Interval.OpenUnit) ?? 0.1,
            },
            LearningRateScheduleType.Cosine => spec with { Alpha = Number(map["alpha"], P + ".alpha", Interval.Unit) ?? 0 },
            LearningRateScheduleType.Linear => spec with { EndFactor = Number(map["end_factor"], P + ".end_factor", Interval.Unit) ?? 0 },
            LearningRateScheduleType.OneCycle => spec with
            {
                PctStart = Number(map["pct_start"], P + ".pct_start", Interval.OpenUnit) ?? 0.3,
                DivFactor = Number(map["div_factor"], P + ".div_factor", new Interval(1, true, null)) ?? 25,
                FinalDivFactor = Number(map["final_div_factor"], P + ".final_div_factor", new Interval(1, true, null)) ?? 1e4,
            },
            _ => spec,
        };
    }

    /// <summary><c>training.label_smoothing</c> in [0, 1); 0 when absent.</summary>
    private double ValidateLabelSmoothing(SpecMapping? training) =>
        Number(training?["label_smoothing"], "training.label_smoothing", Interval.Unit) ?? 0;

    /// <summary><c>training.optimizer.weight_decay</c> (sgd, adamw): >= 0; Keras' AdamW default 0.004, SGD's 0.</summary>
    private double ValidateWeightDecay(SpecMapping map, OptimizerType type) =>
        Number(map["weight_decay"], "training.optimizer.weight_decay", Interval.NonNegative)
            ?? (type == OptimizerType.AdamW ? 0.004 : 0);
}
