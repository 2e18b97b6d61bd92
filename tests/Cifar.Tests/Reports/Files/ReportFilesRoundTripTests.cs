using System.Collections;
using System.Text;
using Cifar.Reports;
using Cifar.Reports.Diff;
using Cifar.Reports.Files;
using Cifar.Tests.Reports.Comparison;

namespace Cifar.Tests.Reports.Files;

/// <summary>
/// The writer and the readers agree on every file of a report folder: what <see cref="ReportWriter"/> writes, the
/// readers read back field for field (a field added to a record is checked here without touching this test), and the
/// committed reports read and written again give the same bytes.
/// </summary>
public sealed class ReportFilesRoundTripTests : IDisposable
{
    private readonly FakeReports.TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The fixture, with a feature-extraction time so that no field of timing.json is null.</summary>
    private static ExperimentResult Fixture() =>
        ReportFixtures.Result() with { Timing = ReportFixtures.Result().Timing with { FeatureExtractionSeconds = 42.125 } };

    private ReportSnapshot WriteAndRead(ExperimentResult result)
    {
        var folder = Path.Combine(_temp.Path, result.Name);
        ReportWriter.Write(result, folder, ReportOptions.Default);
        return ReportSnapshotReader.ReadFolder(folder);
    }

    [Fact]
    public void Metrics_json_reads_back_every_field_the_writer_wrote()
    {
        var result = Fixture();
        var read = WriteAndRead(result).Metrics;
        AssertNoNulls(read, "metrics.json");
        // Ratios and losses are written with 6 decimals.
        AssertDeepEqual(DataFiles.Metrics(result), read, tolerance: 5e-7, "metrics.json");
        Assert.Equal("cnn", read.Model.Type);
        Assert.Equal(result.ModelDescription, read.Model.Description);
    }

    [Fact]
    public void Timing_json_reads_back_every_field_the_writer_wrote()
    {
        var result = Fixture();
        var read = WriteAndRead(result).Timing;
        Assert.NotNull(read);
        AssertNoNulls(read, "timing.json");
        // Seconds have 3 decimals, images per second 1.
        AssertDeepEqual(DataFiles.Timing(result), read, tolerance: 0.05 + 1e-9, "timing.json");
        Assert.Equal(result.Timing.MeanSecondsPerEpoch, read.MeanSecondsPerEpoch, 3);
        Assert.Equal(result.Timing.TrainingImagesPerSecond, read.TrainingImagesPerSecond, 1);
        Assert.Equal(result.Timing.PeakWorkingSetBytes, read.PeakWorkingSetBytes);
    }

    [Fact]
    public void Predictions_and_history_read_back_as_written()
    {
        var result = Fixture();
        var snapshot = WriteAndRead(result);
        Assert.Equal(DataFiles.Predictions(result.Evaluation), snapshot.Predictions);
        Assert.Equal(new string([.. result.Evaluation.Labels.Select(l => (char)('0' + l))]), snapshot.Predictions!.TrueLabels);

        var csv = File.ReadAllText(Path.Combine(_temp.Path, result.Name, ReportFiles.History));
        var history = HistoryCsv.Parse(csv, ReportFiles.History);
        AssertDeepEqual(DataFiles.History(result.History), history, tolerance: 5e-7, "history.csv");
        Assert.Equal(csv, HistoryCsv.Render(history));
    }

    [Fact]
    public void A_non_finite_value_is_written_as_null_and_read_back_as_NaN()
    {
        var diverged = new Cifar.Training.TrainingHistory(
            [.. ReportFixtures.History.Epochs.Select(e => e.Epoch == 3 ? e with { Loss = double.NaN, ValLoss = double.PositiveInfinity } : e)],
            ReportFixtures.History.BestEpoch, ReportFixtures.History.StoppedEpoch);
        var read = WriteAndRead(ReportFixtures.Result() with { History = diverged }).Metrics;
        Assert.True(double.IsNaN(read.History[2].Loss));
        Assert.True(double.IsNaN(read.History[2].ValLoss));
        Assert.Equal(0.461234, read.History[2].Accuracy);
    }

