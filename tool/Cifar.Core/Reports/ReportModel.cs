using Cifar.Evaluation;
using Cifar.Reports.Analysis;
using Cifar.Reports.Files;
using Cifar.Reports.Formatting;
using Scriban.Runtime;

namespace Cifar.Reports;

/// <summary>
/// Turns an <see cref="ExperimentResult"/> into the plain script object the report templates see. Numbers arrive as
/// pre-formatted invariant strings, so a template cannot make the output depend on culture or float printing.
/// templates/README.md lists every variable.
/// </summary>
internal static class ReportModel
{
    public static ScriptObject Build(ExperimentResult result, string lossSvg, string accuracySvg, string learningRateSvg, PictureReport? pictures = null)
    {
        // The root is a plain ScriptObject: top-level names fall through it to Scriban's builtins (html, string, ...),
        // and StrictVariables catches a misspelt one. Nested objects are strict themselves (see StrictScriptObject).
        var model = new ScriptObject
        {
            ["title"] = result.Name,
            ["name"] = result.Name,
            ["description"] = string.IsNullOrWhiteSpace(result.Description) ? null : result.Description.Trim(),
            ["seed"] = ReportNumbers.WholeNumber(result.Seed),
            ["spec"] = Spec(result),
            ["environment"] = Environment(result),
            ["dataset"] = Dataset(result.Dataset),
            ["weights"] = Weights(result.Weights),
            ["setup"] = Setup(result),
            ["model"] = Model(result),
            ["test"] = Obj(
                ("accuracy", ReportNumbers.Percent(result.Evaluation.Accuracy)),
                ("loss", ReportNumbers.Loss(result.Evaluation.Loss)),
                ("samples", ReportNumbers.Count(result.Evaluation.Labels.Count))),
            ["classification"] = Classification(result.Evaluation),
            ["confusion"] = Confusion(result.Evaluation),
            ["history"] = History(result),
            ["charts"] = Obj(
                ("loss_file", ReportFiles.LossChart),
                ("accuracy_file", ReportFiles.AccuracyChart),
                ("learning_rate_file", ReportFiles.LearningRateChart),
                ("loss_svg", lossSvg),
                ("accuracy_svg", accuracySvg),
                ("learning_rate_svg", learningRateSvg)),
            ["overfitting"] = Overfitting(result.Overfitting, result.Setup),
            ["repeatability"] = result.Repeatability,
            ["timing"] = Timing(result),
            ["pictures"] = PicturesModel.Build(pictures, result.Evaluation.Classes),
        };
        return model;
    }

    private static StrictScriptObject Spec(ExperimentResult result)
    {
        // A Markdown fence longer than any backtick run in the spec, so a ``` inside a YAML comment cannot close it.
        var longestRun = 0;
        var run = 0;
        foreach (var ch in result.SpecText)
        {
            run = ch == '`' ? run + 1 : 0;
            longestRun = Math.Max(longestRun, run);
        }
        return Obj(
            ("text", result.SpecText.TrimEnd('\r', '\n')),
            ("sha256", result.SpecSha256),
            ("file", ReportFiles.Spec),
            ("fence", new string('`', Math.Max(3, longestRun + 1))));
    }

    private static StrictScriptObject Environment(ExperimentResult result)
    {
        var env = result.Environment;
        return Obj(
            ("tool_version", env.ToolVersion),
            ("runtime", env.Runtime),
            ("torchsharp", env.TorchSharpVersion),
            ("libtorch", env.LibTorchVersion),
            ("onnxruntime", env.OnnxRuntimeVersion),
            ("os", env.OperatingSystem),
            ("cpu", env.Cpu.Model),
            ("cpu_id", env.Cpu.Identification),
            ("instruction_sets", env.Cpu.InstructionSets.Count > 0 ? string.Join(' ', env.Cpu.InstructionSets) : null),
            ("cpu_dispatch_overrides", env.CpuDispatchOverrides.Count > 0
                ? string.Join(' ', env.CpuDispatchOverrides.Select(p => $"{p.Key}={p.Value}"))
                : null),
            ("logical_cores", ReportNumbers.WholeNumber(env.LogicalCores)),
            ("threads", ReportNumbers.WholeNumber(env.Threads)),
            ("git_commit", env.GitCommit));
    }

    private static StrictScriptObject? Weights(WeightsInfo? weights) => weights is null
        ? null
        : Obj(("description", weights.Description), ("sha256", weights.Sha256));

