using System.Globalization;
using System.Text;
using Cifar.Reports;
using Cifar.Reports.Diff;
using Cifar.Reports.Files;
using Cifar.Reports.Seeds;
using Cifar.Specs;
using Cifar.Tests.Infra;
using Cifar.Training;

namespace Cifar.Tests.Reports.Seeds;

/// <summary>
/// The multi-seed report, built the way a run builds it: three seed folders written by the real report writer from
/// fixtures that differ by seed, read back, aggregated and rendered; each file compared with its golden copy in
/// Reports/Golden/seeds/ (<c>UPDATE_GOLDEN=1</c> rewrites them).
/// </summary>
public sealed class SeedReportGoldenTests : IDisposable
{
    private readonly TempFolder _temp = new("seeds-golden");

    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Files => new("report.md", "report.html", "seeds.json", "loss.svg", "accuracy.svg", "spec.yaml");

    private const string SpecText = "name: golden-cnn\nseeds: [1, 2, 3]\n";

    /// <summary>Seed s gets s more wrong test images per class than the fixture, and a history shifted by s.</summary>
    internal static ExperimentResult ResultForSeed(int seed)
    {
        var fixture = ReportFixtures.Result();
        var labels = fixture.Evaluation.Labels;
        var predictions = fixture.Evaluation.Predictions.Select((p, i) => i % 10 == 0 && i / 10 < seed * 2 ? (byte)((labels[i] + 1) % 10) : p).ToList();
        var shift = 0.01 * seed;
        var history = new TrainingHistory(
            [.. ReportFixtures.History.Epochs.Select(e => e with { Loss = e.Loss + shift, ValLoss = e.ValLoss + (2 * shift), Accuracy = e.Accuracy - shift, ValAccuracy = e.ValAccuracy - shift })],
            ReportFixtures.History.BestEpoch, ReportFixtures.History.StoppedEpoch);
        return fixture with
        {
            Seed = seed,
            History = history,
            Evaluation = ReportFixtures.Evaluate(labels, predictions, loss: 1.2 + (0.05 * seed)),
        };
    }

    /// <summary>Writes <c>root/name/</c> as a run would: a seed folder per seed by the real writer, then the aggregate.</summary>
    internal static string WriteGroup(string root, string name, int[] seeds)
    {
        var staging = Path.Combine(root, "." + name + ".staging");
        foreach (var seed in seeds)
        {
            ReportWriter.Write(ResultForSeed(seed) with { Name = name }, Path.Combine(staging, SeedRuns.FolderName(seed)), ReportOptions.Default);
        }
        var spec = $"name: {name}\nseeds: [{string.Join(", ", seeds)}]\n";
        var aggregate = SeedReportWriter.Read(name, null, spec, staging, [.. seeds.Select(s => (s, SeedRuns.FolderName(s)))]);
        var target = Path.Combine(root, name);
        SeedReportWriter.Write(aggregate, target, [ReportFormat.Markdown], staging);
        Directory.Delete(staging, recursive: true);
        return target;
    }

    private Dictionary<string, string> Render()
    {
        var seeds = _temp.Combine("staging");
        foreach (var seed in new[] { 1, 2, 3 })
        {
            ReportWriter.Write(ResultForSeed(seed), Path.Combine(seeds, SeedRuns.FolderName(seed)), ReportOptions.Default);
        }
        var aggregate = SeedReportWriter.Read("golden-cnn", "Golden-file fixture & friends", SpecText, seeds,
            [.. new[] { 1, 2, 3 }.Select(s => (s, SeedRuns.FolderName(s)))]);
        return SeedReportWriter.Render(aggregate, [ReportFormat.Markdown, ReportFormat.Html])
            .ToDictionary(f => f.Name, f => Encoding.UTF8.GetString(f.Bytes));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void File_matches_its_golden_copy(string file) => GoldenFile.AssertMatches(Render()[file], "Golden/seeds/" + file);

    [Fact]
    public void The_report_states_the_noise_floor_it_measured()
    {
        var files = Render();
        var seedsFile = ReportFileJson.ReadSeeds(files["seeds.json"], "seeds.json");
        var floor = (seedsFile.TestAccuracy.HalfWidth * 100).ToString("0.00", CultureInfo.InvariantCulture);
        Assert.Contains($"Noise floor: ±{floor} points at 95%, 3 seeds.", files["report.md"], StringComparison.Ordinal);
        Assert.Equal(["seed-1", "seed-2", "seed-3"], seedsFile.Runs.Select(r => r.Folder));
        Assert.True(seedsFile.TestAccuracy.StandardDeviation > 0);
    }

    [Fact]
    public void The_curves_have_a_band_per_series()
    {
        var svg = Render()["loss.svg"];
        Assert.Equal(2, svg.Split("fill-opacity=\"0.18\"").Length - 1);
    }

    [Fact]
    public void A_written_multi_seed_folder_reads_back_as_one_experiment_with_its_seeds()
    {
        var seeds = _temp.Combine("staging");
        foreach (var seed in new[] { 1, 2, 3 })
        {
            ReportWriter.Write(ResultForSeed(seed), Path.Combine(seeds, SeedRuns.FolderName(seed)), ReportOptions.Default);
        }
        var aggregate = SeedReportWriter.Read("golden-cnn", null, SpecText, seeds, [.. new[] { 1, 2, 3 }.Select(s => (s, SeedRuns.FolderName(s)))]);
        var target = _temp.Combine("reports", "golden-cnn");
        SeedReportWriter.Write(aggregate, target, [ReportFormat.Markdown], seeds);

        Assert.True(ReportFolders.IsWrittenByTool(target));
        var snapshot = ReportSnapshotReader.ReadFolder(target);
        Assert.Equal(3, snapshot.Seeds.Count);
        Assert.Equal(aggregate.TestAccuracy.Mean, snapshot.Metrics.Test.Accuracy, 9);
        Assert.NotNull(snapshot.Predictions);
        Assert.Equal([target + "/seed-1", target + "/seed-2", target + "/seed-3"], ReportSnapshotReader.SingleRunFolders(target));
        // A reports root lists it as one experiment.
        Assert.Equal([target], ReportSnapshotReader.FindReportFolders(_temp.Combine("reports")));
        // Diffed with itself: no change, and the seed-level test says so.
        var diff = ReportDiffer.Diff(target, target);
        Assert.True(diff.IsUnchanged);
        Assert.Equal(1, diff.Experiments[0].SeedTest!.PValue, 9);
    }
}
