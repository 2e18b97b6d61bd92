using System.Globalization;
using Cifar.Reports;
using Cifar.Reports.Files;
using Cifar.Reproducibility;
using Cifar.Specs;

namespace Cifar.Running;

/// <summary>What one <c>sweep</c> invocation did.</summary>
/// <param name="Ran">The cells trained, in order.</param>
/// <param name="Skipped">The cells whose report folder was already complete for their spec.</param>
public sealed record SweepOutcome(IReadOnlyList<RunOutcome> Ran, IReadOnlyList<SweepCell> Skipped);

/// <summary>
/// Runs a sweep's cells as ordinary experiments: each cell's report goes to <c>&lt;output&gt;/&lt;sweep&gt;/&lt;cell&gt;/</c>
/// (its spec is named <c>sweep/cell</c>). A cell whose folder is complete for its spec is skipped, so an interrupted
/// sweep continues where it stopped and workers of a job array can each run one cell into a shared folder; they share
/// the cache through its locks.
/// </summary>
public sealed class SweepRunner(RunOptions options, IRunObserver observer)
{
    private readonly ExperimentRunner _runner = new(options, observer);

    /// <summary>The sweep's folder, holding sweep.json and a folder per cell.</summary>
    public string SweepFolder(SweepPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return Path.Combine(options.OutputRoot, plan.Name);
    }

    /// <summary>The cell's report folder.</summary>
    public string CellFolder(SweepPlan plan, SweepCell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        return Path.Combine(SweepFolder(plan), cell.Name);
    }

    /// <summary>The sweep.json of <paramref name="plan"/>: each cell's spec hashed as its report will record it.</summary>
    public static SweepFile SweepFileOf(SweepPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new SweepFile(plan.Name, plan.Keys, [.. plan.Cells.Select(cell => new SweepFileCell(
            cell.Index,
            cell.Name,
            cell.Values.ToDictionary(v => v.Key, v => v.Value.ToJson(), StringComparer.Ordinal),
            RecordedSpec.Sha256(cell.Spec)))]);
    }

    /// <summary>Writes (or rewrites, identically) the sweep's sweep.json; returns its content.</summary>
    public SweepFile WriteSweepFile(SweepPlan plan)
    {
        var file = SweepFileOf(plan);
        file.WriteTo(SweepFolder(plan));
        return file;
    }

    /// <summary>
    /// Whether the cell's report folder is complete for its current spec. The report writers move a folder into place
    /// only once every file is written, so what is left to check is that it was written for this spec: a single-seed
    /// cell's manifest.json records the cell's spec hash; a multi-seed cell's folder (<see cref="ExperimentRunner.RunSeeds"/>)
    /// has no manifest of its own, so its spec.yaml must be the cell's spec, its seeds.json must list exactly the
    /// cell's seeds, and every seed's folder must be complete for that seed's spec. A folder from an earlier version of
    /// the spec, with a seed missing, or without a manifest, is not complete.
    /// </summary>
    public bool IsComplete(SweepPlan plan, SweepCell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        var folder = CellFolder(plan, cell);
        ReportFolders.Recover(folder);
        try
        {
            return SeedRuns.IsMultiSeed(cell.Spec) ? IsCompleteSeeds(folder, cell.Spec) : IsCompleteRun(folder, cell.Spec);
        }
        catch (Exception e) when (e is CifarUserException or IOException or UnauthorizedAccessException)
        {
            return false; // unreadable: run the cell again, which replaces the folder
        }
    }

    private static bool IsCompleteRun(string folder, ExperimentSpec spec)
    {
        var manifest = Path.Combine(folder, ReportFiles.Manifest);
        return File.Exists(manifest)
            && ReportFileJson.ReadManifest(File.ReadAllText(manifest), manifest).SpecSha256 == RecordedSpec.Sha256(spec);
    }

    private static bool IsCompleteSeeds(string folder, ExperimentSpec spec)
    {
        var seedsPath = Path.Combine(folder, ReportFiles.Seeds);
        var specPath = Path.Combine(folder, ReportFiles.Spec);
        if (!File.Exists(seedsPath) || !File.Exists(specPath)) return false;
        if (Hashing.Sha256HexOfFile(specPath) != RecordedSpec.Sha256(spec)) return false;
        var runs = ReportFileJson.ReadSeeds(File.ReadAllText(seedsPath), seedsPath).Runs;
        var perSeed = SeedRuns.PerSeed(spec);
        return runs.Select(r => r.Seed).SequenceEqual(perSeed.Select(s => s.Seed))
            && perSeed.All(seedSpec => IsCompleteRun(Path.Combine(folder, SeedRuns.FolderName(seedSpec.Seed)), seedSpec));
    }

    /// <summary>Runs the cells of <paramref name="indices"/> (all when null) that are not complete, in index order;
    /// with <paramref name="rerunComplete"/>, complete ones too.</summary>
    public SweepOutcome Run(SweepPlan plan, IReadOnlyList<int>? indices, bool rerunComplete, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var chosen = indices is null ? plan.Cells : [.. indices.Select(i => plan.Cells[i])];
        WriteSweepFile(plan);
        var skipped = rerunComplete ? [] : chosen.Where(cell => IsComplete(plan, cell)).ToList();
        var pending = chosen.Except(skipped).ToList();
        DeterminismGuard.RequireOneLevel([.. pending.Select(c => c.Spec)]);
        RunPreflight.Check([.. pending.Select(c => c.Spec)], options);
        if (skipped.Count > 0)
        {
            observer.Info(skipped.Count == 1 && chosen.Count == 1
                ? $"{plan.Name}: cell {skipped[0].Index} ({skipped[0].Name}) is complete; skipped"
                : string.Create(CultureInfo.InvariantCulture, $"{plan.Name}: skipped {skipped.Count} complete cells"));
        }

        var ran = new List<RunOutcome>();
        foreach (var cell in pending)
        {
            cancellationToken.ThrowIfCancellationRequested();
            observer.Info(string.Create(CultureInfo.InvariantCulture,
                $"{plan.Name}: cell {cell.Index} of {plan.Cells.Count - 1} ({cell.Name})"));
            ran.Add(_runner.Run(cell.Spec, cancellationToken));
        }
        return new SweepOutcome(ran, skipped);
    }
}
