using System.Globalization;
using Cifar.Reports.Files;
using Cifar.Reports.Formatting;
using Cifar.Reports.Statistics;

namespace Cifar.Reports.Diff;

/// <summary>How a headline metric is shown: accuracies as percentages with changes in percentage points.</summary>
public enum MetricUnit
{
    /// <summary>A fraction in [0, 1] shown as 71.23%; changes in percentage points.</summary>
    Accuracy,
    /// <summary>A loss, four decimals.</summary>
    Loss,
    /// <summary>An F1 score in [0, 1], four decimals.</summary>
    Score,
    /// <summary>A whole number: epochs, parameters.</summary>
    Count,
}

/// <summary>One headline metric, base → head. A side is null when that report lacks the value.</summary>
/// <param name="Key">Stable machine name (JSON output): <c>test_accuracy</c>, <c>trainable_parameters</c>, ...</param>
/// <param name="Label">What people read: "Test accuracy".</param>
public sealed record MetricChange(string Key, string Label, MetricUnit Unit, double? Base, double? Head)
{
    /// <summary>Head minus base, rounded to 1e-12 so float noise never reads as a change; null if a side is missing.</summary>
    public double? Delta => Base is { } b && Head is { } h ? Math.Round(h - b, 12) : null;

    public bool IsChanged => Base != Head;
}

/// <summary>One class's F1, base → head.</summary>
public sealed record ClassF1Change(string Class, double? Base, double? Head)
{
    public double? Delta => Base is { } b && Head is { } h ? Math.Round(h - b, 12) : null;
}

/// <summary>A confusion-matrix cell that moved: images of <paramref name="TrueClass"/> predicted as <paramref name="PredictedClass"/>.</summary>
public sealed record ConfusionMove(string TrueClass, string PredictedClass, long Base, long Head)
{
    public long Delta => Head - Base;
}

/// <summary>Everything that changed in one experiment between the base and the head.</summary>
/// <param name="Name">The experiment; "base-name → head-name" when two single folders of different names were paired.</param>
/// <param name="Metrics">Headline metrics in a fixed order: test accuracy, test loss, macro F1, best epoch, stopped
/// epoch, trainable parameters, total parameters (rows missing on both sides are left out).</param>
/// <param name="ClassF1">Per-class F1 in the head's class order (then classes only the base has).</param>
/// <param name="ConfusionMoves">Up to 5 off-diagonal confusion cells with the largest |change|, largest first.</param>
/// <param name="SpecChanges">Key-level spec.yaml changes.</param>
/// <param name="SpecNote">Why specs were not compared (a side has no spec.yaml); null when they were.</param>
/// <param name="Paired">McNemar's test on paired predictions; null when not paired (see <paramref name="PairingNote"/>).</param>
/// <param name="BaseInterval">Bootstrap 95% interval of the base's accuracy; null without its predictions.txt.</param>
/// <param name="OtherChanges">Other things that differ and have no row above: metrics.json keys (history, seed, ...)
/// and predictions.txt.</param>
public sealed record ExperimentDiff(
    string Name,
    IReadOnlyList<MetricChange> Metrics,
    IReadOnlyList<ClassF1Change> ClassF1,
    IReadOnlyList<ConfusionMove> ConfusionMoves,
    IReadOnlyList<SpecChange> SpecChanges,
    string? SpecNote,
    PairedTest? Paired,
    string? PairingNote,
    AccuracyInterval? BaseInterval,
    AccuracyInterval? HeadInterval,
    IReadOnlyList<string> OtherChanges)
{
    /// <summary>True when nothing in metrics.json, spec.yaml or predictions.txt differs (timing is never compared).</summary>
    public bool IsUnchanged =>
        !Metrics.Any(m => m.IsChanged) && !ClassF1.Any(c => c.Base != c.Head) && ConfusionMoves.Count == 0
        && SpecChanges.Count == 0 && OtherChanges.Count == 0;

    /// <summary>
    /// Welch's t test on the seeds' test accuracies when both sides are multi-seed report folders (then the metric rows
    /// are seed means and <see cref="Paired"/> pairs the seeds' majority votes); null otherwise.
    /// </summary>
    public WelchTest? SeedTest { get; init; }

    /// <summary>The base's test accuracy across its seeds (its noise floor); null for a single run.</summary>
    public SeedSummary? BaseSeeds { get; init; }

    /// <summary>The head's test accuracy across its seeds; null for a single run.</summary>
    public SeedSummary? HeadSeeds { get; init; }

    /// <summary>Why there is no seed-level test although one side has several seeds; null otherwise.</summary>
    public string? SeedNote { get; init; }

    /// <summary>The test images whose correctness changed (McNemar's off-diagonal cells); null when the sides'
    /// predictions cannot be paired.</summary>
    public FlippedImages? Flipped { get; init; }

    /// <summary>Each side's training history (metrics.json's <c>history</c>), for the learning curves of base against head.</summary>
    public (IReadOnlyList<EpochMetrics> Base, IReadOnlyList<EpochMetrics> Head) Histories { get; init; } = ([], []);

    /// <summary>The head's dataset hash (metrics.json's <c>dataset_sha256</c>): which test set the images come from.</summary>
    public string? DatasetSha256 { get; init; }

    /// <summary>The base folder's pictures, for the HTML gallery; null when they cannot be read.</summary>
    public ReportFileBytes? BaseFiles { get; init; }

    /// <summary>The head folder's pictures, for the HTML gallery; null when they cannot be read.</summary>
    public ReportFileBytes? HeadFiles { get; init; }

    public MetricChange? TestAccuracy => Metrics.FirstOrDefault(m => m.Key == "test_accuracy");

    /// <summary>Change of test accuracy in percentage points (head − base), rounded to 1e-9; null if a side lacks it.</summary>
    public double? AccuracyDeltaPoints => TestAccuracy?.Delta is { } d ? Math.Round(d * 100, 9) : null;
}

