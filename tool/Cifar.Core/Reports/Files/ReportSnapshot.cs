namespace Cifar.Reports.Files;

/// <summary>
/// One report folder as read back from its files (from disk or from a git revision), not from the runner's types:
/// comparisons and diffs also work on folders committed by an earlier run and read straight from git.
/// </summary>
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
    string? SpecText)
{
    /// <summary>
    /// The seeds of a multi-seed report folder (each a report folder of its own, in the spec's order); empty for a
    /// single run. A multi-seed snapshot's <see cref="Metrics"/> are the seeds' means and its
    /// <see cref="Predictions"/> their majority vote (<see cref="SeedGroups"/>).
    /// </summary>
    public IReadOnlyList<ReportSnapshot> Seeds { get; init; } = [];

    /// <summary>test-outcomes.csv's rows in evaluation order, or null when the folder has none (older reports, and
    /// multi-seed folders, whose majority vote has no single confidence).</summary>
    public IReadOnlyList<TestOutcome>? Outcomes { get; init; }

    /// <summary>The folder's binary files (pictures), or null when they cannot be read from where it came from.</summary>
    public ReportFileBytes? Files { get; init; }
}
