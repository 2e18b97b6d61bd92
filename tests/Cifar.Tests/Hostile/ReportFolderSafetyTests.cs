using Cifar.Reports;
using Cifar.Reports.Files;
using Cifar.Tests.Infra;
using Cifar.Tests.Reports;

namespace Cifar.Tests.Hostile;

/// <summary>
/// A run replaces <c>&lt;output&gt;/&lt;name&gt;</c> only when it is a report folder the tool wrote, checks that before
/// any work, and swaps a finished report in so that a kill at any instant leaves the old report or the new one.
/// </summary>
public sealed class ReportFolderSafetyTests : IDisposable
{
    private readonly TempFolder _temp = new("cifar-report-safety");

    public void Dispose() => _temp.Dispose();

    private static string Spec(string name) =>
        File.ReadAllText(RepositoryFiles.PathOf("experiments/cnn.yaml")).Replace("name: cnn", "name: " + name, StringComparison.Ordinal);

    private static void AssertNoStackTrace(ToolResult result) =>
        Assert.False(result.Error.Contains("   at ", StringComparison.Ordinal), result.ToString());

    [Fact]
    public void A_spec_named_dot_git_is_refused_by_validate_and_run_and_the_repository_is_intact()
    {
        var repository = _temp.Combine("repo");
        Directory.CreateDirectory(Path.Combine(repository, ".git"));
        File.WriteAllText(Path.Combine(repository, ".git", "HEAD"), "ref: refs/heads/main\n");
        var spec = _temp.Combine("git.yaml");
        File.WriteAllText(spec, Spec(".git"));

        foreach (var args in new[] { new[] { "validate", spec }, ["run", spec, "--output", repository, "--cache-dir", _temp.Combine("cache")] })
        {
            var result = ToolProcess.Run(_temp.Path, null, timeout: null, args);

            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.StartsWith($"{spec}:3:7: `name` is '.git'; expected a name that does not start with '.'", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
            AssertNoStackTrace(result);
        }
        Assert.Equal([".git", ".git/HEAD"], _temp.Contents("repo"));
        Assert.False(Directory.Exists(_temp.Combine("cache")));
    }

    [Fact]
    public void A_run_whose_report_folder_holds_other_files_exits_1_before_downloading_and_keeps_them()
    {
        var output = _temp.Combine("project");
        Directory.CreateDirectory(Path.Combine(output, "src"));
        File.WriteAllText(Path.Combine(output, "src", "Program.cs"), "class Program {}\n");
        var spec = _temp.Combine("src.yaml");
        File.WriteAllText(spec, Spec("src"));

        var result = ToolProcess.Run(_temp.Path, null, timeout: null, "run", spec, "--output", output, "--cache-dir", _temp.Combine("cache"));

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.Equal($"error: '{Path.Combine(output, "src")}' exists and is not a report folder written by dotnet-cifar (it has no valid metrics.json); " +
            "the report would replace it. Choose another `name` or --output, or move it away", line);
        Assert.Equal(["src", "src/Program.cs"], _temp.Contents("project"));
        Assert.False(Directory.Exists(_temp.Combine("cache")), "checked before anything is downloaded");
    }

    [Fact]
    public void Every_spec_of_a_run_is_checked_before_the_first_one_starts()
    {
        var output = _temp.Combine("reports");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "second"), "a file where the second report would go");
        var first = _temp.Combine("first.yaml");
        File.WriteAllText(first, Spec("first"));
        var second = _temp.Combine("second.yaml");
        File.WriteAllText(second, Spec("second"));

        var result = ToolProcess.Run(_temp.Path, null, timeout: null, "run", first, second, "--output", output, "--cache-dir", _temp.Combine("cache"));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("second' is a file, not a report folder", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.Equal(["second"], _temp.Contents("reports"));
        Assert.False(Directory.Exists(_temp.Combine("cache")));
    }

    [Fact]
    public void An_output_that_is_a_file_exits_1_before_any_work()
    {
        var output = _temp.Combine("reports");
        File.WriteAllText(output, "not a folder");
        var spec = _temp.Combine("cnn.yaml");
        File.WriteAllText(spec, Spec("cnn"));

        var result = ToolProcess.Run(_temp.Path, null, timeout: null, "run", spec, "--output", output, "--cache-dir", _temp.Combine("cache"));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal($"error: --output '{output}' is a file; expected a folder", Assert.Single(result.ErrorLines));
        Assert.False(Directory.Exists(_temp.Combine("cache")));
    }

    [Fact]
    public void A_report_folder_the_tool_wrote_may_be_replaced_with_or_without_extra_files()
    {
        var plain = _temp.Combine("plain");
        ReportWriter.Write(ReportFixtures.Result(), plain, ReportOptions.Default);
        var withManifest = _temp.Combine("with-manifest");
        ReportWriter.Write(ReportFixtures.Result(), withManifest, ReportOptions.Default with
        {
            WriteExtraFiles = dir => File.WriteAllText(Path.Combine(dir, "manifest.json"), "{}\n"),
        });
        var empty = _temp.Combine("empty");
        Directory.CreateDirectory(empty);

        foreach (var folder in new[] { plain, withManifest, empty, _temp.Combine("absent") })
            ReportFolders.PrepareTarget(folder);
    }