/// <summary>A report added in the head or removed from it.</summary>
public sealed record ExperimentPresence(string Name, double TestAccuracy);

/// <summary>The diff between two sets of reports: what <c>dotnet cifar diff BASE HEAD</c> shows.</summary>
/// <param name="Base">The base argument as the user gave it (a path or a git revision).</param>
/// <param name="Head">The head argument as the user gave it.</param>
/// <param name="Experiments">Experiments on both sides, by name (ordinal).</param>
/// <param name="Added">Experiments only the head has, by name.</param>
/// <param name="Removed">Experiments only the base has, by name.</param>
/// <param name="BootstrapResamples">Resamples behind each bootstrap interval (seed <see cref="Bootstrap.Seed"/>).</param>
public sealed record ReportDiff(
    string Base,
    string Head,
    IReadOnlyList<ExperimentDiff> Experiments,
    IReadOnlyList<ExperimentPresence> Added,
    IReadOnlyList<ExperimentPresence> Removed,
    int BootstrapResamples)
{
    /// <summary>The exact summary text of identical sides, in every output format.</summary>
    public const string NoChange = "no change";

    /// <summary>True when both sides hold the same experiments with the same results and specs.</summary>
    public bool IsUnchanged => Added.Count == 0 && Removed.Count == 0 && Experiments.All(e => e.IsUnchanged);

    /// <summary>
    /// One line: "no change" for identical sides; otherwise each changed experiment's test accuracy old → new with its
    /// change and verdict, then unchanged, added and removed experiments.
    /// </summary>
    public string Summary
    {
        get
        {
            if (IsUnchanged)
            {
                return NoChange;
            }
            var parts = new List<string>();
            foreach (var e in Experiments.Where(e => !e.IsUnchanged))
            {
                var accuracy = e.TestAccuracy;
                var text = accuracy is { Base: { } b, Head: { } h }
                    ? $"{e.Name}: test accuracy {ReportNumbers.Percent(b)} → {ReportNumbers.Percent(h)} ({ReportNumbers.PointsChange(h - b)}"
                      + (e.SeedTest is { } w ? $", {w.Verdict} across seeds" : e.Paired is { } p ? ", " + p.Verdict : "") + ")"
                    : $"{e.Name}: changed";
                if (e.SpecChanges.Count > 0)
                {
                    text += string.Create(CultureInfo.InvariantCulture,
                        $", {e.SpecChanges.Count} spec change{(e.SpecChanges.Count == 1 ? "" : "s")}");
                }
                parts.Add(text);
            }
            var unchanged = Experiments.Where(e => e.IsUnchanged).Select(e => e.Name).ToList();
            if (unchanged.Count > 0)
            {
                parts.Add("unchanged: " + string.Join(", ", unchanged));
            }
            if (Added.Count > 0)
            {
                parts.Add("added: " + string.Join(", ", Added.Select(a => a.Name)));
            }
            if (Removed.Count > 0)
            {
                parts.Add("removed: " + string.Join(", ", Removed.Select(r => r.Name)));
            }
            return string.Join("; ", parts);
        }
    }

    /// <summary>
    /// True when any experiment's test accuracy fell by more than <paramref name="points"/> percentage points, or fell
    /// by any amount that McNemar's test calls significant at 5%. When both sides have several seeds the seeds decide
    /// instead: a regression is a fall of the mean test accuracy by more than <paramref name="points"/> that Welch's t
    /// test over the seeds calls significant at 5% (a larger fall within the seed noise is not one, nor is a
    /// significant fall smaller than <paramref name="points"/>). Added or removed experiments are not regressions.
    /// </summary>
    public bool HasRegression(double points) => Regressions(points).Count > 0;

    /// <summary>One line per regression <see cref="HasRegression"/> counts, saying which experiment and why.</summary>
    public IReadOnlyList<string> Regressions(double points)
    {
        if (double.IsNaN(points) || points < 0)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"the allowed accuracy drop must be a number of percentage points >= 0, got '{ReportNumbers.Plain(points)}'");
        }
        var lines = new List<string>();
        foreach (var e in Experiments)
        {
            if (e.AccuracyDeltaPoints is not { } delta || delta >= 0 || e.TestAccuracy is not { Base: { } b, Head: { } h })
            {
                continue;
            }
            if (e.SeedTest is { } seeds)
            {
                if (-delta > points && seeds.IsSignificant)
                {
                    lines.Add($"{e.Name}: mean test accuracy over seeds fell {ReportNumbers.Rounded(-delta, 2)} pp ({ReportNumbers.Percent(b)} → {ReportNumbers.Percent(h)}), "
                        + $"more than the allowed {ReportNumbers.Plain(points)} pp and significant at 5% (Welch's t test over {seeds.BaseCount} and {seeds.HeadCount} seeds, {ReportNumbers.PValue(seeds.PValue)})");
                }
                continue;
            }
            var fell = $"{e.Name}: test accuracy fell {ReportNumbers.Rounded(-delta, 2)} pp ({ReportNumbers.Percent(b)} → {ReportNumbers.Percent(h)})";
            if (-delta > points)
            {
                lines.Add($"{fell}, more than the allowed {ReportNumbers.Plain(points)} pp");
            }
            else if (e.Paired is { IsSignificant: true } p)
            {
                lines.Add($"{fell}, a drop significant at 5% (McNemar exact test, {ReportNumbers.PValue(p.PValue)})");
            }
        }
        return lines;
    }
}

/// <summary>Where the sides of a diff come from when they are git revisions, and how much to bootstrap.</summary>
/// <param name="RepositoryDirectory">The git repository (or a folder inside it) that revisions are read from; null = the current folder.</param>
/// <param name="ReportsPath">The reports root inside the repository, as a path relative to <paramref name="RepositoryDirectory"/>.</param>
/// <param name="BootstrapResamples">Resamples per bootstrap interval.</param>
/// <param name="FlippedShown">Flipped test images listed per direction (<c>--flipped</c>).</param>
public sealed record DiffOptions(
    string? RepositoryDirectory = null,
    string ReportsPath = "reports",
    int BootstrapResamples = Bootstrap.DefaultResamples,
    int FlippedShown = FlippedImages.DefaultShown);