    [Fact]
    public void Manifest_json_reads_back_every_field_and_hashes_every_other_file()
    {
        var result = Fixture() with { Weights = new WeightsInfo("imagenet (fake-weights.pth)", new string('f', 64)) };
        var folder = Path.Combine(_temp.Path, result.Name);
        ReportWriter.Write(result, folder, ReportOptions.Default);

        var bytes = File.ReadAllBytes(Path.Combine(folder, ReportFiles.Manifest));
        var read = ReportFileJson.ReadManifest(Encoding.UTF8.GetString(bytes), ReportFiles.Manifest);
        AssertNoNulls(read, "manifest.json");
        Assert.Equal(bytes, ReportFileJson.Write(read));

        string[] others = [.. Directory.GetFiles(folder).Select(f => Path.GetFileName(f)).Where(f => f != ReportFiles.Manifest).Order(StringComparer.Ordinal)];
        Assert.Equal(others, read.Files.Keys);
        foreach (var file in others) Assert.Equal(Cifar.Reproducibility.Hashing.Sha256HexOfFile(Path.Combine(folder, file)), read.Files[file]);
        Assert.Equal(result.SpecSha256, read.SpecSha256);
        Assert.Equal(result.Weights, new WeightsInfo(read.Weights!.Description, read.Weights.Sha256));
        Assert.Equal(result.Dataset.FileChecksums.OrderBy(p => p.Key, StringComparer.Ordinal), read.Dataset.FileXxh128);
        Assert.Equal(["report.html", "report.md"], read.Templates.Keys);
        Assert.All(read.Templates.Values, t => Assert.True(t.BuiltIn));
        var env = result.Environment;
        Assert.Equal((env.ToolVersion, env.GitCommit, env.LibTorchVersion, env.OnnxRuntimeVersion, env.Threads),
            (read.Environment.ToolVersion, read.Environment.GitCommit, read.Environment.LibTorch, read.Environment.OnnxRuntime, read.Environment.Threads));
        Assert.Equal((env.Cpu.Model, env.Cpu.Vendor, env.Cpu.Family, env.Cpu.ModelNumber, env.Cpu.Stepping),
            (read.Environment.Cpu.Model, read.Environment.Cpu.Vendor, read.Environment.Cpu.Family, read.Environment.Cpu.ModelNumber, read.Environment.Cpu.Stepping));
        Assert.Equal(env.Cpu.InstructionSets, read.Environment.Cpu.InstructionSets);
    }

    [Fact]
    public void A_manifest_of_another_format_is_a_user_error()
    {
        var json = Encoding.UTF8.GetString(ReportWriter.Render(ReportFixtures.Result(), ReportOptions.Default).Single(f => f.Name == ReportFiles.Manifest).Bytes)
            .Replace(ReportFiles.ManifestFormat, "dotnet-cifar manifest v999", StringComparison.Ordinal);
        var error = Assert.Throws<CifarUserException>(() => ReportFileJson.ReadManifest(json, "manifest.json"));
        Assert.Equal($"manifest.json: 'format' is 'dotnet-cifar manifest v999'; expected '{ReportFiles.ManifestFormat}'", error.Message);
    }

    [Fact]
    public void The_diff_json_reads_back_and_writes_the_same_bytes()
    {
        var baseRoot = Path.Combine(_temp.Path, "base");
        var headRoot = Path.Combine(_temp.Path, "head");
        FakeReports.Write(baseRoot, new FakeExperiment("cnn", "cnn", Skill: 0.62, Seed: 1, Epochs: 8, StoppedEpoch: 7));
        FakeReports.Write(headRoot, new FakeExperiment("cnn", "cnn", Skill: 0.66, Seed: 11, Epochs: 10,
            Spec: FakeReports.CnnSpec(learningRate: "0.0005", epochs: 10)));
        FakeReports.Write(headRoot, new FakeExperiment("transfer", "transfer", Skill: 0.8, Seed: 2, Epochs: 4, WithPredictions: false));
        var diff = ReportDiffer.Diff(baseRoot, headRoot);

        var json = DiffRenderer.Render(diff, DiffFormat.Json, regressionPoints: 1);
        var read = ReportFileJson.ReadDiff(json, "diff.json");
        Assert.Equal(json, ReportFileJson.Write(read));
        var written = DiffRenderer.ToFile(diff, regressionPoints: 1);
        AssertDeepEqual(written, read, tolerance: 0, "diff.json");
        Assert.Equal("mcnemar_exact", read.Experiments[0].Significance.Test);
        Assert.Equal(["transfer"], read.Added.Select(a => a.Name));
    }

    /// <summary>The committed experiments' data files, read with the readers and written with the writer: the same bytes.</summary>
    public static TheoryData<string> CommittedReports() => new(CommittedExperiments());

    private static string[] CommittedExperiments() =>
        [.. Directory.GetDirectories(Path.Combine(GoldenFile.RepositoryRoot(), "reports"))
            .Where(ReportSnapshotReader.IsReportFolder)
            // A several-seed experiment's folder holds the aggregate (seeds.json); its runs are the seed-N folders.
            .Where(folder => File.Exists(Path.Combine(folder, ReportFiles.Metrics)))
            .Select(folder => Path.GetFileName(folder))
            .Order(StringComparer.Ordinal)];

    [Theory]
    [MemberData(nameof(CommittedReports))]
    public void Committed_report_files_read_and_written_again_are_byte_identical(string experiment)
    {
        var folder = Path.Combine(GoldenFile.RepositoryRoot(), "reports", experiment);
        string Text(string file) => File.ReadAllText(Path.Combine(folder, file), Encoding.UTF8);

        var metrics = File.ReadAllBytes(Path.Combine(folder, ReportFiles.Metrics));
        Assert.Equal(metrics, ReportFileJson.Write(ReportFileJson.ReadMetrics(Text(ReportFiles.Metrics), ReportFiles.Metrics)));
        var timing = File.ReadAllBytes(Path.Combine(folder, ReportFiles.Timing));
        Assert.Equal(timing, ReportFileJson.Write(ReportFileJson.ReadTiming(Text(ReportFiles.Timing), ReportFiles.Timing)));
        Assert.Equal(Text(ReportFiles.Predictions), PredictionsFile.Parse(Text(ReportFiles.Predictions), ReportFiles.Predictions).Render());
        Assert.Equal(Text(ReportFiles.History), HistoryCsv.Render(HistoryCsv.Parse(Text(ReportFiles.History), ReportFiles.History)));
    }

