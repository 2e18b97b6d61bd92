namespace Cifar.Reports.Files;

/// <summary>
/// Reads report folders (one experiment each) and reports roots (a folder of report folders) into
/// <see cref="ReportSnapshot"/>s. Malformed files are user errors that name the file and the bad key.
/// </summary>
public static class ReportSnapshotReader
{
    /// <summary>True when <paramref name="folder"/> is a report folder: it holds metrics.json, or seeds.json (the
    /// report of several seeds, whose runs are report folders inside it).</summary>
    public static bool IsReportFolder(string folder) =>
        File.Exists(Path.Combine(folder, ReportFiles.Metrics)) || File.Exists(Path.Combine(folder, ReportFiles.Seeds));

    /// <summary>
    /// True for folder names no experiment has: hidden ones, such as <c>.git</c> and the report writer's temporary
    /// and backup folders (<c>.NAME.writing-*</c>, <c>.NAME.replaced-*</c>) left by an interrupted run. A spec's
    /// name never starts with a dot, so listings of experiments skip these.
    /// </summary>
    public static bool IsHiddenName(string folderName) => folderName.StartsWith('.');

    /// <summary>The report folders directly under a reports root, sorted by name (ordinal) for a stable order;
    /// hidden folders (<see cref="IsHiddenName"/>) are not experiments.</summary>
    public static IReadOnlyList<string> FindReportFolders(string reportsRoot)
    {
        if (!Directory.Exists(reportsRoot))
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, $"reports folder '{reportsRoot}' does not exist");
        }
        return [.. Directory.GetDirectories(reportsRoot)
            .Where(folder => !IsHiddenName(Path.GetFileName(folder)) && IsReportFolder(folder))
            .OrderBy(Path.GetFileName, StringComparer.Ordinal)];
    }

    /// <summary>
    /// The single-run report folders <paramref name="folder"/> stands for: the seed folders that its seeds.json lists
    /// when it is a multi-seed report folder (each has its own spec.yaml and manifest.json, so <c>verify</c> checks
    /// each), else the folder itself.
    /// </summary>
    /// <exception cref="CifarUserException">InvalidInput when seeds.json is malformed.</exception>
    public static IReadOnlyList<string> SingleRunFolders(string folder)
    {
        var seeds = Path.Combine(folder, ReportFiles.Seeds);
        if (!File.Exists(seeds)) return [folder];
        return [.. ReportFileJson.ReadSeeds(File.ReadAllText(seeds), seeds).Runs.Select(run => Path.Combine(folder, run.Folder))];
    }

    /// <summary>Reads one report folder from disk.</summary>
    public static ReportSnapshot ReadFolder(string folder)
    {
        if (!IsReportFolder(folder))
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"'{folder}' is not a report folder: it has no {ReportFiles.Metrics}");
        }
        var full = Path.GetFullPath(folder);
        var name = Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        var snapshot = Read(name, folder, file =>
        {
            var path = Path.Combine(folder, file);
            return File.Exists(path) ? File.ReadAllText(path) : null;
        });
        return snapshot with { Files = ReportFileBytes.OfFolder(folder) };
    }

    /// <summary>
    /// Reads one report from any file source (a folder, a git revision): <paramref name="readFile"/> returns a file's
    /// text by name (<see cref="ReportFiles.Metrics"/>, ...), or null when the file is absent.
    /// </summary>
    public static ReportSnapshot Read(string name, string location, Func<string, string?> readFile)
    {
        ArgumentNullException.ThrowIfNull(readFile);
        if (readFile(ReportFiles.Seeds) is { } seedsText) return ReadSeedGroup(name, location, seedsText, readFile);
        var metricsText = readFile(ReportFiles.Metrics) ?? throw new CifarUserException(UserErrorKind.InvalidInput,
            $"'{location}' is not a report folder: it has no {ReportFiles.Metrics}");
        var metrics = ReportFileJson.ReadMetrics(metricsText, Join(location, ReportFiles.Metrics));
        var timingText = readFile(ReportFiles.Timing);
        var timing = timingText is null ? null : ReportFileJson.ReadTiming(timingText, Join(location, ReportFiles.Timing));
        var predictionsText = readFile(ReportFiles.Predictions);
        var predictions = predictionsText is null
            ? null
            : PredictionsFile.Parse(predictionsText, Join(location, ReportFiles.Predictions));
        var outcomesText = readFile(ReportFiles.TestOutcomes);
        return new ReportSnapshot(name, location, metrics, metricsText, timing, predictions, readFile(ReportFiles.Spec))
        {
            Outcomes = outcomesText is null ? null : TestOutcomesFile.Parse(outcomesText, Join(location, ReportFiles.TestOutcomes)),
        };
    }

    /// <summary>A multi-seed report folder: each seed folder that seeds.json lists, read as a report, then combined.</summary>
    private static ReportSnapshot ReadSeedGroup(string name, string location, string seedsText, Func<string, string?> readFile)
    {
        var seedsFile = ReportFileJson.ReadSeeds(seedsText, Join(location, ReportFiles.Seeds));
        var seeds = seedsFile.Runs.Select(run =>
        {
            var seedLocation = Join(location, run.Folder);
            if (readFile(run.Folder + "/" + ReportFiles.Metrics) is null)
            {
                throw new CifarUserException(UserErrorKind.InvalidInput,
                    $"'{seedLocation}' is not a report folder: it has no {ReportFiles.Metrics} (listed in {Join(location, ReportFiles.Seeds)})");
            }
            return Read(run.Folder, seedLocation, file => file == ReportFiles.Seeds ? null : readFile(run.Folder + "/" + file));
        }).ToList();
        var metrics = SeedGroups.MeanMetrics(name, [.. seeds.Select(s => s.Metrics)], location);
        var metricsJson = System.Text.Encoding.UTF8.GetString(ReportFileJson.Write(metrics));
        return new ReportSnapshot(name, location, metrics, metricsJson, Timing: null,
            SeedGroups.MajorityVote([.. seeds.Select(s => s.Predictions)]), readFile(ReportFiles.Spec))
        {
            Seeds = seeds,
        };
    }

    private static string Join(string location, string file) =>
        location.EndsWith('/') || location.EndsWith(':') ? location + file : location + "/" + file;
}
