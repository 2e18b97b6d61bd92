namespace Cifar.Reports.Comparison;

// What `dotnet cifar run` leaves in a report folder, read back from the files themselves (metrics.json, timing.json,
// predictions.txt, spec.yaml) rather than from the runner's types: comparisons and diffs must also work on folders
// committed by an older version of the tool and read straight from git.

/// <summary>One report folder as read from disk or from a git revision.</summary>
/// <param name="Name">The experiment's name: the folder name (which <c>run</c> makes equal to <c>metrics.json</c>'s name).</param>
/// <param name="Location">Where it was read from, for messages and links: a folder path, or <c>REV:reports/name</c>.</param>
/// <param name="MetricsJson">metrics.json exactly as read, for "did anything else change" checks.</param>
/// <param name="Timing">timing.json, or null when the folder has none.</param>
/// <param name="Predictions">predictions.txt, or null when the folder has none.</param>
/// <param name="SpecText">spec.yaml, or null when the folder has none.</param>
public sealed record ReportSnapshot(
    string Name,
    string Location,
    MetricsFile Metrics,
    string MetricsJson,
    TimingFile? Timing,
    PredictionsFile? Predictions,
    string? SpecText);

/// <summary>The parts of metrics.json that comparisons and diffs use. Accuracies are fractions in [0, 1].</summary>
/// <param name="ConfusionMatrix">[true class][predicted class] counts.</param>
/// <param name="StoppedEpoch">Where early stopping stopped training; null if it ran every epoch.</param>
public sealed record MetricsFile(
    string Name,
    long? Seed,
    double TestAccuracy,
    double TestLoss,
    IReadOnlyList<string> Classes,
    IReadOnlyList<ClassScores> PerClass,
    AverageScores MacroAverage,
    AverageScores? WeightedAverage,
    IReadOnlyList<IReadOnlyList<long>> ConfusionMatrix,
    IReadOnlyList<EpochMetrics> History,
    int BestEpoch,
    int? StoppedEpoch,
    ModelSize? Model,
    OverfittingMetrics? Overfitting,
    string? SpecSha256,
    string? DatasetSha256)
{
    /// <summary>F1 of the named class, or null when the report has no such class.</summary>
    public double? F1Of(string className) => PerClass.FirstOrDefault(c => c.Class == className)?.F1;
}

public sealed record ClassScores(string Class, double Precision, double Recall, double F1, long Support);

public sealed record AverageScores(double Precision, double Recall, double F1);

/// <summary>One row of metrics.json's <c>history</c>.</summary>
public sealed record EpochMetrics(int Epoch, string Phase, double Loss, double Accuracy, double ValLoss, double ValAccuracy);

/// <summary>metrics.json's optional <c>model</c> block.</summary>
/// <param name="Type">The spec's <c>model.type</c>: <c>cnn</c> or <c>transfer</c>.</param>
public sealed record ModelSize(string? Type, long? TrainableParameters, long? TotalParameters);

/// <summary>metrics.json's optional <c>overfitting</c> block.</summary>
/// <param name="AccuracyGap">Training minus validation accuracy (fraction) at the best epoch.</param>
/// <param name="LossRatio">Validation loss over training loss at the best epoch.</param>
public sealed record OverfittingMetrics(double? AccuracyGap, double? LossRatio);

/// <summary>timing.json: machine-dependent figures, shown but never compared as a regression.</summary>
public sealed record TimingFile(
    double? TotalSeconds,
    double? TrainingSeconds,
    double? SecondsPerEpoch,
    double? ImagesPerSecond,
    double? PeakMemoryBytes);

/// <summary>predictions.txt: one digit (class index) per test image, true labels and predictions in test-set order.</summary>
public sealed record PredictionsFile(string TrueLabels, string Predicted)
{
    /// <summary>Per test image, whether the prediction was right.</summary>
    public bool[] Correct() => [.. TrueLabels.Select((label, i) => label == Predicted[i])];
}
