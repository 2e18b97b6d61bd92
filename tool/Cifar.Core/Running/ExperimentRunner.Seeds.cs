using Cifar.Data;
using Cifar.Reports;
using Cifar.Reports.Seeds;
using Cifar.Specs;

namespace Cifar.Running;

// Several seeds per spec (issue 12 point 3): the spec stays as loaded; each seed runs its own single-seed spec
// (SeedRuns) into a hidden staging folder, then the aggregate is written and the whole multi-seed folder swapped in.
public sealed partial class ExperimentRunner
{
    /// <summary>
    /// Runs a multi-seed spec once per seed and writes <c>&lt;output&gt;/&lt;name&gt;/</c>: a complete report folder per
    /// seed (<c>seed-N/</c>) and the aggregate report beside them (<see cref="SeedReportWriter"/>).
    /// </summary>
    /// <remarks>
    /// The seeds' reports go to a hidden staging folder (<c>.NAME.seeds.writing-GUID</c>), so the previous report stays
    /// in place until every seed has finished; a run killed on the way leaves that folder, which the next run of the
    /// spec deletes (<see cref="ReportFolders.Recover"/>).
    /// </remarks>
    /// <returns>The multi-seed folder, with the mean test accuracy over the seeds.</returns>
    public RunOutcome RunSeeds(ExperimentSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!SeedRuns.IsMultiSeed(spec)) throw new ArgumentException($"The spec '{spec.Name}' has one seed.", nameof(spec));
        cancellationToken.ThrowIfCancellationRequested();
        RunPreflight.Check([spec], options);

        var root = Path.GetFullPath(options.OutputRoot);
        var target = Path.Combine(root, spec.Name);
        var stagingName = spec.Name + ".seeds";
        ReportFolders.Recover(Path.Combine(root, stagingName));
        var staging = Path.Combine(root, ReportFolders.TemporaryName(stagingName));
        try
        {
            var runs = new List<(int Seed, string Folder)>();
            var perSeed = SeedRuns.PerSeed(spec);
            for (var i = 0; i < perSeed.Count; i++)
            {
                var seedSpec = perSeed[i];
                observer.Info($"{spec.Name}: seed {seedSpec.Seed} ({i + 1} of {perSeed.Count})");
                var folder = SeedRuns.FolderName(seedSpec.Seed);
                RunOne(seedSpec, Path.Combine(staging, folder), cancellationToken);
                runs.Add((seedSpec.Seed, folder));
            }

            cancellationToken.ThrowIfCancellationRequested();
            var aggregate = SeedReportWriter.Read(spec.Name, spec.Description, RecordedSpec.Text(spec), staging, runs);
            SeedReportWriter.Write(aggregate, target, spec.Report.Formats, staging);
            observer.Info($"{spec.Name}: test accuracy {100 * aggregate.TestAccuracy.Mean:F2}% mean of {runs.Count} seeds "
                + $"(noise floor {SeedReportModel.NoiseFloor(aggregate.TestAccuracy)}), report in {target}");
            return new RunOutcome(spec.Name, target, aggregate.TestAccuracy.Mean);
        }
        finally
        {
            TryDelete(staging);
        }
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover hidden staging folder: the next run of the spec deletes it.
        }
    }
}
