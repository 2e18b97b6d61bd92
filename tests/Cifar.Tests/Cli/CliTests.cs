using Cifar.Reports;
using Cifar.Tests.Infra;
using Cifar.Tests.Reports;

namespace Cifar.Tests.Cli;

/// <summary>
/// The tool as a user meets it: the built <c>dotnet-cifar</c> run as a child process, arguments in, exit code and
/// console text out. Each documented exit code (README, "Exit codes") is reached through a real condition.
/// </summary>
public sealed class CliTests : IDisposable
{
    private readonly TempFolder _temp = new("cli-test");

    public void Dispose() => _temp.Dispose();

    private ToolResult Cifar(params string[] args) => Cifar(null, args);

    private ToolResult Cifar(IReadOnlyDictionary<string, string?>? environment, params string[] args) =>
        ToolProcess.Run(_temp.Path, environment, timeout: null, args);

    private static string RepoFile(string relative) => RepositoryFiles.PathOf(relative);

    private static void AssertNoStackTrace(ToolResult result) =>
        Assert.False(result.Error.Contains("   at ", StringComparison.Ordinal), result.ToString());

    [Fact]
    public void Validate_accepts_the_example_specs()
    {
        var result = Cifar("validate", RepoFile("experiments/cnn.yaml"), RepoFile("experiments/transfer.yaml"));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("cnn.yaml: ok", result.Output, StringComparison.Ordinal);
        Assert.Contains("transfer.yaml: ok", result.Output, StringComparison.Ordinal);
        Assert.Empty(result.Error);
    }

    [Fact]
    public void An_invalid_spec_exits_2_with_one_positioned_line_per_problem_and_no_error_prefix()
    {
        string spec = _temp.Combine("bad.yaml");
        File.WriteAllText(spec, File.ReadAllText(RepoFile("experiments/cnn.yaml"))
            .Replace("epochs: 20", "epochs: 0", StringComparison.Ordinal)
            .Replace("type: adam", "type: adma", StringComparison.Ordinal));

        var result = Cifar("run", spec, "--output", _temp.Combine("reports"), "--cache-dir", _temp.Combine("cache"));

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal(2, result.ErrorLines.Count);
        // file:line:col: message, as compilers print it: no "error: " in front, none inside.
        Assert.All(result.ErrorLines, line => Assert.Matches(@"^" + System.Text.RegularExpressions.Regex.Escape(spec) + @":\d+:\d+: ", line));
        Assert.DoesNotContain("error:", result.Error, StringComparison.Ordinal);
        Assert.Contains(result.ErrorLines, line => line.Contains("Did you mean 'adam'?", StringComparison.Ordinal));
        AssertNoStackTrace(result);
        Assert.False(Directory.Exists(_temp.Combine("cache")), "validation happens before anything is downloaded");
        Assert.False(Directory.Exists(_temp.Combine("reports")));
    }

    [Theory]
    [InlineData("run")]
    [InlineData("run", "spec.yaml", "--threads", "two")]
    [InlineData("frobnicate")]
    [InlineData("diff", "only-one-side")]
    public void Bad_arguments_exit_2_with_error_lines(params string[] args)
    {
        var result = Cifar(args);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: ", result.ErrorLines[0], StringComparison.Ordinal);
        Assert.Equal("Run 'dotnet cifar --help' for usage.", result.ErrorLines[^1]);
        AssertNoStackTrace(result);
    }