    private static StrictScriptObject Dataset(DatasetInfo dataset) => Obj(
        ("name", dataset.Name),
        ("url", dataset.SourceUrl),
        ("sha256", dataset.Sha256),
        ("train_images", ReportNumbers.Count(dataset.TrainImages)),
        ("validation_images", ReportNumbers.Count(dataset.ValidationImages)),
        ("test_images", ReportNumbers.Count(dataset.TestImages)));

    private static StrictScriptObject Setup(ExperimentResult result)
    {
        var setup = result.Setup;
        return Obj(
            ("normalization", setup.Normalization),
            ("image_size", ReportNumbers.WholeNumber(setup.ImageSize)),
            ("batch_size", ReportNumbers.WholeNumber(setup.BatchSize)),
            ("optimizer", setup.Optimizer),
            ("early_stopping", setup.EarlyStopping),
            ("augmentation", setup.Augmentation),
            ("lr_schedule", setup.LearningRateSchedule),
            ("label_smoothing", setup.LabelSmoothing),
            ("ema", setup.Ema),
            ("tta", setup.TestTimeAugmentation),
            ("max_epochs", ReportNumbers.WholeNumber(setup.MaxEpochs)),
            ("epochs_run", ReportNumbers.WholeNumber(result.History.Epochs.Count)));
    }

    private static StrictScriptObject Model(ExperimentResult result)
    {
        var summary = result.ModelSummary;
        var layers = new ScriptArray();
        foreach (var layer in summary.Layers)
        {
            layers.Add(Obj(
                ("name", layer.Name),
                ("type", layer.Type),
                ("output_shape", "(" + string.Join(", ", layer.OutputShape.Select(d => ReportNumbers.WholeNumber(d))) + ")"),
                ("params", ReportNumbers.Count(layer.Parameters)),
                ("trainable", layer.Trainable)));
        }
        return Obj(
            ("type", result.ModelDescription),
            ("layers", layers),
            ("trainable_params", ReportNumbers.Count(summary.TrainableParameters)),
            ("frozen_params", ReportNumbers.Count(summary.FrozenParameters)),
            ("total_params", ReportNumbers.Count(summary.TotalParameters)));
    }

    private static StrictScriptObject Classification(ClassificationReport report)
    {
        var rows = new ScriptArray();
        foreach (var row in report.PerClass)
        {
            rows.Add(Obj(
                ("class", row.ClassName),
                ("precision", ReportNumbers.Ratio(row.Precision)),
                ("recall", ReportNumbers.Ratio(row.Recall)),
                ("f1", ReportNumbers.Ratio(row.F1)),
                ("support", ReportNumbers.WholeNumber(row.Support))));
        }
        return Obj(
            ("rows", rows),
            ("accuracy", ReportNumbers.Ratio(report.Accuracy)),
            ("support", ReportNumbers.WholeNumber(report.PerClass.Sum(r => (long)r.Support))),
            ("macro", Averages(report.MacroAverage)),
            ("weighted", Averages(report.WeightedAverage)));
    }

    private static StrictScriptObject Averages(AveragedMetrics metrics) => Obj(
        ("precision", ReportNumbers.Ratio(metrics.Precision)),
        ("recall", ReportNumbers.Ratio(metrics.Recall)),
        ("f1", ReportNumbers.Ratio(metrics.F1)));

    private static StrictScriptObject Confusion(ClassificationReport report)
    {
        var classes = new ScriptArray(report.Classes);
        var rows = new ScriptArray();
        for (var i = 0; i < report.ConfusionMatrix.Count; i++)
        {
            var counts = report.ConfusionMatrix[i];
            long total = counts.Sum(c => (long)c);
            var cells = new ScriptArray();
            for (var j = 0; j < counts.Count; j++)
            {
                // Shade is the row-normalised count (the share of class i's images predicted as j), 0..1.
                var share = total > 0 ? counts[j] / (double)total : 0;
                cells.Add(Obj(
                    ("count", ReportNumbers.WholeNumber(counts[j])),
                    ("shade", ReportNumbers.Fixed(share, 3)),
                    ("percent", ReportNumbers.Fixed(share * 100, 1)),
                    ("dark", share > 0.55),
                    ("diagonal", i == j)));
            }
            rows.Add(Obj(
                ("class", i < report.Classes.Count ? report.Classes[i] : ReportNumbers.WholeNumber(i)),
                ("cells", cells),
                ("total", ReportNumbers.WholeNumber(total))));
        }
        return Obj(("classes", classes), ("rows", rows));
    }