    [Fact]
    public void The_committed_reports_are_found()
    {
        Assert.Equal(["cnn", "cnn-augmented", "cnn-portable", "fast", "transfer", "transfer-finetune"], CommittedExperiments());
    }

    [Fact]
    public void A_missing_key_is_a_user_error_that_names_the_file_and_the_key()
    {
        var json = Encoding.UTF8.GetString(ReportFileJson.Write(DataFiles.Metrics(ReportFixtures.Result())))
            .Replace("\"accuracy\": 0.755000,\n    \"loss\": 1.234568", "\"accuracy\": 0.755000", StringComparison.Ordinal);
        var error = Assert.Throws<CifarUserException>(() => ReportFileJson.ReadMetrics(json, "reports/x/metrics.json"));
        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        Assert.Equal("reports/x/metrics.json: missing 'test.loss'", error.Message);

        var timing = Encoding.UTF8.GetString(ReportFileJson.Write(DataFiles.Timing(ReportFixtures.Result())))
            .Replace("\"mean_seconds_per_epoch\": 11.533", "\"mean_seconds_per_epoch\": \"fast\"", StringComparison.Ordinal);
        var wrongKind = Assert.Throws<CifarUserException>(() => ReportFileJson.ReadTiming(timing, "timing.json"));
        Assert.Equal("timing.json: 'mean_seconds_per_epoch': expected a number, found a string", wrongKind.Message);
    }

    /// <summary>Every property of every record reachable from <paramref name="value"/> has a value.</summary>
    private static void AssertNoNulls(object value, string path)
    {
        foreach (var property in value.GetType().GetProperties().Where(p => p.GetIndexParameters().Length == 0 && p.DeclaringType != typeof(object)))
        {
            if (property.PropertyType == typeof(Type)) continue; // a record's EqualityContract
            var item = property.GetValue(value);
            var where = path + "." + property.Name;
            Assert.True(item is not null, $"{where} is null: the file does not hold it");
            if (item is IEnumerable list and not string)
            {
                var index = 0;
                foreach (var element in list) AssertNoNulls(element!, $"{where}[{index++}]");
            }
            else if (IsRecord(item!.GetType()))
            {
                AssertNoNulls(item, where);
            }
        }
    }

    /// <summary>Records compared property by property, lists item by item, numbers within <paramref name="tolerance"/>.</summary>
    private static void AssertDeepEqual(object? expected, object? actual, double tolerance, string path)
    {
        switch (expected)
        {
            case null:
                Assert.True(actual is null, $"{path}: expected null, read {actual}");
                return;
            case double e:
                var a = Assert.IsType<double>(actual);
                Assert.True(double.IsNaN(e) ? double.IsNaN(a) : Math.Abs(e - a) <= tolerance, $"{path}: wrote {e}, read {a}");
                return;
            case string or int or long or bool:
                Assert.True(expected.Equals(actual), $"{path}: wrote {expected}, read {actual}");
                return;
            case IDictionary dictionary:
                var other = Assert.IsAssignableFrom<IDictionary>(actual);
                Assert.Equal(dictionary.Keys.Cast<object>(), other.Keys.Cast<object>());
                foreach (var key in dictionary.Keys) AssertDeepEqual(dictionary[key], other[key], tolerance, $"{path}.{key}");
                return;
            case IEnumerable list:
                var expectedItems = list.Cast<object?>().ToList();
                var actualItems = Assert.IsAssignableFrom<IEnumerable>(actual).Cast<object?>().ToList();
                Assert.True(expectedItems.Count == actualItems.Count, $"{path}: wrote {expectedItems.Count} items, read {actualItems.Count}");
                for (var i = 0; i < expectedItems.Count; i++) AssertDeepEqual(expectedItems[i], actualItems[i], tolerance, $"{path}[{i}]");
                return;
        }
        Assert.True(IsRecord(expected.GetType()), $"{path}: unexpected type {expected.GetType()}");
        Assert.NotNull(actual);
        foreach (var property in expected.GetType().GetProperties().Where(p => p.GetIndexParameters().Length == 0 && p.PropertyType != typeof(Type)))
        {
            AssertDeepEqual(property.GetValue(expected), property.GetValue(actual), tolerance, path + "." + property.Name);
        }
    }

    private static bool IsRecord(Type type) => type.Namespace == typeof(MetricsFile).Namespace && type.GetMethod("<Clone>$") is not null;
}
