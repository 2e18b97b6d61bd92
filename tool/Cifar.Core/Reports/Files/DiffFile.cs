using System.Text.Json.Serialization;

namespace Cifar.Reports.Files;

// `dotnet cifar diff --format json`, one record per JSON object (snake_case keys, declaration order, except where a
// JsonPropertyOrder puts a key that later versions may omit back in its place). Numbers are written as numbers in
// their shortest round-trip form: the file is for scripts; the rounded figures are in the Markdown and text outputs.

/// <summary>The diff between two sets of reports.</summary>
/// <param name="Base">The base argument as the user gave it (a path or a git revision).</param>
/// <param name="Summary">One line; <c>no change</c> for identical sides.</param>
/// <param name="RegressionCheck">Present when <c>--fail-on-regression</c> was given.</param>
public sealed record DiffFile(
    string Base,
    string Head,
    string Summary,
    bool Unchanged,
    [property: JsonPropertyOrder(1)] DiffBootstrap Bootstrap,
    [property: JsonPropertyOrder(1)] IReadOnlyList<DiffExperiment> Experiments,
    [property: JsonPropertyOrder(1)] IReadOnlyList<DiffPresence> Added,
    [property: JsonPropertyOrder(1)] IReadOnlyList<DiffPresence> Removed,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DiffRegressionCheck? RegressionCheck = null);

/// <summary>The outcome of <c>--fail-on-regression POINTS</c>.</summary>
/// <param name="Reasons">One line per experiment that regressed.</param>
public sealed record DiffRegressionCheck(double AllowedDropPoints, bool Regression, IReadOnlyList<string> Reasons);

/// <summary>How the bootstrap intervals were drawn.</summary>
/// <param name="Confidence">Of the percentile intervals: 0.95.</param>
public sealed record DiffBootstrap(int Resamples, int Seed, double Confidence);

/// <summary>One experiment on both sides.</summary>
/// <param name="Metrics">By key: test_accuracy, test_loss, macro_f1, best_epoch, stopped_epoch, trainable_parameters, total_parameters.</param>
/// <param name="SpecNote">Why specs were not compared; absent when they were.</param>
public sealed record DiffExperiment(
    string Name,
    bool Unchanged,
    IReadOnlyDictionary<string, DiffMetric> Metrics,
    IReadOnlyList<DiffClassF1> PerClassF1,
    IReadOnlyList<DiffConfusionMove> ConfusionMoves,
    IReadOnlyList<DiffSpecChange> SpecChanges,
    [property: JsonPropertyOrder(1)] DiffSignificance Significance,
    [property: JsonPropertyOrder(1)] IReadOnlyList<string> OtherChanges,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SpecNote = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DiffSeedTest? SeedTest = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DiffFlipped? FlippedImages = null);

/// <summary>
/// The test images whose correctness changed (McNemar's off-diagonal cells): totals, and the first <c>--flipped</c>
/// of each direction.
/// </summary>
/// <param name="NowWrongTotal">Images only the base got right (McNemar's b).</param>
/// <param name="NowRightTotal">Images only the head got right (McNemar's c).</param>
/// <param name="Ranking"><c>loss_change</c> (both sides have test-outcomes.csv) or <c>test_index</c>.</param>
/// <param name="RankingNote">Why the ranking is by test index.</param>
public sealed record DiffFlipped(
    int NowWrongTotal,
    int NowRightTotal,
    string Ranking,
    IReadOnlyList<DiffFlippedImage> NowWrong,
    IReadOnlyList<DiffFlippedImage> NowRight,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RankingNote = null);

/// <summary>One flipped test image; confidences and losses are null without that side's test-outcomes.csv.</summary>
/// <param name="Position">Its position in predictions.txt.</param>
/// <param name="TestIndex">Its CIFAR-10 test-set index; null when no file says which image it is.</param>
public sealed record DiffFlippedImage(
    int Position,
    int? TestIndex,
    string TrueClass,
    string BasePrediction,
    string HeadPrediction,
    double? BaseConfidence,
    double? HeadConfidence,
    double? BaseLoss,
    double? HeadLoss,
    double? LossChange);

/// <summary>Welch's t test on the test accuracies of two multi-seed sides (what <c>--fail-on-regression</c> decides on then).</summary>
/// <param name="Test"><c>welch_t</c>.</param>
/// <param name="T">Head minus base; null when neither side varies (then the p-value is 1 for equal means, else 0).</param>
/// <param name="DegreesOfFreedom">Welch–Satterthwaite; null when neither side varies.</param>
/// <param name="BaseHalfWidth">Half-width of the base's 95% Student-t interval of the mean (its noise floor, a fraction).</param>
public sealed record DiffSeedTest(
    string Test,
    int BaseSeeds,
    int HeadSeeds,
    double BaseMean,
    double HeadMean,
    double BaseHalfWidth,
    double HeadHalfWidth,
    double? T,
    double? DegreesOfFreedom,
    double PValue,
    bool Significant,
    string Verdict);

/// <summary>A metric base → head; a side is null when that report lacks the value.</summary>
/// <param name="DeltaPoints">The change in percentage points; test accuracy only.</param>
public sealed record DiffMetric(
    double? Base,
    double? Head,
    double? Delta,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? DeltaPoints = null);

/// <summary>One class's F1 base → head.</summary>
public sealed record DiffClassF1(string Class, double? Base, double? Head, double? Delta);

/// <summary>A confusion-matrix cell that moved: images of class <paramref name="True"/> predicted as <paramref name="Predicted"/>.</summary>
public sealed record DiffConfusionMove(string True, string Predicted, long Base, long Head, long Delta);

/// <summary>One spec key that changed.</summary>
/// <param name="Change"><c>changed</c>, <c>added</c> or <c>removed</c>.</param>
public sealed record DiffSpecChange(
    string Key,
    string Change,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Base = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Head = null);

/// <summary>McNemar's exact test on the paired predictions, or why there is none, and the bootstrap intervals.</summary>
/// <param name="Test"><c>mcnemar_exact</c> when paired.</param>
/// <param name="PValue">Rounded to 12 significant digits: the last bits of exp/log may differ between C libraries, the output must not.</param>
/// <param name="Note">Why the sides were not paired.</param>
public sealed record DiffSignificance(
    bool Paired,
    [property: JsonPropertyOrder(1)] DiffInterval? BaseAccuracyInterval,
    [property: JsonPropertyOrder(1)] DiffInterval? HeadAccuracyInterval,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Test = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Images = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? BaseRightHeadWrong = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? BaseWrongHeadRight = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? PValue = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Significant = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Verdict = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Note = null);

/// <summary>A bootstrap 95% percentile interval of a test accuracy (fractions).</summary>
public sealed record DiffInterval(double Accuracy, double Lower, double Upper);

/// <summary>An experiment only one side has.</summary>
public sealed record DiffPresence(string Name, double TestAccuracy);