    [Theory]
    [InlineData("{\"name\": \"x\"}\n", "has no valid metrics.json")]
    [InlineData("not json", "has no valid metrics.json")]
    public void A_folder_whose_metrics_json_is_not_ours_is_not_replaced(string metrics, string reason)
    {
        var folder = _temp.Combine("impostor");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, ReportFiles.Metrics), metrics);

        var error = Assert.Throws<CifarUserException>(() => ReportFolders.PrepareTarget(folder));

        Assert.Equal(UserErrorKind.Other, error.Kind);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Throws<CifarUserException>(() => ReportWriter.Write(ReportFixtures.Result(), folder, ReportOptions.Default));
        Assert.Equal(metrics, File.ReadAllText(Path.Combine(folder, ReportFiles.Metrics)));
    }

    [Fact]
    public void A_symbolic_link_where_the_report_goes_is_not_replaced()
    {
        var elsewhere = _temp.Combine("elsewhere");
        ReportWriter.Write(ReportFixtures.Result(), elsewhere, ReportOptions.Default);
        var link = _temp.Combine("reports", "cnn");
        Directory.CreateDirectory(_temp.Combine("reports"));
        Directory.CreateSymbolicLink(link, elsewhere);

        var error = Assert.Throws<CifarUserException>(() => ReportFolders.PrepareTarget(link));

        Assert.Contains("is a symbolic link", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The states a kill can leave the swap in, one per instant between its steps (see ReportWriter).</summary>
    public enum KillPoint
    {
        WhileWritingTheFirstReport,
        WhileWritingTheNewReport,
        AfterTheOldReportMovedAside,
        AfterTheNewReportMovedIn,
    }

    [Theory]
    [InlineData(KillPoint.WhileWritingTheFirstReport, null)]
    [InlineData(KillPoint.WhileWritingTheNewReport, "old")]
    [InlineData(KillPoint.AfterTheOldReportMovedAside, "old")]
    [InlineData(KillPoint.AfterTheNewReportMovedIn, "new")]
    public void A_kill_at_any_point_of_the_swap_leaves_the_old_or_new_report_after_the_next_run_starts(KillPoint point, string? survivor)
    {
        var reports = _temp.Combine("reports");
        var target = Path.Combine(reports, "cnn");
        var other = Path.Combine(reports, "other");
        ReportWriter.Write(ReportFixtures.Result() with { Name = "other" }, other, ReportOptions.Default);
        LeaveSwapState(point, target);

        // Before recovery, listings of experiments never see the leftovers.
        var listed = ReportSnapshotReader.FindReportFolders(reports).Select(Path.GetFileName);
        Assert.Equal(point == KillPoint.AfterTheNewReportMovedIn || point == KillPoint.WhileWritingTheNewReport ? ["cnn", "other"] : ["other"], listed);

        ReportFolders.PrepareTarget(target); // what the next run does before any work

        Assert.Equal(survivor is null ? ["other"] : ["cnn", "other"], Directory.GetFileSystemEntries(reports).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        if (survivor is not null) Assert.Equal(survivor, Seed(target));

        ReportWriter.Write(ReportFixtures.Result() with { Description = "newest" }, target, ReportOptions.Default);
        Assert.Equal(["cnn", "other"], Directory.GetFileSystemEntries(reports).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Contains("newest", File.ReadAllText(Path.Combine(target, ReportFiles.MarkdownReport)), StringComparison.Ordinal);
    }

    /// <summary>Builds on disk what <see cref="ReportWriter"/> leaves when killed at <paramref name="point"/>;
    /// each report's description says which it is.</summary>
    private static void LeaveSwapState(KillPoint point, string target)
    {
        var parent = Path.GetDirectoryName(target)!;
        string Hidden(string kind) => Path.Combine(parent, $".cnn.{kind}-{Guid.NewGuid():N}");
        void Complete(string folder, string which) =>
            ReportWriter.Write(ReportFixtures.Result() with { Description = which }, folder, ReportOptions.Default);
        void Partial(string folder)
        {
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, ReportFiles.Metrics), "{\"name\": \"cn"); // cut mid-write
        }

        switch (point)
        {
            case KillPoint.WhileWritingTheFirstReport:
                Partial(Hidden("writing"));
                break;
            case KillPoint.WhileWritingTheNewReport:
                Complete(target, "old");
                Partial(Hidden("writing"));
                break;
            case KillPoint.AfterTheOldReportMovedAside:
                var backup = Hidden("replaced");
                Complete(backup, "old");
                Complete(Hidden("writing"), "new");
                break;
            case KillPoint.AfterTheNewReportMovedIn:
                Complete(Hidden("replaced"), "old");
                Complete(target, "new");
                break;
        }
    }

    private static string Seed(string folder)
    {
        var report = File.ReadAllText(Path.Combine(folder, ReportFiles.MarkdownReport));
        return report.Contains("\nold\n", StringComparison.Ordinal) ? "old" : report.Contains("\nnew\n", StringComparison.Ordinal) ? "new" : "?";
    }
}