    private static StrictScriptObject History(ExperimentResult result)
    {
        var history = result.History;
        var rows = new ScriptArray();
        foreach (var e in history.Epochs)
        {
            var notes = new List<string>();
            if (e.Epoch == history.BestEpoch) notes.Add("best");
            if (e.Epoch == history.StoppedEpoch) notes.Add("stopped");
            rows.Add(Obj(
                ("epoch", ReportNumbers.WholeNumber(e.Epoch)),
                ("phase", e.Phase),
                ("loss", ReportNumbers.Loss(e.Loss)),
                ("accuracy", ReportNumbers.Ratio(e.Accuracy)),
                ("val_loss", ReportNumbers.Loss(e.ValLoss)),
                ("val_accuracy", ReportNumbers.Ratio(e.ValAccuracy)),
                ("learning_rate", ReportNumbers.Rate(e.LearningRate) ?? ReportNumbers.Dash),
                ("best", e.Epoch == history.BestEpoch),
                ("note", string.Join(", ", notes))));
        }
        return Obj(
            ("rows", rows),
            ("best_epoch", ReportNumbers.WholeNumber(history.BestEpoch)),
            ("stopped_epoch", history.StoppedEpoch is { } s ? ReportNumbers.WholeNumber(s) : null),
            ("has_fine_tune", history.Epochs.Any(e => e.Phase == "fine_tune")));
    }

    /// <summary>What a reader must know before reading the gap of an augmented run (Keras measures training accuracy the
    /// same way, on the batches it trains on).</summary>
    internal const string AugmentationNote =
        "Training accuracy and loss are measured on the augmented training images, validation on plain ones: part of "
        + "the smaller gap augmentation brings is training on harder images, not only generalising better.";

    private static StrictScriptObject Overfitting(OverfittingAnalysis analysis, TrainingSetup setup) => Obj(
        ("verdict", DataFiles.VerdictKey(analysis.Verdict)),
        ("verdict_title", analysis.Verdict switch
        {
            OverfittingVerdict.Strong => "Strong overfitting",
            OverfittingVerdict.Mild => "Mild overfitting",
            OverfittingVerdict.Underfitting => "Underfitting",
            _ => "No meaningful overfitting",
        }),
        ("summary", analysis.Summary),
        ("best_epoch", ReportNumbers.WholeNumber(analysis.BestEpoch)),
        ("train_accuracy", ReportNumbers.Percent(analysis.TrainAccuracy)),
        ("val_accuracy", ReportNumbers.Percent(analysis.ValAccuracy)),
        ("gap_points", ReportNumbers.SignedPoints(analysis.AccuracyGap)),
        ("loss_ratio", analysis.LossRatio is { } r ? ReportNumbers.Rounded(r, 2) : "n/a"),
        ("rising_epochs", ReportNumbers.WholeNumber(analysis.RisingValLossEpochs)),
        ("divergence_epoch", analysis.DivergenceEpoch is { } d ? ReportNumbers.WholeNumber(d) : null),
        ("augmentation_note", setup.Augmentation is null ? null : AugmentationNote),
        ("mild_points", ReportNumbers.Fixed(OverfittingAnalysis.MildGapPoints, 0)),
        ("strong_points", ReportNumbers.Fixed(OverfittingAnalysis.StrongGapPoints, 0)),
        ("underfitting_accuracy", ReportNumbers.Fixed(OverfittingAnalysis.UnderfittingTrainAccuracy * 100, 0) + "%"));

    private static StrictScriptObject Timing(ExperimentResult result)
    {
        var timing = result.Timing;
        var epochs = new ScriptArray();
        foreach (var e in result.History.Epochs)
        {
            epochs.Add(Obj(
                ("epoch", ReportNumbers.WholeNumber(e.Epoch)),
                ("phase", e.Phase),
                ("seconds", ReportNumbers.Seconds(e.Seconds)),
                ("images_per_second", ReportNumbers.Throughput(e.ImagesPerSecond))));
        }
        return Obj(
            ("total", ReportNumbers.Seconds(timing.TotalSeconds)),
            ("training", ReportNumbers.Seconds(timing.TrainingSeconds)),
            ("per_epoch", ReportNumbers.Seconds(timing.MeanSecondsPerEpoch)),
            ("images_per_second", ReportNumbers.Throughput(timing.TrainingImagesPerSecond)),
            ("peak_memory", ReportNumbers.Bytes(timing.PeakWorkingSetBytes)),
            ("feature_extraction", timing.FeatureExtractionSeconds is { } fe ? ReportNumbers.Seconds(fe) : null),
            ("epochs", epochs));
    }

    private static StrictScriptObject Obj(params (string Key, object? Value)[] members)
    {
        var obj = new StrictScriptObject();
        foreach (var (key, value) in members) obj[key] = value;
        return obj;
    }
}
