using System.Diagnostics;
using System.Text.Json;
using Cifar.Reports.Diff;
using Cifar.Reports.Files;
using Cifar.Tests.Reports.Comparison;

namespace Cifar.Tests.Reports.Diff;

public sealed class ReportDiffTests : IDisposable
{
    private readonly FakeReports.TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly FakeExperiment Cnn = new("cnn", "cnn", Skill: 0.62, Seed: 1, Epochs: 8, StoppedEpoch: 7);

    // A tuned CNN: lower learning rate, a different random stream (so predictions change), a better skill.
    private static readonly FakeExperiment TunedCnn = Cnn with
    {
        Skill = 0.66,
        Seed = 11,
        Epochs = 10,
        StoppedEpoch = null,
        Trainable = 130_000,
        Total = 130_000,
        Spec = FakeReports.CnnSpec(learningRate: "0.0005", epochs: 10),
    };

    private static readonly FakeExperiment Transfer = new("transfer", "transfer", Skill: 0.80, Seed: 2, Epochs: 4,
        Trainable: 5_130, Total: 11_181_642, CatDogBias: 0.2);

    private string Root(string name, params FakeExperiment[] experiments)
    {
        var root = Path.Combine(_temp.Path, name);
        foreach (var e in experiments)
        {
            FakeReports.Write(root, e);
        }
        return root;
    }

    [Theory]
    [InlineData(DiffFormat.Markdown, "diff.md")]
    [InlineData(DiffFormat.Text, "diff.txt")]
    [InlineData(DiffFormat.Json, "diff.json")]
    public void Diff_matches_the_golden_file(DiffFormat format, string golden)
    {
        var baseRoot = Root("base", Cnn, Transfer with { Name = "old-transfer" });
        var headRoot = Root("head", TunedCnn, Transfer);
        var diff = ReportDiffer.Diff(baseRoot, headRoot);
        // Labels are the arguments as given; use fixed ones so the golden file does not hold a temp path.
        diff = diff with { Base = "HEAD~1", Head = "reports/" };
        GoldenFile.AssertMatches(DiffRenderer.Render(diff, format, regressionPoints: 1), "Diff/golden/" + golden);
    }

