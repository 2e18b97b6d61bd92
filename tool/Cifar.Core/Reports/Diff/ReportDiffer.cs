using System.Text.Json.Nodes;
using Cifar.Reports.Files;
using Cifar.Reports.Statistics;

namespace Cifar.Reports.Diff;

/// <summary>Builds a <see cref="ReportDiff"/> between two sides, each a report folder, a reports root, a metrics.json
/// path or a git revision.</summary>
public static class ReportDiffer
{
    /// <summary>How many confusion-matrix cells a diff lists.</summary>
    public const int ConfusionMovesShown = 5;

    // metrics.json keys that have their own rows in a diff; differences in any other key are listed by name.
    private static readonly HashSet<string> KeysWithRows = new(StringComparer.Ordinal)
    {
        "test", "classes", "per_class", "macro_avg", "confusion_matrix", "best_epoch", "stopped_epoch", "model",
    };

    /// <summary>
    /// Diffs <paramref name="baseSide"/> against <paramref name="headSide"/>. Each argument is resolved as a path
    /// first when it exists on disk (a metrics.json file, a report folder, or a reports root holding report folders),
    /// else as a git revision (<c>HEAD~1</c>, a branch, a tag, a commit) whose committed reports are read from git
    /// without a checkout. Two single report folders are paired whatever their names; otherwise experiments are
    /// matched by folder name.
    /// </summary>
    /// <exception cref="CifarUserException">InvalidInput when an argument is neither an existing path nor a revision,
    /// or a report file is malformed.</exception>
    public static ReportDiff Diff(string baseSide, string headSide, DiffOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(baseSide);
        ArgumentNullException.ThrowIfNull(headSide);
        options ??= new DiffOptions();
        var (baseSingle, baseReports) = Resolve(baseSide, options);
        var (headSingle, headReports) = Resolve(headSide, options);
        return Diff(baseSide, baseReports, headSide, headReports, pairSingles: baseSingle && headSingle,
            options.BootstrapResamples, options.FlippedShown);
    }

