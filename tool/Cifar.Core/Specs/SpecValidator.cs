using System.Globalization;
using System.Text.RegularExpressions;
using static Cifar.Specs.SpecVocabulary;

namespace Cifar.Specs;

/// <summary>
/// Turns a <see cref="SpecNode"/> tree into an <see cref="ExperimentSpec"/>, recording every problem instead of
/// stopping at the first. Readers return a fallback value after recording a problem, so validation carries on; the
/// spec they build is only used when no problem was recorded.
/// </summary>
internal sealed partial class SpecValidator(List<SpecProblem> problems, string specDirectory, IReadOnlyList<TransferBaseName> bases)
{
    /// <summary>The base of a transfer spec once read: fine_tune's range depends on its stage count.</summary>
    private TransferBaseName? _chosenBase;

    /// <summary>Where <c>name</c> was written, so <see cref="SpecLoader.LoadAll"/> can point at a duplicate.</summary>
    public SpecPosition NamePosition { get; private set; } = new(1, 1);

    /// <summary>The spec, or null when the document is not a mapping (then one problem says so).</summary>
    public ExperimentSpec? Validate(SpecNode root, string sourcePath, string sourceText)
    {
        if (root is not SpecMapping top)
        {
            // A document of only "---" has its empty node after the marker; the file's start reads better.
            Problem(root is SpecScalar { IsNull: true } ? new(1, 1) : root.Start,
                (root is SpecScalar { IsNull: true } ? "the file has no keys" : $"the top level is {root.Describe()}")
                + "; expected a mapping with name, seed, data, model and training");
            return null;
        }

        CheckKeys(top, "", TopKeys, TopKeys);

        var name = ReadName(top);
        var description = Text(top["description"], "description");
        var (seed, seeds) = ReadSeeds(top);
        var determinism = Choose(top["determinism"], "determinism", DeterminismLevels) ?? DeterminismLevel.Fast;
        var (data, imageSize) = ReadData(top);
        var problemsBeforeModel = problems.Count;
        var model = ReadModel(top, imageSize);
        data = data with { Augmentation = ValidateAugmentation(top["data"] as SpecMapping, model) };
        if (problems.Count == problemsBeforeModel) CheckModelSize(model, imageSize, data.BatchSize);
        var training = ReadTraining(top, model);
        var evaluation = ReadEvaluation(top, model, training);
        var report = ReadReport(top);
        return new ExperimentSpec(name, description, seed, data, model ?? new CnnModelSpec([]), training, report,
            sourcePath, sourceText)
        {
            Evaluation = evaluation,
            Seeds = seeds,
            SeedText = SeedTextSpan(top, sourceText),
            Determinism = determinism,
        };
    }

    // ---- top level

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex NamePattern();

    /// <summary>Whether <paramref name="name"/> is a valid experiment name of letters, digits, '-', '_' and '.'.</summary>
    internal static bool IsPlainName(string name) => NamePattern().IsMatch(name) && name.Trim('.').Length > 0 && !name.StartsWith('.');

    private string ReadName(SpecMapping top)
    {
        var node = Required(top, "", "name", "a name of letters, digits, '-', '_' and '.'");
        if (node is not null) NamePosition = node.Start;
        var name = Text(node, "name");
        if (name is null) return "";
        // A sweep cell's spec is named sweep/cell (SweepCellNames), so rerunning it writes into the cell's folder.
        if (!NamePattern().IsMatch(name) && !SweepCellNames.IsCellSpecName(name))
            Problem(node!, $"`name` is '{name}'; expected letters, digits, '-', '_' and '.' only (it names the report folder)");
        else if (name.Trim('.').Length == 0)
            Problem(node!, $"`name` is '{name}'; expected a name that is not only dots (it names the report folder)");
        else
            CheckNameFitsFolder(node!, name);
        return name;
    }

    /// <summary>
    /// A name must not be hidden (a dot first: <c>.git</c>, and the report writer's own temporary folders start
    /// with one) and must leave room for the writer's temporary folder name in the file system's 255 bytes.
    /// </summary>
    private void CheckNameFitsFolder(SpecNode node, string name)
    {
        if (name.StartsWith('.'))
            Problem(node, $"`name` is '{name}'; expected a name that does not start with '.' (hidden folders such as .git are not report folders)");
        else if (System.Text.Encoding.UTF8.GetByteCount(name) > SpecLimits.MaxNameBytes)
            Problem(node, $"`name` is {System.Text.Encoding.UTF8.GetByteCount(name).ToString(CultureInfo.InvariantCulture)} characters long; expected at most {SpecLimits.MaxNameBytes.ToString(CultureInfo.InvariantCulture)} (it names the report folder, and file names have at most 255 bytes)");
    }

    // ---- data

