using Cifar.Evaluation;
using Cifar.Models;
using Cifar.Reports.Analysis;
using Cifar.Reports.Files;
using Cifar.Reproducibility;
using Cifar.Training;

namespace Cifar.Reports;

/// <summary>The dataset a run used and where it came from.</summary>
/// <param name="Name">e.g. <c>CIFAR-10</c>.</param>
/// <param name="SourceUrl">The URL (or local path) the archive was read from.</param>
/// <param name="Sha256">The dataset's content hash: SHA-256 (lowercase hex) of the batch files' MD5 list in md5sum's
/// format, the same for every byte-identical copy whatever archive it came in.</param>
/// <param name="TrainImages">Images the model trained on (after the validation split and any subset).</param>
/// <param name="ValidationImages">Images held out for validation.</param>
/// <param name="TestImages">Test images evaluated.</param>
/// <param name="FileChecksums">XxHash128 (hex) of each batch file as loaded, by file name: what the cache checks on
/// every load, so two runs that read different bytes show it file by file.</param>
public sealed record DatasetInfo(
    string Name, string SourceUrl, string Sha256, int TrainImages, int ValidationImages, int TestImages,
    IReadOnlyDictionary<string, string> FileChecksums);

/// <summary>The pretrained weights a transfer model started from.</summary>
/// <param name="Description">Where they came from, e.g. <c>imagenet (resnet18-f37072fd.pth)</c> or <c>none (random init)</c>.</param>
/// <param name="Sha256">SHA-256 of the weights file, or of the initial parameters for a random initialisation; null if unknown.</param>
public sealed record WeightsInfo(string Description, string? Sha256);

/// <summary>The training settings a reader wants at a glance; the full spec is in the report too.</summary>
/// <param name="Normalization">e.g. <c>standardize (per-channel mean/std of the training split)</c>.</param>
/// <param name="ImageSize">Side in pixels the images were fed to the model at.</param>
/// <param name="Optimizer">e.g. <c>adam (learning_rate 0.001)</c>.</param>
/// <param name="EarlyStopping">e.g. <c>val_loss, patience 3, restore best weights</c>; null without early stopping.</param>
/// <param name="MaxEpochs">Epochs planned across phases, before any early stop.</param>
public sealed record TrainingSetup(string Normalization, int ImageSize, int BatchSize, string Optimizer, string? EarlyStopping, int MaxEpochs)
{
    /// <summary>The training images' augmentation steps in order with all their keys, e.g. "random_crop (padding 4,
    /// fill reflect), horizontal_flip (mode random)"; null: none.</summary>
    public string? Augmentation { get; init; }

    /// <summary>The learning-rate schedule with all its keys, e.g. "cosine (warmup_epochs 1, alpha 0), per step"; null: constant.</summary>
    public string? LearningRateSchedule { get; init; }

    /// <summary>Keras' label_smoothing of the training loss; null when 0.</summary>
    public string? LabelSmoothing { get; init; }

    /// <summary><c>training.ema</c> in words, e.g. "exponential moving average of the weights, decay 0.999, ..."; null: raw weights.</summary>
    public string? Ema { get; init; }

    /// <summary><c>evaluation.tta</c> in words, e.g. "horizontal flip, 1-pixel translations (test images only)"; null: none.</summary>
    public string? TestTimeAugmentation { get; init; }
}

/// <summary>
/// Machine-dependent figures of a run. They appear only in the report's timing section and timing.json, never in
/// metrics.json, so everything else in a report folder is byte-identical across reruns.
/// </summary>
/// <param name="TotalSeconds">Wall time of the whole run (loading, training, evaluation).</param>
/// <param name="TrainingSeconds">Wall time of all epochs (training and validation passes).</param>
/// <param name="MeanSecondsPerEpoch">TrainingSeconds / epochs run.</param>
/// <param name="TrainingImagesPerSecond">Training images processed per second of training passes, over all epochs.</param>
/// <param name="PeakWorkingSetBytes">Peak working set of the process (Process.PeakWorkingSet64).</param>
/// <param name="FeatureExtractionSeconds">Time spent precomputing frozen-base features, if the run did; else null.</param>
public sealed record RunTiming(
    double TotalSeconds,
    double TrainingSeconds,
    double MeanSecondsPerEpoch,
    double TrainingImagesPerSecond,
    long PeakWorkingSetBytes,
    double? FeatureExtractionSeconds);

/// <summary>
/// Everything a report needs about one finished run, as plain data (numbers, strings, lists): the report writer needs
/// neither libtorch nor the spec file, so it is tested with hand-built values.
/// </summary>
/// <param name="Name">The experiment's name; names the report folder.</param>
/// <param name="Description">The spec's description; null if it has none.</param>
/// <param name="Seed">The spec's seed, from which every random source was derived.</param>
/// <param name="SpecText">The YAML text exactly as read; copied byte for byte to spec.yaml.</param>
/// <param name="SpecSha256">SHA-256 (lowercase hex) of <paramref name="SpecText"/>'s UTF-8 bytes.</param>
/// <param name="Environment">Machine and versions (<see cref="EnvironmentInfo.Capture"/>).</param>
/// <param name="Weights">The transfer base's pretrained weights; null for a model trained from scratch.</param>
/// <param name="ModelType">The spec's <c>model.type</c>: <c>cnn</c> or <c>transfer</c>, what comparisons and diffs key on.</param>
/// <param name="ModelDescription">The model in a few words (<see cref="SpecDescriptions.ModelDescription"/>), e.g.
/// <c>cnn</c> or <c>transfer: resnet18, imagenet weights, trainable_layers 0</c>.</param>
/// <param name="History">Per-epoch logs, best and stopped epoch.</param>
/// <param name="Evaluation">The test-set classification report, with per-image labels and predictions.</param>
/// <param name="Repeatability">What level of repeatability the run has, stated honestly (one or two sentences).</param>
public sealed record ExperimentResult(
    string Name,
    string? Description,
    int Seed,
    string SpecText,
    string SpecSha256,
    EnvironmentInfo Environment,
    DatasetInfo Dataset,
    WeightsInfo? Weights,
    string ModelType,
    string ModelDescription,
    ModelSummary ModelSummary,
    TrainingSetup Setup,
    TrainingHistory History,
    ClassificationReport Evaluation,
    RunTiming Timing,
    string Repeatability)
{
    /// <summary>Per evaluated test image, how the model did (test-outcomes.csv); null for results read from folders
    /// written before the file existed.</summary>
    public IReadOnlyList<TestOutcome>? TestOutcomes { get; init; }

    /// <summary>The images of the report's dataset overview, error analysis and Grad-CAM sections; null: no picture
    /// sections (they need <see cref="TestOutcomes"/> too).</summary>
    public ReportPictures? Pictures { get; init; }

    /// <summary>The overfitting analysis of <see cref="History"/>, derived so it can never disagree with it.</summary>
    public OverfittingAnalysis Overfitting => OverfittingAnalysis.Analyze(History);
}