    [Fact]
    public void A_diff_lists_metric_deltas_confusion_moves_spec_changes_and_added_and_removed_reports()
    {
        var diff = ReportDiffer.Diff(Root("base", Cnn, Transfer with { Name = "old" }), Root("head", TunedCnn, Transfer));
        Assert.Equal(["old"], diff.Removed.Select(r => r.Name));
        Assert.Equal(["transfer"], diff.Added.Select(a => a.Name));
        var cnn = Assert.Single(diff.Experiments);
        Assert.False(cnn.IsUnchanged);
        Assert.Equal(
            ["test_accuracy", "test_loss", "macro_f1", "best_epoch", "stopped_epoch", "trainable_parameters", "total_parameters"],
            cnn.Metrics.Select(m => m.Key));
        Assert.Equal(10, cnn.ClassF1.Count);
        Assert.Equal(5, cnn.ConfusionMoves.Count);
        var deltas = cnn.ConfusionMoves.Select(m => Math.Abs(m.Delta)).ToList();
        Assert.Equal(deltas.OrderDescending(), deltas);
        Assert.Contains(new SpecChange("training.optimizer.learning_rate", SpecChangeKind.Changed, "0.001", "0.0005"), cnn.SpecChanges);
        Assert.NotNull(cnn.Paired);
        Assert.NotNull(cnn.BaseInterval);
        Assert.Contains("metrics.json history", cnn.OtherChanges);
        Assert.StartsWith("cnn: test accuracy ", diff.Summary, StringComparison.Ordinal);
        Assert.EndsWith("added: transfer; removed: old", diff.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Identical_sides_say_no_change_in_every_format()
    {
        var baseRoot = Root("base", Cnn, Transfer);
        var headRoot = Root("head", Cnn, Transfer with { TrainingSeconds = 5 }); // timing never counts
        var diff = ReportDiffer.Diff(baseRoot, headRoot);
        Assert.True(diff.IsUnchanged);
        Assert.Equal("no change", diff.Summary);
        Assert.Contains("**Summary:** no change\n", DiffRenderer.Render(diff, DiffFormat.Markdown), StringComparison.Ordinal);
        Assert.Contains("Summary: no change\n", DiffRenderer.Render(diff, DiffFormat.Text), StringComparison.Ordinal);
        using var json = JsonDocument.Parse(DiffRenderer.Render(diff, DiffFormat.Json));
        Assert.Equal("no change", json.RootElement.GetProperty("summary").GetString());
        Assert.False(diff.HasRegression(0));
    }

    [Fact]
    public void Json_output_keeps_numbers_as_numbers()
    {
        var diff = ReportDiffer.Diff(Path.Combine(Root("base", Cnn), "cnn", "metrics.json"), Path.Combine(Root("head", TunedCnn), "cnn"));
        using var json = JsonDocument.Parse(DiffRenderer.Render(diff, DiffFormat.Json, regressionPoints: 1));
        var cnn = json.RootElement.GetProperty("experiments")[0];
        Assert.Equal("cnn", cnn.GetProperty("name").GetString());
        var accuracy = cnn.GetProperty("metrics").GetProperty("test_accuracy");
        Assert.Equal(JsonValueKind.Number, accuracy.GetProperty("delta_points").ValueKind);
        Assert.Equal(JsonValueKind.Number, cnn.GetProperty("significance").GetProperty("p_value").ValueKind);
        Assert.False(json.RootElement.GetProperty("regression_check").GetProperty("regression").GetBoolean());
    }

    [Fact]
    public void Two_single_folders_pair_whatever_their_names()
    {
        var diff = ReportDiffer.Diff(Path.Combine(Root("a", Cnn), "cnn"), Path.Combine(Root("b", Transfer), "transfer"));
        Assert.Equal("cnn → transfer", Assert.Single(diff.Experiments).Name);
        Assert.Empty(diff.Added);
    }

    [Fact]
    public void Regression_flag_trips_on_a_large_drop_or_a_significant_one()
    {
        var better = ReportDiffer.Diff(Root("base", Cnn), Root("head", TunedCnn));
        Assert.True(better.Experiments[0].AccuracyDeltaPoints > 0);
        Assert.False(better.HasRegression(0));

        var worse = ReportDiffer.Diff(Root("base2", TunedCnn), Root("head2", Cnn));
        var drop = -worse.Experiments[0].AccuracyDeltaPoints!.Value;
        Assert.True(worse.HasRegression(drop - 0.01));
        Assert.Contains("more than the allowed", Assert.Single(worse.Regressions(drop - 0.01)), StringComparison.Ordinal);

        // Within the allowance, it still fails when the drop is significant...
        var significant = worse.Experiments[0].Paired!.IsSignificant;
        Assert.Equal(significant, worse.HasRegression(drop + 1));
        // ...and a small drop that McNemar calls chance passes.
        var chance = Mutate(worse, pValue: 0.5);
        Assert.False(chance.HasRegression(drop + 1));
        Assert.True(Mutate(worse, pValue: 0.01).HasRegression(drop + 1));
        Assert.Throws<CifarUserException>(() => worse.HasRegression(-1));

        static ReportDiff Mutate(ReportDiff d, double pValue) =>
            d with { Experiments = [d.Experiments[0] with { Paired = d.Experiments[0].Paired! with { PValue = pValue } }] };
    }

    [Fact]
    public void Missing_predictions_are_reported_instead_of_a_test()
    {
        var diff = ReportDiffer.Diff(Root("base", Cnn with { WithPredictions = false }), Root("head", TunedCnn));
        var e = diff.Experiments[0];
        Assert.Null(e.Paired);
        Assert.Equal("no predictions.txt on the base side", e.PairingNote);
        Assert.Null(e.BaseInterval);
        Assert.NotNull(e.HeadInterval);
        Assert.Contains("Not tested: no predictions.txt on the base side.", DiffRenderer.Render(diff, DiffFormat.Text), StringComparison.Ordinal);
    }

    [Fact]
    public void Reads_both_sides_from_git_revisions_without_a_checkout()
    {
        var repo = Path.Combine(_temp.Path, "repo");
        Directory.CreateDirectory(repo);
        Git(repo, "init", "-q", "-b", "main");
        File.WriteAllText(Path.Combine(repo, "README.md"), "no reports yet\n");
        Git(repo, "add", "-A");
        Git(repo, "commit", "-q", "-m", "before any reports");
        FakeReports.Write(Path.Combine(repo, "reports"), Cnn);
        Git(repo, "add", "-A");
        Git(repo, "commit", "-q", "-m", "first reports");
        Directory.Delete(Path.Combine(repo, "reports", "cnn"), recursive: true);
        FakeReports.Write(Path.Combine(repo, "reports"), TunedCnn);
        FakeReports.Write(Path.Combine(repo, "reports"), Transfer);
        Git(repo, "add", "-A");
        Git(repo, "commit", "-q", "-m", "tuned");
        File.WriteAllText(Path.Combine(repo, "reports", "cnn", "metrics.json"), "not even JSON"); // the work tree is never read

        var options = new DiffOptions(RepositoryDirectory: repo);
        var diff = ReportDiffer.Diff("HEAD~1", "HEAD", options);
        Assert.Equal("cnn", Assert.Single(diff.Experiments).Name);
        Assert.Equal(["transfer"], diff.Added.Select(a => a.Name));
        Assert.Contains(diff.Experiments[0].SpecChanges, c => c.Key == "training.optimizer.learning_rate");
        Assert.NotNull(diff.Experiments[0].Paired);

        Assert.Equal("no change", ReportDiffer.Diff("main", "HEAD", options).Summary);
        Assert.Equal("added: cnn, transfer", ReportDiffer.Diff("HEAD~2", "HEAD", options).Summary);
        // From a subfolder of the repository, the reports path is relative to that folder, as on disk.
        var fromSubfolder = ReportDiffer.Diff("HEAD~1", "HEAD", new DiffOptions(Path.Combine(repo, "reports"), "."));
        Assert.Equal(["transfer"], fromSubfolder.Added.Select(a => a.Name));
        Assert.True(ReportDiffer.Diff("HEAD~1", "HEAD~1", options).IsUnchanged);

        var error = Assert.Throws<CifarUserException>(() => ReportDiffer.Diff("HEAD~5", "HEAD", options));
        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        Assert.StartsWith("'HEAD~5' is neither a path on disk nor a git revision", error.Message, StringComparison.Ordinal);
    }

    private static void Git(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = directory, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var (key, value) in new[]
        {
            ("GIT_AUTHOR_NAME", "Test"), ("GIT_AUTHOR_EMAIL", "test@example.invalid"),
            ("GIT_COMMITTER_NAME", "Test"), ("GIT_COMMITTER_EMAIL", "test@example.invalid"),
            ("GIT_CONFIG_GLOBAL", "/dev/null"), ("GIT_CONFIG_NOSYSTEM", "1"),
        })
        {
            start.Environment[key] = value;
        }
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)} failed: {stderr.Result}");
    }
}