    private (DataSpec Data, int? ImageSize) ReadData(SpecMapping top)
    {
        var map = Section(top, "", "data", required: true);
        if (map is not null) CheckKeys(map, "data", DataKeys, DataKeys);
        var dataset = Choose(Required(map, "data", "dataset", ExpectedOneOf(Datasets)), "data.dataset", Datasets)
            ?? DatasetName.Cifar10;
        var normalization = Choose(map?["normalization"], "data.normalization", Normalizations) ?? Normalization.Rescale;
        var splitNode = map?["validation_split"];
        var split = Number(splitNode, "data.validation_split", Interval.OpenUnit);
        var batchSize = Int(map?["batch_size"], "data.batch_size", 1) ?? 32;
        var imageSizeNode = map?["image_size"];
        var imageSize = Int(imageSizeNode, "data.image_size", ImageSide, MaxImageSize);
        var trainNode = map?["train_samples"];
        var trainSamples = Int(trainNode, "data.train_samples", 1, TrainImages);
        var testSamples = Int(map?["test_samples"], "data.test_samples", 1, TestImages);
        var url = Location(map?["url"], "data.url");

        if ((splitNode is null || split is not null) && (trainNode is null || trainSamples is not null))
        {
            CheckSplit(trainSamples ?? TrainImages, split ?? 0.1, (splitNode as SpecScalar)?.Value ?? "0.1",
                trainNode ?? splitNode, trainNode is not null);
        }

        var data = new DataSpec(dataset, normalization, split ?? 0.1, batchSize, imageSize, trainSamples, testSamples, url);
        return (data, imageSizeNode is null ? ImageSide : imageSize);
    }

    /// <summary>Both the training and the validation split must keep at least one image, whichever way the data
    /// loader rounds <c>images * validation_split</c>.</summary>
    private void CheckSplit(int images, double split, string splitText, SpecNode? blame, bool blameTrainSamples)
    {
        if (blame is null) return; // Defaults: 50,000 images with 0.1 held out.
        var heldOut = Math.Round(images * split, 9);
        var emptySplit = Math.Floor(heldOut) < 1 ? "validation" : images - Math.Ceiling(heldOut) < 1 ? "training" : null;
        if (emptySplit is null) return;
        var imageCount = images.ToString(CultureInfo.InvariantCulture);
        var heldOutCount = heldOut.ToString("0.###", CultureInfo.InvariantCulture);
        Problem(blame, blameTrainSamples
            ? $"`data.train_samples` is '{imageCount}', which with validation_split {splitText} holds out {heldOutCount} images and leaves the {emptySplit} split empty; expected at least 1 image in each split"
            : $"`data.validation_split` is '{splitText}', which holds out {heldOutCount} of {imageCount} images and leaves the {emptySplit} split empty; expected at least 1 image in each split");
    }

    // ---- model

    private ModelSpec? ReadModel(SpecMapping top, int? imageSize)
    {
        var map = Section(top, "", "model", required: true);
        var type = Choose(Required(map, "model", "type", ExpectedOneOf(ModelTypes)), "model.type", ModelTypes);
        if (map is null) return null;

        var allowed = type switch { ModelType.Cnn => CnnModelKeys, ModelType.Transfer => TransferModelKeys, _ => ModelKeys };
        CheckKeys(map, "model", allowed, ModelKeys, key => key == "layers"
            ? "`model.layers` applies to cnn models only; model.type is 'transfer' (a transfer model's own layers go in `head`)"
            : $"`model.{key}` applies to transfer models only; model.type is 'cnn'");

        if (type == ModelType.Cnn)
        {
            var layers = ReadLayers(Required(map, "model", "layers", "a list of layers"), "model.layers", head: false, depth: 0);
            if (layers is not null) CheckArchitecture(layers, FeatureLayout.Image, imageSize is { } side ? [3, side, side] : null);
            return new CnnModelSpec(layers?.Select(l => l.Layer).OfType<LayerSpec>().ToArray() ?? []);
        }

        if (type != ModelType.Transfer) return null;

        Choice<int>[] names = [.. bases.Select((b, i) => new Choice<int>(b.Name, i))];
        Choice<int>[] aliases = [.. bases.Select((b, i) => new Choice<int>(b.KerasAlias, i))];
        _chosenBase = Choose(Required(map, "model", "base", ExpectedOneOf(names)), "model.base", names, aliases) is { } index
            ? bases[index]
            : null;
        var weights = Choose(map["weights"], "model.weights", Weights) ?? PretrainedWeights.ImageNet;
        // An unknown base (reported) leaves the range at the most any base allows, so no second problem is made up.
        var trainable = Int(map["trainable_layers"], "model.trainable_layers", 0, StageCount) ?? 0;
        IReadOnlyList<LayerSpec> head = [new DenseLayer(ClassCount, Activation.Linear, map.Start.Line, map.Start.Column)];
        if (map["head"] is { } headNode)
        {
            var entries = ReadLayers(headNode, "model.head", head: true, depth: 0);
            if (entries is not null)
            {
                // The base's feature width is the catalogue's business; every head kind takes any width.
                CheckArchitecture(entries, FeatureLayout.Flat, null);
                head = entries.Select(l => l.Layer).OfType<LayerSpec>().ToArray();
            }
        }

        var weightsUrlNode = map["weights_url"];
        var weightsUrl = Location(weightsUrlNode, "model.weights_url");
        if (weightsUrlNode is not null && weights == PretrainedWeights.None)
        {
            Problem(map.KeyNode("weights_url")!,
                "`model.weights_url` is set but model.weights is 'none'; expected weights_url only with weights: imagenet");
        }

        return new TransferModelSpec(_chosenBase?.Name ?? "", weights, trainable, head, weightsUrl);
    }