    /// <summary>Diffs two already-read sets of reports (labels are what the output calls the sides).</summary>
    /// <param name="pairSingles">Pair the only report of each side whatever their names.</param>
    /// <param name="flippedShown">Flipped test images listed per direction.</param>
    public static ReportDiff Diff(string baseLabel, IReadOnlyList<ReportSnapshot> baseReports, string headLabel,
        IReadOnlyList<ReportSnapshot> headReports, bool pairSingles = false, int bootstrapResamples = Bootstrap.DefaultResamples,
        int flippedShown = FlippedImages.DefaultShown)
    {
        if (flippedShown < 0)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, $"--flipped is {flippedShown}; expected a number of images >= 0");
        }
        ArgumentNullException.ThrowIfNull(baseReports);
        ArgumentNullException.ThrowIfNull(headReports);
        var pairs = new List<(string Name, ReportSnapshot Base, ReportSnapshot Head)>();
        List<ExperimentPresence> added = [], removed = [];
        if (pairSingles && baseReports.Count == 1 && headReports.Count == 1)
        {
            var (b, h) = (baseReports[0], headReports[0]);
            pairs.Add((b.Name == h.Name ? h.Name : $"{b.Name} → {h.Name}", b, h));
        }
        else
        {
            var baseByName = ByName(baseReports, baseLabel);
            var headByName = ByName(headReports, headLabel);
            foreach (var name in baseByName.Keys.Union(headByName.Keys).Order(StringComparer.Ordinal))
            {
                var inBase = baseByName.TryGetValue(name, out var b);
                var inHead = headByName.TryGetValue(name, out var h);
                if (inBase && inHead)
                {
                    pairs.Add((name, b!, h!));
                }
                else if (inHead)
                {
                    added.Add(new ExperimentPresence(name, h!.Metrics.Test.Accuracy));
                }
                else
                {
                    removed.Add(new ExperimentPresence(name, b!.Metrics.Test.Accuracy));
                }
            }
        }
        var experiments = pairs.Select(p => DiffExperiment(p.Name, p.Base, p.Head, bootstrapResamples, flippedShown)).ToList();
        return new ReportDiff(baseLabel, headLabel, experiments, added, removed, bootstrapResamples);
    }

    private static Dictionary<string, ReportSnapshot> ByName(IReadOnlyList<ReportSnapshot> reports, string side)
    {
        var byName = new Dictionary<string, ReportSnapshot>(StringComparer.Ordinal);
        foreach (var report in reports)
        {
            if (!byName.TryAdd(report.Name, report))
            {
                throw new CifarUserException(UserErrorKind.InvalidInput, $"'{side}' holds two reports named '{report.Name}'");
            }
        }
        return byName;
    }

    /// <summary>Reads one side: (true when it is a single report, its reports).</summary>
    private static (bool Single, IReadOnlyList<ReportSnapshot> Reports) Resolve(string argument, DiffOptions options)
    {
        if (File.Exists(argument))
        {
            var folder = Path.GetDirectoryName(Path.GetFullPath(argument))!;
            var name = Path.GetFileName(folder);
            return (true, [ReportSnapshotReader.Read(name, argument, file =>
            {
                var path = file == ReportFiles.Metrics ? argument : Path.Combine(folder, file);
                return File.Exists(path) ? File.ReadAllText(path) : null;
            })]);
        }
        if (Directory.Exists(argument))
        {
            if (ReportSnapshotReader.IsReportFolder(argument))
            {
                return (true, [ReportSnapshotReader.ReadFolder(argument)]);
            }
            var folders = ReportSnapshotReader.FindReportFolders(argument);
            if (folders.Count == 0)
            {
                throw new CifarUserException(UserErrorKind.InvalidInput,
                    $"'{argument}' holds no report folders (folders with a {ReportFiles.Metrics})");
            }
            return (false, [.. folders.Select(ReportSnapshotReader.ReadFolder)]);
        }
        var repository = options.RepositoryDirectory ?? Directory.GetCurrentDirectory();
        if (!Directory.Exists(repository) || !GitRevisionReports.IsRevision(repository, argument))
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, GitRevisionReports.NotARevision(repository, argument));
        }
        var reports = GitRevisionReports.Read(repository, argument, options.ReportsPath, out var single);
        return (single, reports);
    }

    private static ExperimentDiff DiffExperiment(string name, ReportSnapshot b, ReportSnapshot h, int resamples, int flippedShown)
    {
        var (bm, hm) = (b.Metrics, h.Metrics);
        var metrics = new List<MetricChange>
        {
            new("test_accuracy", "Test accuracy", MetricUnit.Accuracy, bm.Test.Accuracy, hm.Test.Accuracy),
            new("test_loss", "Test loss", MetricUnit.Loss, bm.Test.Loss, hm.Test.Loss),
            new("macro_f1", "Macro F1", MetricUnit.Score, bm.MacroAvg.F1, hm.MacroAvg.F1),
            new("best_epoch", "Best epoch", MetricUnit.Count, bm.BestEpoch, hm.BestEpoch),
            new("stopped_epoch", "Stopped epoch", MetricUnit.Count, bm.StoppedEpoch, hm.StoppedEpoch),
            new("trainable_parameters", "Trainable parameters", MetricUnit.Count,
                bm.Model.TrainableParameters, hm.Model.TrainableParameters),
            new("total_parameters", "Total parameters", MetricUnit.Count, bm.Model.TotalParameters, hm.Model.TotalParameters),
        };
        metrics.RemoveAll(m => m.Base is null && m.Head is null);

        var classes = hm.Classes.Concat(bm.Classes.Where(c => !hm.Classes.Contains(c))).ToList();
        var classF1 = classes.Select(c => new ClassF1Change(c, bm.F1Of(c), hm.F1Of(c))).ToList();

        var (specChanges, specNote) = (b.SpecText, h.SpecText) switch
        {
            (null, null) => ([], "no spec.yaml on either side"),
            (null, _) => ([], "no spec.yaml on the base side"),
            (_, null) => ([], "no spec.yaml on the head side"),
            var (bs, hs) => (SpecKeys.Diff(bs, hs, b.Location + "/" + ReportFiles.Spec, h.Location + "/" + ReportFiles.Spec), (string?)null),
        };
        if (specNote is not null && (b.SpecText is null) == (h.SpecText is null))
        {
            specNote = null; // absent on both sides: nothing changed, nothing worth a note on every experiment
        }

        var paired = PairedTest.TryCreate(b.Predictions, h.Predictions, out var pairingNote);
        AccuracyInterval? Interval(PredictionsFile? p) => p is null ? null : Bootstrap.AccuracyInterval(p.Correct(), resamples);

        var other = OtherMetricsKeys(b.MetricsJson, h.MetricsJson);
        if (b.Predictions != h.Predictions && b.Predictions is not null && h.Predictions is not null && !other.Contains("predictions.txt"))
        {
            other.Add("predictions.txt");
        }
        if ((b.Predictions is null) != (h.Predictions is null))
        {
            other.Add(b.Predictions is null ? "predictions.txt added" : "predictions.txt removed");
        }
        if ((b.SpecText is null) != (h.SpecText is null))
        {
            other.Add(b.SpecText is null ? "spec.yaml added" : "spec.yaml removed");
        }

        return WithSeeds(new ExperimentDiff(name, metrics, classF1, ConfusionMoves(bm, hm), specChanges, specNote, paired,
            pairingNote, Interval(b.Predictions), Interval(h.Predictions), other)
        {
            Flipped = FlippedImages.Find(b.Predictions, h.Predictions, hm.Classes, b.Outcomes, h.Outcomes, flippedShown),
            Histories = (bm.History, hm.History),
            DatasetSha256 = hm.DatasetSha256,
            BaseFiles = b.Files,
            HeadFiles = h.Files,
        }, b, h);
    }

    /// <summary>
    /// The seed-level figures of a diff where a side is a multi-seed report folder: each side's spread, and Welch's t
    /// test on the seeds' test accuracies when both sides have several seeds.
    /// </summary>
    private static ExperimentDiff WithSeeds(ExperimentDiff diff, ReportSnapshot b, ReportSnapshot h)
    {
        if (b.Seeds.Count == 0 && h.Seeds.Count == 0) return diff;
        static double[] Accuracies(ReportSnapshot side) => [.. side.Seeds.Select(s => s.Metrics.Test.Accuracy)];
        static SeedSummary? Spread(ReportSnapshot side) => side.Seeds.Count >= 2 ? SeedSummary.Of(Accuracies(side)) : null;
        var (baseSeeds, headSeeds) = (Spread(b), Spread(h));
        return diff with
        {
            BaseSeeds = baseSeeds,
            HeadSeeds = headSeeds,
            SeedTest = baseSeeds is not null && headSeeds is not null ? WelchTest.Of(Accuracies(b), Accuracies(h)) : null,
            SeedNote = baseSeeds is null || headSeeds is null
                ? $"only the {(baseSeeds is null ? "head" : "base")} has several seeds; the test across seeds needs several on both sides, so the {(baseSeeds is null ? "head's" : "base's")} mean is compared with a single run"
                : null,
        };
    }

    /// <summary>Off-diagonal cells whose counts changed most, matched by class name on both sides.</summary>
    private static List<ConfusionMove> ConfusionMoves(MetricsFile b, MetricsFile h)
    {
        var moves = new List<ConfusionMove>();
        for (var t = 0; t < h.Classes.Count; t++)
        {
            var bt = IndexOf(b.Classes, h.Classes[t]);
            for (var p = 0; p < h.Classes.Count; p++)
            {
                var bp = IndexOf(b.Classes, h.Classes[p]);
                if (t == p || bt < 0 || bp < 0)
                {
                    continue;
                }
                var move = new ConfusionMove(h.Classes[t], h.Classes[p], b.ConfusionMatrix[bt][bp], h.ConfusionMatrix[t][p]);
                if (move.Delta != 0)
                {
                    moves.Add(move);
                }
            }
        }
        // Largest |change| first; ties in class order (true, then predicted) so the list never reshuffles.
        return [.. moves
            .Select((m, i) => (m, i))
            .OrderByDescending(x => Math.Abs(x.m.Delta))
            .ThenBy(x => x.i)
            .Take(ConfusionMovesShown)
            .Select(x => x.m)];
    }

    private static int IndexOf(IReadOnlyList<string> list, string item)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == item)
            {
                return i;
            }
        }
        return -1;
    }

    /// <summary>Top-level metrics.json keys without rows of their own whose values differ (history, seed, ...).</summary>
    private static List<string> OtherMetricsKeys(string baseJson, string headJson)
    {
        var (b, h) = (JsonNode.Parse(baseJson) as JsonObject, JsonNode.Parse(headJson) as JsonObject);
        if (b is null || h is null)
        {
            return [];
        }
        var keys = h.Select(p => p.Key).Concat(b.Select(p => p.Key)).Distinct(StringComparer.Ordinal);
        return [.. keys
            .Where(k => !KeysWithRows.Contains(k) && !JsonNode.DeepEquals(b[k], h[k]))
            .Select(k => "metrics.json " + k)];
    }
}
