using System.Text.Json.Serialization;

namespace Cifar.Reports.Files;

// metrics.json, one record per JSON object. Property names become snake_case keys (ReportFileJson); the declaration
// order is the key order. Ratios and losses are written with 6 fixed decimals and a non-finite value as null, so a
// rerun gives the same bytes on every machine. A reader of a folder from another version of the tool gets null for
// the few keys earlier versions did not write (those with a default value below); every other key is required.

/// <summary>metrics.json: the results of one run, no timings. Accuracies are fractions in [0, 1].</summary>
/// <param name="Seed">The spec's seed.</param>
/// <param name="Classes">Class names in class-index order.</param>
/// <param name="ConfusionMatrix">[true class][predicted class] counts.</param>
/// <param name="BestEpoch">The epoch whose weights were evaluated (the restored best, or the last).</param>
/// <param name="StoppedEpoch">Where early stopping stopped training; null if it ran every epoch.</param>
/// <param name="SpecSha256">SHA-256 (lowercase hex) of spec.yaml's bytes.</param>
/// <param name="DatasetSha256">SHA-256 (lowercase hex) of the dataset archive.</param>
public sealed record MetricsFile(
    [property: JsonPropertyOrder(-3)] string Name,
    [property: JsonPropertyOrder(-2)] int Seed,
    ModelInfo Model,
    TestScores Test,
    int TestSamples,
    [property: JsonConverter(typeof(CompactStringListConverter))] IReadOnlyList<string> Classes,
    IReadOnlyList<ClassScores> PerClass,
    AverageScores MacroAvg,
    AverageScores WeightedAvg,
    [property: JsonConverter(typeof(ConfusionMatrixConverter))] IReadOnlyList<IReadOnlyList<int>> ConfusionMatrix,
    IReadOnlyList<EpochMetrics> History,
    int BestEpoch,
    int? StoppedEpoch,
    OverfittingMetrics Overfitting,
    [property: JsonPropertyOrder(-1)] string? SpecSha256 = null,
    [property: JsonPropertyOrder(-1)] string? DatasetSha256 = null)
{
    /// <summary>F1 of the named class, or null when the report has no such class.</summary>
    public double? F1Of(string className) => PerClass.FirstOrDefault(c => c.Class == className)?.F1;
}

/// <summary>metrics.json's <c>model</c>.</summary>
/// <param name="Type">The spec's <c>model.type</c>: <c>cnn</c> or <c>transfer</c>, what comparisons and diffs key on.</param>
/// <param name="Description">The model in a few words, e.g. <c>transfer: resnet18, imagenet weights, trainable_layers 0</c>.</param>
public sealed record ModelInfo(
    string Type,
    [property: JsonPropertyOrder(1)] long TrainableParameters,
    [property: JsonPropertyOrder(1)] long TotalParameters,
    string? Description = null);

/// <summary>metrics.json's <c>test</c>: the test set, evaluated once at the end.</summary>
public sealed record TestScores(
    [property: JsonConverter(typeof(SixDecimals))] double Accuracy,
    [property: JsonConverter(typeof(SixDecimals))] double Loss);

/// <summary>One row of metrics.json's <c>per_class</c> (sklearn's classification_report).</summary>
public sealed record ClassScores(
    string Class,
    [property: JsonConverter(typeof(SixDecimals))] double Precision,
    [property: JsonConverter(typeof(SixDecimals))] double Recall,
    [property: JsonConverter(typeof(SixDecimals))] double F1,
    int Support);

/// <summary>metrics.json's <c>macro_avg</c> and <c>weighted_avg</c>.</summary>
public sealed record AverageScores(
    [property: JsonConverter(typeof(SixDecimals))] double Precision,
    [property: JsonConverter(typeof(SixDecimals))] double Recall,
    [property: JsonConverter(typeof(SixDecimals))] double F1);

/// <summary>One epoch of metrics.json's <c>history</c> and one row of history.csv.</summary>
/// <param name="Phase"><c>train</c>, or <c>fine_tune</c> for the fine-tuning epochs of a transfer model.</param>
/// <param name="LearningRate">Keras' <c>learning_rate</c>: the rate of the epoch's last optimizer step
/// (<c>EpochLog.LearningRate</c>), 6 significant digits; null in a folder written before it was
/// recorded, and then left out when written again.</param>
public sealed record EpochMetrics(
    int Epoch,
    string Phase,
    [property: JsonConverter(typeof(SixDecimals))] double Loss,
    [property: JsonConverter(typeof(SixDecimals))] double Accuracy,
    [property: JsonConverter(typeof(SixDecimals))] double ValLoss,
    [property: JsonConverter(typeof(SixDecimals))] double ValAccuracy,
    [property: JsonConverter(typeof(RateDigits)), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? LearningRate = null);

/// <summary>metrics.json's <c>overfitting</c>: the analysis of the history at the best epoch.</summary>
/// <param name="Verdict"><c>none</c>, <c>mild</c>, <c>strong</c> or <c>underfitting</c>.</param>
/// <param name="AccuracyGap">Training minus validation accuracy (fraction) at the best epoch.</param>
/// <param name="ValTrainLossRatio">Validation loss over training loss at the best epoch; null when the training loss is 0.</param>
/// <param name="RisingValLossEpochs">Epochs after the best whose validation loss rose.</param>
/// <param name="DivergenceEpoch">The epoch from which validation loss kept rising while training loss fell; null if none.</param>
public sealed record OverfittingMetrics(
    string Verdict,
    [property: JsonConverter(typeof(SixDecimals))] double TrainAccuracy,
    [property: JsonConverter(typeof(SixDecimals))] double ValAccuracy,
    [property: JsonConverter(typeof(SixDecimals))] double AccuracyGap,
    [property: JsonConverter(typeof(SixDecimals))] double? ValTrainLossRatio,
    int RisingValLossEpochs,
    int? DivergenceEpoch);