    /// <summary>Messages the tool itself raises get the prefix exactly once, from the one place that adds it.</summary>
    [Theory]
    [InlineData("--threads is 0; expected 1 to ", "--threads", "0")]
    [InlineData("--threads is 100000; expected 1 to ", "--threads", "100000")]
    [InlineData("unknown option '--no-such-option'", "--no-such-option")]
    public void A_bad_run_option_exits_2_with_one_error_line(string message, params string[] options)
    {
        var result = Cifar(["run", RepoFile("experiments/cnn.yaml"), .. options]);
        Assert.True(result.ExitCode == 2, result.ToString());
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: " + message, line, StringComparison.Ordinal);
        Assert.DoesNotContain("error: error:", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_archive_exits_3_names_the_source_and_leaves_the_cache_empty()
    {
        string archive = _temp.Combine("cifar-10-binary.tar.gz");
        File.WriteAllBytes(archive, new CifarArchiveBuilder().Build().Archive[..4000]); // truncated mid-stream
        string spec = _temp.Combine("cnn.yaml");
        File.WriteAllText(spec, File.ReadAllText(RepoFile("experiments/cnn.yaml"))
            .Replace("  batch_size: 64", $"  batch_size: 64\n  url: {archive}", StringComparison.Ordinal));
        string cache = _temp.Combine("cache");

        var result = Cifar("run", spec, "--output", _temp.Combine("reports"), "--cache-dir", cache);

        Assert.True(result.ExitCode == 3, result.ToString());
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains(archive, line, StringComparison.Ordinal);
        Assert.Empty(CacheEntries(cache));
        Assert.False(Directory.Exists(_temp.Combine("reports", "cnn")));
    }

    [Fact]
    public void A_missing_CIFAR10_URL_file_exits_3_naming_it()
    {
        string missing = _temp.Combine("no-such-mirror", "cifar-10-binary.tar.gz");
        string cache = _temp.Combine("cache");

        var result = Cifar(new Dictionary<string, string?> { ["CIFAR10_URL"] = missing },
            "run", RepoFile("experiments/cnn.yaml"), "--output", _temp.Combine("reports"), "--cache-dir", cache);

        Assert.True(result.ExitCode == 3, result.ToString());
        string line = Assert.Single(result.ErrorLines);
        Assert.Equal($"error: {missing}: file not found", line);
        Assert.Empty(CacheEntries(cache));
    }

    [Fact]
    public void A_download_that_the_server_refuses_exits_3_naming_the_url_and_status()
    {
        using var server = new LoopbackHttpServer();
        string url = server.Route("/cifar-10-binary.tar.gz", LoopbackResponse.Error(404));
        string cache = _temp.Combine("cache");

        var result = Cifar(new Dictionary<string, string?> { ["CIFAR10_URL"] = url },
            "run", RepoFile("experiments/cnn.yaml"), "--output", _temp.Combine("reports"), "--cache-dir", cache);

        Assert.True(result.ExitCode == 3, result.ToString());
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"error: {url}: ", line, StringComparison.Ordinal);
        Assert.Contains("404", line, StringComparison.Ordinal);
        Assert.Empty(CacheEntries(cache));
        Assert.False(Directory.Exists(_temp.Combine("reports")));
    }

    [Fact]
    public void An_output_folder_that_cannot_be_written_exits_1_with_one_line()
    {
        WriteReport("reports", ReportFixtures.Result());
        string blocker = _temp.Combine("a-file");
        File.WriteAllText(blocker, "a file where the comparison's folder should be");

        var result = Cifar("compare", _temp.Combine("reports", "golden-cnn"), "--output", Path.Combine(blocker, "comparison"));

        Assert.True(result.ExitCode == 1, result.ToString());
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"error: cannot write the comparison into '{Path.Combine(blocker, "comparison")}'", line, StringComparison.Ordinal);
        AssertNoStackTrace(result);
    }

    /// <summary>A full disk behind <c>&gt; file</c> is the user's to fix, not a bug to report: one line, exit 1.</summary>
    [FileExistsFact("/dev/full")]
    public void A_full_standard_output_exits_1_with_one_line()
    {
        using var tool = ToolProcess.StartWithOutputTo("/dev/full", _temp.Path, "validate", RepoFile("experiments/cnn.yaml"));
        var result = tool.WaitForExit(TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("error: cannot write to standard output: No space left on device", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public void A_diff_output_that_names_a_folder_exits_1_with_one_line()
    {
        WriteReport("reports", ReportFixtures.Result());
        string folder = _temp.Combine("a-folder");
        Directory.CreateDirectory(folder);

        var result = Cifar("diff", _temp.Combine("reports"), _temp.Combine("reports"), "--output", folder);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal($"error: --output '{folder}' is a folder; expected a file name", Assert.Single(result.ErrorLines));
        Assert.Empty(Directory.GetFileSystemEntries(folder));
        Assert.Equal(["a-folder", "reports"], Directory.GetFileSystemEntries(_temp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Diff_fail_on_regression_exits_4_when_accuracy_drops_and_0_when_it_does_not()
    {
        var baseline = ReportFixtures.Result();
        WriteReport("base", baseline);
        // The same test images, every fourth prediction that was right now wrong: accuracy drops by several points.
        var labels = baseline.Evaluation.Labels;
        var worse = baseline.Evaluation.Predictions
            .Select((p, i) => i % 4 == 0 && p == labels[i] ? (byte)((p + 1) % 10) : p).ToList();
        WriteReport("head", baseline with { Evaluation = ReportFixtures.Evaluate(labels, worse, loss: 1.9) });

        var regressed = Cifar("diff", _temp.Combine("base"), _temp.Combine("head"), "--fail-on-regression", "1", "--format", "text");
        var unchanged = Cifar("diff", _temp.Combine("base"), _temp.Combine("base"), "--fail-on-regression", "1", "--format", "text");

        Assert.True(regressed.ExitCode == 4, regressed.ToString());
        Assert.Contains("golden-cnn", regressed.Output, StringComparison.Ordinal);
        Assert.NotEmpty(regressed.ErrorLines);
        Assert.All(regressed.ErrorLines, line => Assert.StartsWith("regression: golden-cnn", line, StringComparison.Ordinal));
        Assert.True(unchanged.ExitCode == 0, unchanged.ToString());
        Assert.Empty(unchanged.Error);
    }

    [Fact]
    public void Help_and_version_answer()
    {
        Assert.Equal(0, Cifar("--version").ExitCode);
        foreach (string verb in new[] { "run", "validate", "compare", "diff", "verify", "cache" })
        {
            var result = Cifar(verb, "--help");
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("Usage:", result.Output, StringComparison.Ordinal);
        }
    }

    /// <summary>A report folder written by the real writer, under <paramref name="root"/>, named after the experiment.</summary>
    private void WriteReport(string root, ExperimentResult result) =>
        ReportWriter.Write(result, _temp.Combine(root, result.Name), ReportOptions.Default);

    private static IEnumerable<string> CacheEntries(string cache) => Directory.Exists(cache)
        ? Directory.GetFileSystemEntries(cache, "*", SearchOption.AllDirectories).Where(e => !e.Contains(".locks", StringComparison.Ordinal))
        : [];
}
