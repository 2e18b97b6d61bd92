using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cifar.Models.Transfer;
using Cifar.Running;
using Cifar.Specs;
using static Cifar.Tests.Specs.SpecTestFiles;

namespace Cifar.Tests.Specs;

/// <summary>
/// experiments/spec.schema.json is written by hand for editors; these tests hold it to the loader: the same keys in
/// every section, the same names, the same defaults and the same numeric ranges.
/// </summary>
public class SpecSchemaTests
{
    private static readonly JsonElement Root = JsonDocument.Parse(File.ReadAllText(Schema)).RootElement;

    private static JsonElement Resolve(JsonElement node)
    {
        if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty("$ref", out var reference)) return node;
        var target = reference.GetString()!;
        Assert.StartsWith("#/$defs/", target, StringComparison.Ordinal);
        return Root.GetProperty("$defs").GetProperty(target["#/$defs/".Length..]);
    }

    /// <summary>The schema of a <see cref="SpecVocabulary.Sections"/> entry.</summary>
    private static JsonElement Section(string section)
    {
        if (section == "layer") return Root.GetProperty("$defs").GetProperty("layer");
        if (section.StartsWith("layer.", StringComparison.Ordinal))
            return Resolve(Section("layer").GetProperty("properties").GetProperty(section["layer.".Length..]));
        if (section == "augmentation") return Root.GetProperty("$defs").GetProperty("augmentation");
        if (section.StartsWith("augmentation.", StringComparison.Ordinal))
            return Resolve(Section("augmentation").GetProperty("properties").GetProperty(section["augmentation.".Length..]));
        var node = Root;
        foreach (var part in section.Split('.', StringSplitOptions.RemoveEmptyEntries))
            node = Resolve(node.GetProperty("properties").GetProperty(part));
        return node;
    }

    private static JsonElement Property(string section, string key) =>
        Resolve(Section(section).GetProperty("properties").GetProperty(key));

    private static string[] Keys(JsonElement node) =>
        node.TryGetProperty("properties", out var properties) ? [.. properties.EnumerateObject().Select(p => p.Name)] : [];

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    [Fact]
    public void Schema_is_draft_2020_12()
    {
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", Root.GetProperty("$schema").GetString());
    }

    [Fact]
    public void Every_section_lists_exactly_the_keys_the_loader_knows()
    {
        foreach (var (section, keys) in SpecVocabulary.Sections)
        {
            var inSchema = Keys(Section(section));
            Assert.True(keys.Order().SequenceEqual(inSchema.Order()),
                $"Section '{section}': loader knows [{string.Join(", ", keys)}], schema lists [{string.Join(", ", inSchema)}].");
        }

        Assert.Equal(SpecVocabulary.HeadLayerKinds, Keys(Root.GetProperty("$defs").GetProperty("headLayer")));
    }

    [Fact]
    public void Every_object_in_the_schema_rejects_unknown_keys()
    {
        var objects = Root.GetProperty("$defs").EnumerateObject().Select(d => (Name: d.Name, Node: d.Value))
            .Prepend((Name: "(root)", Node: Root))
            .Where(d => d.Node.TryGetProperty("properties", out _));
        foreach (var (name, node) in objects)
        {
            Assert.True(node.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind == JsonValueKind.False,
                $"{name} does not set additionalProperties: false");
        }
    }

    [Fact]
    public void Names_in_the_schema_are_the_names_the_loader_accepts()
    {
        static string[] Names<T>(Choice<T>[] choices) => [.. choices.Select(c => c.Name)];
        Assert.Equal(Names(SpecVocabulary.Datasets), Strings(Property("data", "dataset").GetProperty("enum")));
        Assert.Equal(Names(SpecVocabulary.Normalizations), Strings(Property("data", "normalization").GetProperty("enum")));
        Assert.Equal(Names(SpecVocabulary.ModelTypes), Strings(Property("model", "type").GetProperty("enum")));
        Assert.Equal(Names(SpecVocabulary.Weights), Strings(Property("model", "weights").GetProperty("enum")));
        Assert.Equal(Names(SpecVocabulary.Paddings), Strings(Property("layer.conv2d", "padding").GetProperty("enum")));
        Assert.Equal(Names(SpecVocabulary.Activations), Strings(Property("layer.conv2d", "activation").GetProperty("enum")));
        Assert.Equal(Names(SpecVocabulary.Activations), Strings(Property("layer.dense", "activation").GetProperty("enum")));
        Assert.Equal(Names(SpecVocabulary.Optimizers), Strings(Property("training.optimizer", "type").GetProperty("enum")));
        Assert.Equal(Names(SpecVocabulary.ScheduleTypes), Strings(Property("training.lr_schedule", "type").GetProperty("enum")));
        Assert.Equal(Names(SpecVocabulary.CropFills), Strings(Property("augmentation.random_crop", "fill").GetProperty("enum")));
        Assert.Equal(Names(SpecVocabulary.FlipModes), Strings(Property("augmentation.horizontal_flip", "mode").GetProperty("enum")));
        Assert.Equal("#/$defs/augmentation", Property("data", "augmentation").GetProperty("items").GetProperty("$ref").GetString());
        Assert.Equal(Names(SpecVocabulary.Monitors), Strings(Property("training.early_stopping", "monitor").GetProperty("enum")));
        Assert.Equal(Names(SpecVocabulary.Modes), Strings(Property("training.early_stopping", "mode").GetProperty("enum")));
        Assert.Equal(Names(SpecVocabulary.Formats), Strings(Property("report", "formats").GetProperty("items").GetProperty("enum")));

        var baseSchema = Property("model", "base").GetProperty("anyOf");
        Assert.Equal([.. TransferBases.All.Select(b => b.Name), .. TransferBases.All.Select(b => b.KerasAlias)],
            Strings(baseSchema[0].GetProperty("enum")));
        // The pattern stands for "any letter case", which JSON Schema cannot say directly: it must agree with the loader.
        var pattern = new Regex(baseSchema[1].GetProperty("pattern").GetString()!, RegexOptions.None, TimeSpan.FromSeconds(1));
        var transfer = File.ReadAllText(TransferExample);
        foreach (var name in new[] { "resnet18", "RESNET50", "Mobilenet_V2", "mobilenetv2", "Vgg16", "resnet34", "mobilenet", "vgg19", "resnet_18" })
        {
            var loads = Loads(transfer.Replace("base: resnet18", "base: " + name, StringComparison.Ordinal));
            Assert.True(loads == pattern.IsMatch(name), $"base '{name}': loader {(loads ? "accepts" : "rejects")} it, the schema does not agree");
        }
    }

    [Fact]
    public void Schema_defaults_are_what_the_loader_fills_in()
    {
        var cnn = ExperimentSpecs.Loader.Parse(
            """
            name: d
            seed: 0
            data: {dataset: cifar10}
            model:
              type: cnn
              layers:
                - conv2d: {filters: 1, kernel_size: 1}
                - max_pooling2d: {}
                - batch_normalization: {}
                - flatten: {}
                - dense: {units: 10}
            training:
              epochs: 1
              optimizer: {type: adam}
              early_stopping: {}
            """, "d.yaml");
        var transfer = ExperimentSpecs.Loader.Parse(
            """
            name: d
            seed: 0
            data: {dataset: cifar10}
            model: {type: transfer, base: resnet18}
            training:
              epochs: 1
              optimizer: {type: sgd}
              fine_tune: {trainable_layers: 1, epochs: 1}
            """, "d.yaml");

        static string Default(string section, string key) => JsonSerializer.Serialize(Property(section, key).GetProperty("default"));
        static string Json(object value) => JsonSerializer.Serialize(value);
        static string Name<T>(Choice<T>[] choices, T value) => Json(choices.Single(c => Equals(c.Value, value)).Name);

        Assert.Equal(Default("data", "normalization"), Name(SpecVocabulary.Normalizations, cnn.Data.Normalization));
        Assert.Equal(Default("data", "validation_split"), Json(cnn.Data.ValidationSplit));
        Assert.Equal(Default("data", "batch_size"), Json(cnn.Data.BatchSize));
        Assert.Equal(Default("data", "image_size"), Json(cnn.Data.EffectiveImageSize));

        var layers = ((CnnModelSpec)cnn.Model).Layers;
        var conv = (Conv2DLayer)layers[0];
        Assert.Equal(Default("layer.conv2d", "strides"), Json(conv.Strides));
        Assert.Equal(Default("layer.conv2d", "padding"), Name(SpecVocabulary.Paddings, conv.Padding));
        Assert.Equal(Default("layer.conv2d", "activation"), Name(SpecVocabulary.Activations, conv.Activation));
        Assert.Equal(Default("layer.dense", "activation"), Name(SpecVocabulary.Activations, ((DenseLayer)layers[4]).Activation));
        Assert.Equal(Default("layer.max_pooling2d", "pool_size"), Json(((MaxPooling2DLayer)layers[1]).PoolSize));
        var norm = (BatchNormalizationLayer)layers[2];
        Assert.Equal(Default("layer.batch_normalization", "momentum"), Json(norm.Momentum));
        Assert.Equal(Default("layer.batch_normalization", "epsilon"), Json(norm.Epsilon));

        var adam = cnn.Training.Optimizer;
        Assert.Equal(Default("training.optimizer", "beta_1"), Json(adam.Beta1));
        Assert.Equal(Default("training.optimizer", "beta_2"), Json(adam.Beta2));
        Assert.Equal(JsonDocument.Parse(Default("training.optimizer", "epsilon")).RootElement.GetDouble(), adam.Epsilon);
        var sgd = transfer.Training.Optimizer;
        Assert.Equal(Default("training.optimizer", "momentum"), Json((int)sgd.Momentum));
        Assert.Equal(Default("training.optimizer", "nesterov"), Json(sgd.Nesterov));
        var learningRates = Section("training.optimizer").GetProperty("allOf").EnumerateArray()
            .Where(rule => rule.GetProperty("then").GetProperty("properties").TryGetProperty("learning_rate", out _))
            .ToDictionary(
                rule => rule.GetProperty("if").GetProperty("properties").GetProperty("type").GetProperty("const").GetString()!,
                rule => rule.GetProperty("then").GetProperty("properties").GetProperty("learning_rate").GetProperty("default").GetDouble());
        var adamw = ExperimentSpecs.Loader.Parse(
            """
            name: d
            seed: 0
            data:
              dataset: cifar10
              augmentation:
                - random_crop:
                - horizontal_flip: {}
                - cutout: {}
                - rand_augment: {}
                - mixup: {}
            model:
              type: cnn
              layers: [{flatten: {}}, {dense: {units: 10}}]
            training:
              epochs: 2
              optimizer: {type: adamw}
              lr_schedule: {type: step}
            """, "d.yaml");
        Assert.Equal(new Dictionary<string, double> { ["adam"] = adam.LearningRate, ["sgd"] = sgd.LearningRate, ["adamw"] = adamw.Training.Optimizer.LearningRate },
            learningRates);
        var adamwRule = Section("training.optimizer").GetProperty("allOf").EnumerateArray()
            .Single(rule => rule.GetProperty("if").GetProperty("properties").TryGetProperty("type", out var t) && t.GetProperty("const").GetString() == "adamw");
        Assert.Equal(adamwRule.GetProperty("then").GetProperty("properties").GetProperty("weight_decay").GetProperty("default").GetDouble(),
            adamw.Training.Optimizer.WeightDecay);
        Assert.Equal(0, sgd.WeightDecay);
        Assert.Equal(Default("training", "label_smoothing"), Json((int)cnn.Training.LabelSmoothing));

        var steps = adamw.Data.Augmentation;
        var crop = (RandomCropStep)steps[0];
        Assert.Equal(Default("augmentation.random_crop", "padding"), Json(crop.Padding));
        Assert.Equal(Default("augmentation.random_crop", "fill"), Name(SpecVocabulary.CropFills, crop.Fill));
        Assert.Equal(Default("augmentation.horizontal_flip", "mode"), Name(SpecVocabulary.FlipModes, ((HorizontalFlipStep)steps[1]).Mode));
        var cutout = (CutoutStep)steps[2];
        Assert.Equal(Default("augmentation.cutout", "size"), Json(cutout.Size));
        Assert.Equal(Default("augmentation.cutout", "count"), Json(cutout.Count));
        var rand = (RandAugmentStep)steps[3];
        Assert.Equal(Default("augmentation.rand_augment", "num_ops"), Json(rand.NumOps));
        Assert.Equal(Default("augmentation.rand_augment", "magnitude"), Json(rand.Magnitude));
        var mixup = (MixupStep)steps[4];
        Assert.Equal(Default("augmentation.mixup", "alpha"), Json(mixup.Alpha));
        Assert.Equal(Default("augmentation.mixup", "probability"), Json((int)mixup.Probability));
        var schedule = adamw.Training.LearningRateSchedule!;
        Assert.Equal(Default("training.lr_schedule", "warmup_epochs"), Json((int)schedule.WarmupEpochs));
        Assert.Equal(Default("training.lr_schedule", "decay_epochs"), Json(schedule.DecayEpochs));
        Assert.Equal(Default("training.lr_schedule", "decay_rate"), Json(schedule.DecayRate));
        var defaults = new LearningRateScheduleSpec(LearningRateScheduleType.OneCycle);
        Assert.Equal(Default("training.lr_schedule", "pct_start"), Json(defaults.PctStart));
        Assert.Equal(Default("training.lr_schedule", "div_factor"), Json((int)defaults.DivFactor));
        Assert.Equal(Default("training.lr_schedule", "final_div_factor"), Json((int)defaults.FinalDivFactor));

        var stopping = cnn.Training.EarlyStopping!;
        Assert.Equal(Default("training.early_stopping", "monitor"), Name(SpecVocabulary.Monitors, stopping.Monitor));
        Assert.Equal(Default("training.early_stopping", "mode"), Name(SpecVocabulary.Modes, stopping.Mode));
        Assert.Equal(Default("training.early_stopping", "patience"), Json(stopping.Patience));
        Assert.Equal(Default("training.early_stopping", "min_delta"), Json((int)stopping.MinDelta));
        Assert.Equal(Default("training.early_stopping", "restore_best_weights"), Json(stopping.RestoreBestWeights));
        Assert.Equal(JsonDocument.Parse(Default("training.fine_tune", "learning_rate")).RootElement.GetDouble(),
            transfer.Training.FineTune!.LearningRate);

        var model = (TransferModelSpec)transfer.Model;
        Assert.Equal(Default("model", "weights"), Name(SpecVocabulary.Weights, model.Weights));
        Assert.Equal(Default("model", "trainable_layers"), Json(model.TrainableLayers));
        var head = Assert.IsType<DenseLayer>(Assert.Single(model.Head));
        Assert.Equal(Default("model", "head"), Json(new[] { new { dense = new { units = head.Units } } }));
        Assert.Equal(Activation.Linear, head.Activation);
        Assert.Equal(Default("report", "formats"),
            Json(cnn.Report.Formats.Select(f => SpecVocabulary.Formats.Single(c => c.Value == f).Name)));
    }

    /// <summary>A key, a spec with {v} where its value goes, and values around its bounds.</summary>
    public static TheoryData<string, string, string, double[]> Ranges()
    {
        static string Cnn(string data = "", string layer = "", string training = "", string optimizer = "type: adam") =>
            $$"""
            name: r
            seed: 0
            data:
              dataset: cifar10
            {{data}}
            model:
              type: cnn
              layers:
            {{layer}}
                - flatten: {}
                - dense: {units: 10}
            training:
              epochs: 1
              optimizer: { {{optimizer}} }
            {{training}}
            """;
        static string Transfer(string model = "", string fineTune = "") =>
            $$"""
            name: r
            seed: 0
            data: {dataset: cifar10}
            model:
              type: transfer
              base: resnet18
            {{model}}
            training:
              epochs: 1
              optimizer: {type: adam}
            {{fineTune}}
            """;
        double[] open01 = [-0.5, 0, 1e-3, 0.5, 0.999, 1, 1.5];
        double[] positive = [-1, 0, 1e-9, 0.5, 2];
        double[] atLeast1 = [-1, 0, 1, 2, 1000];
        return new()
        {
            { "", "seed", Cnn().Replace("seed: 0", "seed: {v}", StringComparison.Ordinal), [-1, 0, 1, 2147483647, 2147483648] },
            { "data", "validation_split", Cnn(data: "  validation_split: {v}"), open01 },
            { "data", "batch_size", Cnn(data: "  batch_size: {v}"), atLeast1 },
            { "data", "image_size", Cnn(data: "  image_size: {v}"), [16, 31, 32, 33, 512, 513] },
            { "data", "train_samples", Cnn(data: "  validation_split: 0.5\n  train_samples: {v}"), [0, 2, 50000, 50001] },
            { "data", "test_samples", Cnn(data: "  test_samples: {v}"), [0, 1, 10000, 10001] },
            { "model", "trainable_layers", Transfer(model: "  trainable_layers: {v}"), [-1, 0, 5, 6] },
            { "layer.conv2d", "filters", Cnn(layer: "    - conv2d: {filters: {v}, kernel_size: 1}"), atLeast1 },
            { "layer.conv2d", "kernel_size", Cnn(layer: "    - conv2d: {filters: 1, kernel_size: {v}}"), [-1, 0, 1, 2, 32] },
            { "layer.conv2d", "strides", Cnn(layer: "    - conv2d: {filters: 1, kernel_size: 1, strides: {v}}"), atLeast1 },
            { "layer.max_pooling2d", "pool_size", Cnn(layer: "    - max_pooling2d: {pool_size: {v}}"), [-1, 0, 1, 2, 32] },
            { "layer.max_pooling2d", "strides", Cnn(layer: "    - max_pooling2d: {strides: {v}}"), atLeast1 },
            { "layer.dense", "units", Cnn(layer: "    - flatten: {}\n    - dense: {units: {v}}").Replace("{units: {v}}\n    - flatten: {}", "{units: {v}}", StringComparison.Ordinal), atLeast1 },
            { "layer.dropout", "rate", Cnn(layer: "    - dropout: {rate: {v}}"), open01 },
            { "layer.batch_normalization", "momentum", Cnn(layer: "    - batch_normalization: {momentum: {v}}"), open01 },
            { "layer.batch_normalization", "epsilon", Cnn(layer: "    - batch_normalization: {epsilon: {v}}"), positive },
            { "training", "epochs", Cnn().Replace("epochs: 1", "epochs: {v}", StringComparison.Ordinal), atLeast1 },
            { "training.optimizer", "learning_rate", Cnn(optimizer: "type: sgd, learning_rate: {v}"), positive },
            { "training.optimizer", "beta_1", Cnn(optimizer: "type: adam, beta_1: {v}"), open01 },
            { "training.optimizer", "weight_decay", Cnn(optimizer: "type: sgd, weight_decay: {v}"), [-1, 0, 0.5, 2] },
            { "training", "label_smoothing", Cnn(training: "  label_smoothing: {v}"), open01 },
            { "training.ema", "decay", Cnn(training: "  ema: {decay: {v}}"), open01 },
            { "evaluation.tta", "translate", Cnn() + "\nevaluation: {tta: {translate: {v}}}", [-1, 0, 1, 16, 17] },
            { "training.lr_schedule", "decay_rate", Cnn(training: "  lr_schedule: {type: step, decay_rate: {v}}"), open01 },
            { "training.lr_schedule", "div_factor", Cnn(training: "  lr_schedule: {type: one_cycle, div_factor: {v}}"), [0, 0.5, 1, 25] },
            { "augmentation.random_crop", "padding", Cnn(data: "  augmentation: [{random_crop: {padding: {v}}}]"), [-1, 0, 1, 16, 17] },
            { "augmentation.cutout", "size", Cnn(data: "  augmentation: [{cutout: {size: {v}}}]"), [0, 1, 32, 33] },
            { "augmentation.cutout", "count", Cnn(data: "  augmentation: [{cutout: {count: {v}}}]"), [0, 1, 16, 17] },
            { "augmentation.rand_augment", "num_ops", Cnn(data: "  augmentation: [{rand_augment: {num_ops: {v}}}]"), [0, 1, 14, 15] },
            { "augmentation.rand_augment", "magnitude", Cnn(data: "  augmentation: [{rand_augment: {magnitude: {v}}}]"), [-1, 0, 30, 31] },
            { "augmentation.mixup", "alpha", Cnn(data: "  augmentation: [{mixup: {alpha: {v}}}]"), positive },
            { "augmentation.cutmix", "probability", Cnn(data: "  augmentation: [{cutmix: {probability: {v}}}]"), [-0.5, 0, 0.5, 1, 1.5] },
            { "augmentation.color_jitter", "contrast", Cnn(data: "  augmentation: [{color_jitter: {brightness: 0.1, contrast: {v}}}]"), [-1, 0, 0.5, 3] },
            { "training.optimizer", "beta_2", Cnn(optimizer: "type: adam, beta_2: {v}"), open01 },
            { "training.optimizer", "epsilon", Cnn(optimizer: "type: adam, epsilon: {v}"), positive },
            { "training.optimizer", "momentum", Cnn(optimizer: "type: sgd, momentum: {v}"), open01 },
            { "training.early_stopping", "patience", Cnn(training: "  early_stopping: {patience: {v}}"), [-1, 0, 1, 100] },
            { "training.early_stopping", "min_delta", Cnn(training: "  early_stopping: {min_delta: {v}}"), [-0.1, 0, 0.1] },
            { "training.fine_tune", "trainable_layers", Transfer(fineTune: "  fine_tune: {trainable_layers: {v}, epochs: 1}"), [-1, 0, 1, 5, 6] },
            { "training.fine_tune", "epochs", Transfer(fineTune: "  fine_tune: {trainable_layers: 1, epochs: {v}}"), atLeast1 },
            { "training.fine_tune", "learning_rate", Transfer(fineTune: "  fine_tune: {trainable_layers: 1, epochs: 1, learning_rate: {v}}"), positive },
        };
    }

    [Theory]
    [MemberData(nameof(Ranges))]
    public void Schema_ranges_are_the_loader_ranges(string section, string key, string template, double[] values)
    {
        var schema = Property(section, key);
        foreach (var value in values)
        {
            var text = value.ToString("R", CultureInfo.InvariantCulture);
            var loads = Loads(template.Replace("{v}", text, StringComparison.Ordinal));
            Assert.True(loads == WithinBounds(schema, value),
                $"{section}.{key} = {text}: the loader {(loads ? "accepts" : "rejects")} it, the schema does not agree");
        }
    }

    [Fact]
    public void Both_examples_use_only_keys_and_names_the_schema_knows()
    {
        foreach (var path in new[] { CnnExample, TransferExample })
        {
            var problems = new List<SpecProblem>();
            var root = SpecTreeReader.Read(File.ReadAllText(path), problems);
            Assert.Empty(problems);
            Walk(root!, Root, Path.GetFileName(path));
        }
    }

    private static void Walk(SpecNode node, JsonElement schema, string path)
    {
        schema = Resolve(schema);
        switch (node)
        {
            case SpecMapping mapping:
                var properties = schema.GetProperty("properties");
                foreach (var (key, value) in mapping.Entries)
                {
                    Assert.True(properties.TryGetProperty(key.Value, out var child), $"{path}: '{key.Value}' is not in the schema");
                    Walk(value, child, path + "." + key.Value);
                }

                break;
            case SpecSequence sequence:
                foreach (var item in sequence.Items) Walk(item, schema.GetProperty("items"), path + "[]");
                break;
            case SpecScalar scalar:
                var enums = schema.TryGetProperty("enum", out var direct) ? [direct]
                    : schema.TryGetProperty("anyOf", out var anyOf) ? anyOf.EnumerateArray().Where(a => a.TryGetProperty("enum", out _)).Select(a => a.GetProperty("enum")).ToArray()
                    : Array.Empty<JsonElement>();
                if (enums.Length > 0)
                    Assert.True(enums.Any(e => Strings(e).Contains(scalar.Value)), $"{path}: '{scalar.Value}' is not one of the schema's names");
                break;
        }
    }

    private static bool Loads(string yaml)
    {
        try
        {
            ExperimentSpecs.Loader.Parse(yaml, "range.yaml");
            return true;
        }
        catch (CifarUserException)
        {
            return false;
        }
    }

    private static bool WithinBounds(JsonElement schema, double value)
    {
        double? Get(string name) => schema.TryGetProperty(name, out var bound) ? bound.GetDouble() : null;
        if (schema.TryGetProperty("type", out var type) && type.GetString() == "integer" && value != Math.Floor(value)) return false;
        return !(value < Get("minimum") || value > Get("maximum") || value <= Get("exclusiveMinimum") || value >= Get("exclusiveMaximum"));
    }
}