    /// <summary>One entry of a layer list as read; <see cref="Kind"/> is null when the kind is unknown,
    /// <see cref="Layer"/> when its parameters had problems (both already reported).</summary>
    private sealed record LayerEntry(LayerKind? Kind, LayerSpec? Layer, string Path, SpecPosition Position, SpecNode? Units);

    /// <param name="depth">Residual blocks around the list: 0 for model.layers and model.head.</param>
    private List<LayerEntry>? ReadLayers(SpecNode? node, string path, bool head, int depth)
    {
        if (node is null) return null;
        if (node is not SpecSequence list)
        {
            Problem(node, $"`{path}` is {node.Describe()}; expected a list of layers");
            return null;
        }

        if (list.Items.Count == 0)
        {
            Problem(node, $"`{path}` is an empty list; expected at least one layer");
            return null;
        }

        return list.Items
            .Select((item, i) => ReadLayer(item, path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", head, depth))
            .ToList();
    }

    private LayerEntry ReadLayer(SpecNode item, string path, bool head, int depth)
    {
        var kinds = head ? HeadLayerKinds : LayerKindNames;
        var example = head ? "`dense: {units: 10}`" : "`conv2d: {filters: 32, kernel_size: 3}`";
        var unreadable = new LayerEntry(null, null, path, item.Start, null);
        if (item is not SpecMapping entry)
        {
            if (item is SpecScalar { IsNull: false } s && kinds.Contains(s.Value))
            {
                // "- flatten": the kind is clear, so the order checks can still use it.
                example = $"`{s.Value}: {{...}}`";
                unreadable = unreadable with { Kind = LayerKinds.Find(s.Value) };
            }

            Problem(item, $"`{path}` is {item.Describe()}; expected a mapping with one layer kind, such as {example}");
            return unreadable;
        }

        if (entry.Entries.Count != 1)
        {
            Problem(item, entry.Entries.Count == 0
                ? $"`{path}` is an empty mapping; expected one layer kind, such as {example}"
                : $"`{path}` has {entry.Entries.Count} keys ({string.Join(", ", entry.Entries.Select(e => e.Key.Value))}); expected one layer kind per entry, with its parameters indented under it, such as {example}");
            return entry.Entries.Count > 0 && kinds.Contains(entry.Entries[0].Key.Value)
                ? unreadable with { Kind = LayerKinds.Find(entry.Entries[0].Key.Value) }
                : unreadable;
        }

        var (key, value) = (entry.Entries[0].Key, entry.Entries[0].Value);
        if (LayerKinds.Find(key.Value) is not { } kind)
        {
            Problem(key, $"`{path}` is '{key.Value}'; expected one of {string.Join(", ", kinds)}.{Suggestions.DidYouMean(key.Value, kinds)}");
            return unreadable;
        }

        if (!kinds.Contains(kind.Name))
        {
            Problem(key, $"`{path}` is '{kind.Name}'; expected one of {string.Join(", ", kinds)} (a transfer head works on the base's pooled feature vector)");
            return unreadable;
        }

        var paramPath = path + "." + kind.Name;
        var keys = LayerKeys[kind.Name];
        SpecMapping parameters;
        if (value is SpecMapping m)
        {
            parameters = m;
            CheckKeys(m, paramPath, keys, keys);
        }
        else if (value is SpecScalar { IsNull: true })
        {
            parameters = new SpecMapping(item.Start, []);
        }
        else
        {
            var expected = keys.Length == 0 ? "an empty mapping {}" : $"a mapping of {string.Join(", ", keys)}";
            Problem(value, $"`{paramPath}` is {value.Describe()}; expected {expected}");
            return unreadable with { Kind = kind };
        }

        var before = problems.Count;
        var layer = kind.Read(new LayerParameters(this, parameters, paramPath, depth), item.Start.Line, item.Start.Column);
        if (problems.Count != before) return new LayerEntry(kind, null, path, item.Start, parameters["units"]);
        _layerPaths[layer] = path;
        return new LayerEntry(kind, layer, path, item.Start, parameters["units"]);
    }

    /// <summary>A layer's parameter mapping, read through the validator's checks (see <see cref="LayerKind.Read"/>).</summary>
    private sealed class LayerParameters(SpecValidator validator, SpecMapping map, string path, int depth) : ILayerParameters
    {
        public int? Int(string key, bool required = false, int min = 1) => validator.AtMostLayerLimit(map[key], path + "." + key, validator.Int(
            required ? validator.Required(map, path, key, $"an integer >= {min.ToString(CultureInfo.InvariantCulture)}") : map[key],
            path + "." + key, min));

        public double? Number(string key, Interval interval, bool required = false) => validator.Number(
            required ? validator.Required(map, path, key, $"a number {interval}") : map[key], path + "." + key, interval);

        public T? Choose<T>(string key, Choice<T>[] choices, bool required = false) where T : struct => validator.Choose(
            required ? validator.Required(map, path, key, ExpectedOneOf(choices)) : map[key], path + "." + key, choices);

        public bool? Bool(string key) => validator.Bool(map[key], path + "." + key);

        public IReadOnlyList<LayerSpec>? Layers(string key) =>
            validator.ReadBlockLayers(validator.Required(map, path, key, "a list of layers"), path + "." + key, depth + 1);
    }

    /// <summary>
    /// Follows the feature map through the layers with the shape rules the model is built with (<see cref="LayerPlanner"/>),
    /// so that an impossible network is reported now rather than as a shape error from libtorch later. Ends with the
    /// last-layer check.
    /// </summary>
    /// <param name="inputSizes">Null when unknown (after an invalid <c>data.image_size</c>, or a head's feature width).</param>
    private void CheckArchitecture(List<LayerEntry> layers, FeatureLayout input, IReadOnlyList<int>? inputSizes)
    {
        IReadOnlyList<LayerProblem> found;
        try
        {
            found = LayerPlanner.Check([.. layers.Select(l => (l.Kind, l.Layer))], input, inputSizes);
        }
        catch (OverflowException)
        {
            // A flatten of more than int.MaxValue values; CheckModelSize reports it once the rest is valid.
            found = [];
        }
        // In a list that starts with images, only a flatten or a global pooling makes the features flat.
        var firstFlatten = layers.FirstOrDefault(l => l.Kind is { Input: FeatureLayout.Image, Output: FeatureLayout.Flat });
        var needsFlatReported = false;
        foreach (var problem in found)
        {
            var entry = layers[problem.Index];
            switch (problem.Reason)
            {
                case LayerProblemReason.NeedsImage when problem.Kind == LayerKinds.Flatten && firstFlatten!.Kind == LayerKinds.Flatten:
                    Problem(entry.Position, $"`{entry.Path}` is a second flatten (the first is {firstFlatten.Path}); expected one flatten");
                    break;
                case LayerProblemReason.NeedsImage:
                    var spatial = LayerKinds.All.Where(k => k.Input == FeatureLayout.Image && k.Output == FeatureLayout.Image).Select(k => k.Name).ToList();
                    Problem(entry.Position, $"`{entry.Path}` is a {problem.Kind.Name} after the {firstFlatten!.Kind!.Name} at {firstFlatten.Path}; expected {string.Join(", ", spatial[..^1])} and {spatial[^1]} layers before {firstFlatten.Kind.Name}");
                    break;
                case LayerProblemReason.Block when problem.Inner is not null:
                    var innermost = problem.Innermost;
                    Problem(new SpecPosition(innermost.Layer!.Line, innermost.Layer.Column), $"`{_layerPaths[innermost.Layer]}` {innermost.Message}");
                    break;
                case LayerProblemReason.NeedsFlat:
                    // Keras would apply it to the channels of each pixel; here it is always a mistake, reported once.
                    if (!needsFlatReported)
                        Problem(entry.Position, $"`{entry.Path}` is a {problem.Kind.Name} before any flatten; expected a flatten between the convolutions and the first {problem.Kind.Name}");
                    needsFlatReported = true;
                    break;
                default:
                    Problem(entry.Position, $"`{entry.Path}` {problem.Message}");
                    break;
            }
        }

        CheckLastLayer(layers);
    }

    /// <summary>
    /// The network's output is one logit per class, so the last layer is a dense with 10 units, or one followed only by
    /// layers that keep the shape of their input (dropout, batch_normalization, rescaling: airbench scales its logits).
    /// </summary>
    private void CheckLastLayer(List<LayerEntry> layers)
    {
        var lastIndex = layers.FindLastIndex(l => l.Kind is null || !KeepsShape(l.Kind));
        var last = layers[lastIndex < 0 ? ^1 : lastIndex];
        if (last.Kind is null) return; // Already reported as unreadable.
        if (last.Kind != LayerKinds.Dense)
            Problem(last.Position, $"`{last.Path}` is a {last.Kind.Name}, the last layer; expected a dense with {ClassCount} units (one per CIFAR-10 class)");
        else if (last.Layer is DenseLayer { Units: not ClassCount } dense)
            Problem(last.Units!, $"`{last.Path}.dense.units` is '{dense.Units.ToString(CultureInfo.InvariantCulture)}' in the last layer; expected {ClassCount} (one per CIFAR-10 class)");
    }

    private static bool KeepsShape(LayerKind kind) => kind.Input == FeatureLayout.Either && kind.Output == FeatureLayout.Either;

    /// <summary>The stages of the chosen base, or the most of any base while none is chosen.</summary>
    private int StageCount => _chosenBase?.StageCount ?? bases.Max(b => b.StageCount);

    // ---- training

    private TrainingSpec ReadTraining(SpecMapping top, ModelSpec? model)
    {
        var map = Section(top, "", "training", required: true);
        if (map is not null) CheckKeys(map, "training", TrainingKeys, TrainingKeys);
        var epochs = Int(Required(map, "training", "epochs", "an integer >= 1"), "training.epochs", 1) ?? 1;
        var optimizer = ReadOptimizer(map);

        EarlyStoppingSpec? earlyStopping = null;
        if (Section(map, "training", "early_stopping", required: false) is { } es)
        {
            const string P = "training.early_stopping";
            CheckKeys(es, P, EarlyStoppingKeys, EarlyStoppingKeys);
            earlyStopping = new EarlyStoppingSpec(
                Choose(es["monitor"], P + ".monitor", Monitors) ?? Monitor.ValLoss,
                Choose(es["mode"], P + ".mode", Modes) ?? MonitorMode.Auto,
                Int(es["patience"], P + ".patience", 0) ?? 0,
                Number(es["min_delta"], P + ".min_delta", Interval.NonNegative) ?? 0,
                Bool(es["restore_best_weights"], P + ".restore_best_weights") ?? false);
        }

        FineTuneSpec? fineTune = null;
        if (Section(map, "training", "fine_tune", required: false) is { } ft)
        {
            const string P = "training.fine_tune";
            if (model is CnnModelSpec)
                Problem(map!.KeyNode("fine_tune")!, "`training.fine_tune` is set but model.type is 'cnn'; expected fine_tune only with a transfer model");
            CheckKeys(ft, P, FineTuneKeys, FineTuneKeys);
            fineTune = new FineTuneSpec(
                Int(Required(ft, P, "trainable_layers", $"an integer from 1 to {StageCount}"), P + ".trainable_layers", 1, StageCount) ?? 1,
                Int(Required(ft, P, "epochs", "an integer >= 1"), P + ".epochs", 1) ?? 1,
                LearningRate(ft["learning_rate"], P + ".learning_rate") ?? 1e-5);
        }

        return new TrainingSpec(epochs, optimizer, earlyStopping, fineTune)
        {
            LearningRateSchedule = ValidateSchedule(map, epochs),
            LabelSmoothing = ValidateLabelSmoothing(map),
            Ema = ValidateEma(map),
        };
    }

    private OptimizerSpec ReadOptimizer(SpecMapping? training)
    {
        const string P = "training.optimizer";
        var map = Section(training, "training", "optimizer", required: true);
        var type = Choose(Required(map, P, "type", ExpectedOneOf(Optimizers)), P + ".type", Optimizers);
        if (map is null) return new OptimizerSpec(OptimizerType.Adam, 0.001);

        var allowed = type switch
        {
            OptimizerType.Adam => AdamKeys,
            OptimizerType.Sgd => SgdKeys,
            OptimizerType.AdamW => AdamWKeys,
            _ => OptimizerKeys,
        };
        var typeName = Optimizers.FirstOrDefault(c => c.Value == type).Name ?? "adam";
        CheckKeys(map, P, allowed, OptimizerKeys, key =>
        {
            var takers = new[] { ("adam", AdamKeys), ("sgd", SgdKeys), ("adamw", AdamWKeys) }
                .Where(o => o.Item2.Contains(key)).Select(o => o.Item1);
            return $"`{P}.{key}` applies to {string.Join(" and ", takers)} only; optimizer.type is '{typeName}'";
        });

        var learningRate = LearningRate(map["learning_rate"], P + ".learning_rate");
        if (type == OptimizerType.Sgd)
        {
            var momentumNode = map["momentum"];
            var momentum = Number(momentumNode, P + ".momentum", Interval.Unit);
            var nesterovNode = map["nesterov"];
            var nesterov = Bool(nesterovNode, P + ".nesterov") ?? false;
            // Momentum absent or written as 0; an invalid momentum is already reported.
            if (nesterov && (momentumNode is null || momentum == 0))
                Problem(nesterovNode!, $"`{P}.nesterov` is 'true' but momentum is 0; expected nesterov only with a momentum > 0");
            return new OptimizerSpec(OptimizerType.Sgd, learningRate ?? 0.01, Momentum: momentum ?? 0, Nesterov: nesterov,
                WeightDecay: ValidateWeightDecay(map, OptimizerType.Sgd));
        }

        return new OptimizerSpec(type ?? OptimizerType.Adam, learningRate ?? 0.001,
            WeightDecay: type == OptimizerType.AdamW ? ValidateWeightDecay(map, OptimizerType.AdamW) : 0,
            Beta1: Number(map["beta_1"], P + ".beta_1", Interval.Unit) ?? 0.9,
            Beta2: Number(map["beta_2"], P + ".beta_2", Interval.Unit) ?? 0.999,
            Epsilon: LearningRate(map["epsilon"], P + ".epsilon") ?? 1e-7);
    }

    // ---- report

    private ReportSpec ReadReport(SpecMapping top)
    {
        var map = Section(top, "", "report", required: false);
        if (map is null) return new ReportSpec([ReportFormat.Markdown, ReportFormat.Html], null);
        CheckKeys(map, "report", ReportKeys, ReportKeys);

        IReadOnlyList<ReportFormat> formats = [ReportFormat.Markdown, ReportFormat.Html];
        if (map["formats"] is { } node)
        {
            if (node is not SpecSequence list)
            {
                Problem(node, $"`report.formats` is {node.Describe()}; expected a list such as [markdown, html]");
            }
            else if (list.Items.Count == 0)
            {
                Problem(node, "`report.formats` is an empty list; expected at least one of markdown, html");
            }
            else
            {
                var chosen = new List<ReportFormat>();
                for (var i = 0; i < list.Items.Count; i++)
                {
                    var itemPath = "report.formats[" + i.ToString(CultureInfo.InvariantCulture) + "]";
                    if (Choose(list.Items[i], itemPath, Formats) is not { } format) continue;
                    if (chosen.Contains(format))
                        Problem(list.Items[i], $"`{itemPath}` is '{((SpecScalar)list.Items[i]).Value}' again; expected each format once");
                    else
                        chosen.Add(format);
                }

                formats = chosen;
            }
        }

        string? templates = null;
        var templatesNode = map["templates"];
        if (Text(templatesNode, "report.templates") is { } folder)
        {
            templates = ResolvePath(folder, templatesNode!, "report.templates");
            if (templates is not null && !Directory.Exists(templates))
                Problem(templatesNode!, $"`report.templates` is '{folder}'; expected an existing folder (looked for {templates})");
        }

        return new ReportSpec(formats, templates) { Explain = ReadExplain(map), Gallery = ReadGallery(map) };
    }

    // ---- ranges the engine can run (SpecLimits)

    /// <summary>A layer integer above <see cref="SpecLimits.MaxLayerInteger"/> is reported (its tensors would not
    /// fit in memory, and shape arithmetic on it would overflow).</summary>
    private int? AtMostLayerLimit(SpecNode? node, string path, int? value)
    {
        if (value is not > SpecLimits.MaxLayerInteger) return value;
        Problem(node!, $"`{path}` is '{value.Value.ToString(CultureInfo.InvariantCulture)}'; expected at most {SpecLimits.MaxLayerInteger.ToString(CultureInfo.InvariantCulture)} (a layer that large does not fit in memory)");
        return null;
    }

    /// <summary>A step size the optimizer keeps as float32: &gt; 0 and neither 0 nor infinite once rounded to
    /// float32 (1e-50 would silently become 0, 1e39 infinity).</summary>
    private double? LearningRate(SpecNode? node, string path)
    {
        var value = Number(node, path, Interval.Positive);
        if (value is not { } rate) return null;
        var single = (float)rate;
        if (single > 0 && float.IsFinite(single)) return rate;
        Problem(node!, $"`{path}` is '{((SpecScalar)node!).Value}'; expected a number > 0 that float32 can hold (from 1.4e-45 to 3.4e38)");
        return null;
    }

    /// <summary>
    /// The model's weights and one batch's layer outputs must fit in memory (<see cref="SpecLimits"/>): planned with
    /// the shape rules the builder uses. A transfer head's input width is the base's, unknown here, so the head is
    /// planned from a width of 1: that undercounts its first dense layer only.
    /// </summary>
    private void CheckModelSize(ModelSpec? model, int? imageSize, int batchSize)
    {
        var (layers, input, path) = model switch
        {
            CnnModelSpec cnn when imageSize is { } side => (cnn.Layers, (IReadOnlyList<int>)[3, side, side], "model.layers"),
            TransferModelSpec transfer => (transfer.Head, [1], "model.head"),
            _ => ((IReadOnlyList<LayerSpec>)[], [], ""),
        };
        if (layers.Count == 0) return;
        IReadOnlyList<PlannedLayer> plan;
        var where = new SpecPosition(layers[0].Line, layers[0].Column);
        try
        {
            plan = LayerPlanner.Plan(layers, input);
        }
        catch (OverflowException)
        {
            Problem(where, $"`{path}` makes a feature map of more than {int.MaxValue.ToString("N0", CultureInfo.InvariantCulture)} values; expected fewer filters or a smaller image_size");
            return;
        }
        catch (CifarUserException)
        {
            return; // a shape problem, already reported by CheckArchitecture
        }

        var parameters = plan.Sum(l => l.Parameters);
        if (parameters > SpecLimits.MaxParameters)
        {
            Problem(where, $"`{path}` has {parameters.ToString("N0", CultureInfo.InvariantCulture)} parameters; expected at most {SpecLimits.MaxParameters.ToString("N0", CultureInfo.InvariantCulture)} (fewer filters or units)");
            return;
        }
        if (model is not CnnModelSpec) return; // a base's activations dwarf its head's; the catalogue knows them
        var valuesPerImage = input.Aggregate(1.0, (a, b) => a * b) + OutputValues(plan);
        var bytes = valuesPerImage * batchSize * sizeof(float) * 2; // outputs and their gradients
        if (bytes > SpecLimits.MaxActivationBytes)
        {
            Problem(where, $"`{path}` with data.batch_size {batchSize.ToString(CultureInfo.InvariantCulture)} needs {(bytes / (1L << 30)).ToString("N0", CultureInfo.InvariantCulture)} GiB for one batch's layer outputs; expected at most {(SpecLimits.MaxActivationBytes >> 30).ToString(CultureInfo.InvariantCulture)} GiB (a smaller batch_size or image_size, or fewer filters)");
        }
    }

    // ---- building blocks

    private void Problem(SpecNode node, string message) => problems.Add(new(node.Start, message));

    private void Problem(SpecPosition position, string message) => problems.Add(new(position, message));

    private static string ExpectedOneOf<T>(Choice<T>[] choices) => "one of " + string.Join(", ", choices.Select(c => c.Name));

    /// <summary>The value of a required key, or null after reporting it missing at its parent mapping.</summary>
    private SpecNode? Required(SpecMapping? map, string mapPath, string key, string expected)
    {
        if (map is null) return null;
        var node = map[key];
        if (node is null) Problem(map, $"`{SpecTreeReader.Join(mapPath, key)}` is missing; expected {expected}");
        return node;
    }

    /// <summary>A nested mapping such as <c>data</c>; null when absent or not a mapping (reported).</summary>
    private SpecMapping? Section(SpecMapping? parent, string parentPath, string key, bool required)
    {
        var node = required ? Required(parent, parentPath, key, "a mapping") : parent?[key];
        if (node is null or SpecMapping) return (SpecMapping?)node;
        Problem(node, $"`{SpecTreeReader.Join(parentPath, key)}` is {node.Describe()}; expected a mapping");
        return null;
    }

    /// <summary>
    /// Reports each key of <paramref name="map"/> not in <paramref name="allowed"/>: through
    /// <paramref name="notHere"/> when it is a key of the section that the current type does not take, otherwise as
    /// unknown, with the closest allowed key or the section where the key belongs.
    /// </summary>
    private void CheckKeys(SpecMapping map, string path, string[] allowed, string[] sectionKeys,
        Func<string, string>? notHere = null)
    {
        foreach (var key in map.Entries.Select(e => e.Key))
        {
            if (allowed.Contains(key.Value)) continue;
            var keyPath = SpecTreeReader.Join(path, key.Value);
            if (notHere is not null && sectionKeys.Contains(key.Value))
            {
                Problem(key, notHere(key.Value));
                continue;
            }

            var expected = allowed.Length == 0
                ? $"no parameters ({path.Split('.')[^1]} takes none)"
                : "one of " + string.Join(", ", allowed);
            var hint = Suggestions.DidYouMean(key.Value, allowed);
            if (hint.Length == 0 && Elsewhere(key.Value, path) is { } home) hint = $" `{key.Value}` belongs in {home}.";
            Problem(key, $"`{keyPath}` is an unknown key; expected {expected}.{hint}");
        }
    }

    /// <summary>Where else a key is valid ("training.optimizer", "a conv2d layer"), for keys put at the wrong level.</summary>
    private static string? Elsewhere(string key, string path)
    {
        if (!KeyHomes.TryGetValue(key, out var all)) return null;
        var homes = all.Where(home => home != $"`{path}`").ToList();
        return homes.Count == 0 ? null : string.Join(" or ", homes);
    }

    /// <summary>Every key of every section, with where it is valid: looked up once per unknown key, not searched.</summary>
    private static readonly Dictionary<string, string[]> KeyHomes = Sections
        .Where(s => s.Key is not ("layer" or "augmentation"))
        .SelectMany(s => s.Value.Select(key => (Key: key, Home:
            s.Key.StartsWith("layer.", StringComparison.Ordinal) ? $"a {s.Key["layer.".Length..]} layer"
            : s.Key.StartsWith("augmentation.", StringComparison.Ordinal) ? $"a {s.Key["augmentation.".Length..]} augmentation"
            : $"`{s.Key}`")))
        .GroupBy(e => e.Key, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Select(e => e.Home).Distinct().ToArray(), StringComparer.Ordinal);

    private string? Text(SpecNode? node, string path)
    {
        if (node is null) return null;
        if (node is SpecScalar { IsNull: false } scalar) return scalar.Value;
        Problem(node, $"`{path}` is {node.Describe()}; expected a string");
        return null;
    }

    /// <summary>An http(s) URL as written, or a file path made absolute against the spec's folder.</summary>
    private string? Location(SpecNode? node, string path)
    {
        var text = Text(node, path);
        if (text is null) return null;
        if (text.Contains("://", StringComparison.Ordinal))
        {
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                return text;
            Problem(node!, $"`{path}` is '{text}'; expected an http(s) URL or a file path");
            return null;
        }

        return ResolvePath(text, node!, path);
    }

    private string? ResolvePath(string text, SpecNode node, string path)
    {
        try
        {
            if (text.Trim().Length > 0) return Path.GetFullPath(Path.Combine(specDirectory, text));
        }
        catch (ArgumentException)
        {
            // Characters the file system does not allow in a path: reported below.
        }

        Problem(node, $"`{path}` is '{text}'; expected a file path");
        return null;
    }

    /// <summary>A number for a bad-value message: "'ten'", or "the string '10'" when quotes made it a string.</summary>
    private static string DescribeValue(SpecNode node, bool wouldParse) =>
        wouldParse && node is SpecScalar { IsPlain: false } s ? $"the string '{s.Value}'" : node.Describe();

    private int? Int(SpecNode? node, string path, int min, int max = int.MaxValue)
    {
        if (node is null) return null;
        var range = max == int.MaxValue
            ? $"an integer >= {min.ToString(CultureInfo.InvariantCulture)}"
            : $"an integer from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";
        var scalar = node as SpecScalar;
        var isInteger = scalar is not null && IntegerPattern().IsMatch(scalar.Value);
        if (scalar is not { IsPlain: true } || !isInteger)
        {
            Problem(node, $"`{path}` is {DescribeValue(node, isInteger)}; expected an integer");
            return null;
        }

        if (!int.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            var full = $"an integer from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}";
            Problem(node, $"`{path}` is '{scalar.Value}'; expected {full}");
            return null;
        }

        if (value < min || value > max)
        {
            Problem(node, $"`{path}` is '{scalar.Value}'; expected {range}");
            return null;
        }

        return value;
    }

    private double? Number(SpecNode? node, string path, Interval interval)
    {
        if (node is null) return null;
        var scalar = node as SpecScalar;
        var isNumber = scalar is not null && FloatPattern().IsMatch(scalar.Value);
        if (scalar is not { IsPlain: true } || !isNumber)
        {
            Problem(node, $"`{path}` is {DescribeValue(node, isNumber)}; expected a number");
            return null;
        }

        var value = double.Parse(scalar.Value, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (!double.IsFinite(value) || !interval.Contains(value))
        {
            Problem(node, $"`{path}` is '{scalar.Value}'; expected a number {interval}");
            return null;
        }

        return value;
    }

    private bool? Bool(SpecNode? node, string path)
    {
        if (node is null) return null;
        if (node is SpecScalar { IsPlain: true } scalar)
        {
            // YAML 1.2 core schema booleans; 'yes' and 'on' are YAML 1.1 and mean strings here.
            if (scalar.Value is "true" or "True" or "TRUE") return true;
            if (scalar.Value is "false" or "False" or "FALSE") return false;
        }

        Problem(node, $"`{path}` is {node.Describe()}; expected true or false");
        return null;
    }

    /// <summary>One of the named <paramref name="choices"/>, matched exactly; <paramref name="aliases"/> (and the
    /// choices themselves, when aliases are given) also match in any letter case.</summary>
    private T? Choose<T>(SpecNode? node, string path, Choice<T>[] choices, Choice<T>[]? aliases = null)
        where T : struct
    {
        if (node is null) return null;
        var names = string.Join(", ", choices.Select(c => c.Name));
        if (node is not SpecScalar { IsNull: false } scalar)
        {
            Problem(node, $"`{path}` is {node.Describe()}; expected one of {names}");
            return null;
        }

        var comparison = aliases is null ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        foreach (var choice in aliases is null ? choices : [.. choices, .. aliases])
            if (string.Equals(choice.Name, scalar.Value, comparison)) return choice.Value;

        var hint = Suggestions.DidYouMean(scalar.Value, choices.Select(c => c.Name));
        Problem(node, $"`{path}` is '{scalar.Value}'; expected one of {names}.{hint}");
        return null;
    }

    // YAML 1.2 core schema: decimal integers and floats (no .inf/.nan: no setting here takes them).
    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}

/// <summary>A range of numbers, written in messages as "&gt; 0", "&gt;= 0", "in (0, 1)" or "in [0, 1)".</summary>
internal sealed record Interval(double Lower, bool LowerClosed, double? Upper)
{
    public static readonly Interval Positive = new(0, false, null);
    public static readonly Interval NonNegative = new(0, true, null);
    public static readonly Interval OpenUnit = new(0, false, 1);
    public static readonly Interval Unit = new(0, true, 1);

    /// <summary>Every finite number (the YAML reader takes no infinities or NaN).</summary>
    public static readonly Interval Any = new(double.NegativeInfinity, false, null);

    public bool Contains(double value) =>
        (LowerClosed ? value >= Lower : value > Lower) && (Upper is not { } upper || value < upper);

    public override string ToString()
    {
        var lower = Lower.ToString(CultureInfo.InvariantCulture);
        return Upper is { } upper
            ? $"in {(LowerClosed ? '[' : '(')}{lower}, {upper.ToString(CultureInfo.InvariantCulture)})"
            : $"{(LowerClosed ? ">=" : ">")} {lower}";
    }
}
