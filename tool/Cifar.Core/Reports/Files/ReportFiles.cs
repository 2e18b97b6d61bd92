namespace Cifar.Reports.Files;

/// <summary>
/// The names and format headers of the files in a report folder (<c>dotnet cifar run</c>'s
/// <c>&lt;output&gt;/&lt;name&gt;/</c>): the one place the writer and every reader take them from.
/// </summary>
public static class ReportFiles
{
    /// <summary>Results only, no timings (<see cref="MetricsFile"/>): the contract CI, <c>compare</c> and <c>diff</c> read.</summary>
    public const string Metrics = "metrics.json";

    /// <summary>Machine-dependent figures (<see cref="TimingFile"/>).</summary>
    public const string Timing = "timing.json";

    /// <summary>Per-image test labels and predictions (<see cref="PredictionsFile"/>).</summary>
    public const string Predictions = "predictions.txt";

    /// <summary>Per test image: index in the test set, label, prediction, confidence, loss (<see cref="TestOutcomesFile"/>).</summary>
    public const string TestOutcomes = "test-outcomes.csv";

    /// <summary>Per-epoch logs as CSV (<see cref="HistoryCsv"/>).</summary>
    public const string History = "history.csv";

    /// <summary>The spec exactly as run.</summary>
    public const string Spec = "spec.yaml";

    public const string LossChart = "loss.svg";
    public const string AccuracyChart = "accuracy.svg";

    /// <summary>Accuracy against confidence per bin, with the expected calibration error (Reports/Analysis/Calibration.cs).</summary>
    public const string ReliabilityChart = "reliability.svg";

    /// <summary>The learning rate of every step (thinned), beside the learning curves.</summary>
    public const string LearningRateChart = "learning_rate.svg";
    public const string MarkdownReport = "report.md";
    public const string HtmlReport = "report.html";

    /// <summary>What the folder was made from and the hash of every other file in it (<see cref="ManifestFile"/>); written last.</summary>
    public const string Manifest = "manifest.json";

    /// <summary>manifest.json's <c>format</c>: the format and its version, which readers check.</summary>
    public const string ManifestFormat = "dotnet-cifar manifest v1";

    /// <summary>
    /// The files a rerun of the same spec under the same conditions reproduces byte for byte, compared whole by
    /// <c>dotnet cifar verify</c>. The reports are too, outside their timing section (<see cref="ReportsWithTiming"/>),
    /// and so are the PNGs under images/: the HTML report embeds every one of them, so comparing it compares them.
    /// </summary>
    public static IReadOnlyList<string> Deterministic { get; } = [Metrics, Predictions, History, LossChart, AccuracyChart, LearningRateChart, Spec, TestOutcomes, ReliabilityChart];

    /// <summary>Reports that repeat byte for byte outside the part between <see cref="TimingBegin"/> and <see cref="TimingEnd"/>.</summary>
    public static IReadOnlyList<string> ReportsWithTiming { get; } = [MarkdownReport, HtmlReport];

    /// <summary>The line that opens the machine-dependent timing section of a report (templates/README.md).</summary>
    public const string TimingBegin = "<!-- timing:begin -->";

    /// <summary>The line that closes it.</summary>
    public const string TimingEnd = "<!-- timing:end -->";

    /// <summary>The files every report folder has, whatever the report formats.</summary>
    public static IReadOnlyList<string> DataFiles { get; } = [Metrics, History, Timing, Predictions, Spec, LossChart, AccuracyChart, LearningRateChart, Manifest];

    /// <summary>
    /// The data file of a multi-seed report folder (<see cref="SeedsFile"/>): its presence is what makes a folder the
    /// aggregate of several seeds, whose runs are report folders inside it.
    /// </summary>
    public const string Seeds = "seeds.json";

    /// <summary>seeds.json's <c>format</c>.</summary>
    public const string SeedsFormat = "dotnet-cifar seeds v1";

    /// <summary>The files of a multi-seed report folder besides its seed folders, whatever the report formats.</summary>
    public static IReadOnlyList<string> SeedsDataFiles { get; } = [Seeds, Spec, LossChart, AccuracyChart];

    /// <summary>The start of predictions.txt's first line: the format and its version, which readers check.</summary>
    public const string PredictionsFormat = "# dotnet-cifar test predictions v1";

    /// <summary>The whole first line of predictions.txt as the writer writes it.</summary>
    public const string PredictionsHeader =
        PredictionsFormat + ": line 2 true labels, line 3 predicted labels, one digit (class index) per test image in test-set order";

    /// <summary>The first line of history.csv.</summary>
    public const string HistoryHeader = "epoch,phase,loss,accuracy,val_loss,val_accuracy,learning_rate";

    /// <summary>The first line of a history.csv written before the learning rate was recorded; still read, and
    /// written for a history without rates, so such a file round-trips.</summary>
    public const string HistoryHeaderWithoutLearningRate = "epoch,phase,loss,accuracy,val_loss,val_accuracy";
}
