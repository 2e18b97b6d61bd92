using System.Diagnostics;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Reports.Diff;

/// <summary>
/// .github/scripts/base-reports.sh, which makes the reports workflow's base side like the head's (docs/ci.md, "Like
/// with like"), run in a throwaway git repository: which experiments it takes as committed and which it would
/// regenerate. The regeneration itself packs a tool, so these cases stop before it.
/// </summary>
public sealed class BaseReportsScriptTests
{
    private static readonly string Script = Path.Combine(GoldenFile.RepositoryRoot(), ".github", "scripts", "base-reports.sh");

    [Fact]
    public void Takes_the_committed_reports_and_keeps_a_portable_experiment_as_committed()
    {
        using var repository = new TempFolder("base-reports");
        Commit(repository, ("experiments/lab.yaml", "name: lab\nseed: 1\n"),
            ("reports/lab/metrics.json", "{\"test_accuracy\": 0.5}\n"),
            ("reports/lab/manifest.json", "{\n  \"environment\": {\n    \"threads\": 2,\n    \"determinism\": \"portable\"\n  }\n}\n"),
            ("reports/other/metrics.json", "{}\n"));

        var (exitCode, output) = Run(repository.Path, "HEAD", "out", "experiments/lab.yaml", "experiments/new.yaml");

        Assert.Equal(0, exitCode);
        Assert.Contains("lab: HEAD's report is portable: diffed as committed", output, StringComparison.Ordinal);
        Assert.Contains("experiments/new.yaml: not in HEAD (a new experiment): nothing to regenerate", output, StringComparison.Ordinal);
        Assert.Equal(["lab", "lab/manifest.json", "lab/metrics.json", "other", "other/metrics.json"], repository.Contents("out"));
        Assert.Equal("{\"test_accuracy\": 0.5}\n", File.ReadAllText(repository.Combine("out", "lab", "metrics.json")));
    }

    [Theory]
    [InlineData("{\n  \"environment\": {\n    \"determinism\": \"fast\"\n  }\n}\n", "at the fast level")]
    [InlineData(null, "at the fast (no manifest) level")]
    public void Regenerates_an_experiment_whose_committed_report_depends_on_the_cpu(string? manifest, string level)
    {
        using var repository = new TempFolder("base-reports");
        var files = new List<(string, string)> { ("experiments/lab.yaml", "name: lab # the lab\nseed: 1\n"), ("reports/lab/metrics.json", "{}\n") };
        if (manifest is not null) files.Add(("reports/lab/manifest.json", manifest));
        Commit(repository, [.. files]);
        // No tool can be packed from this repository: the script says what it regenerates, then fails at the pack.
        var (exitCode, output) = Run(repository.Path, "HEAD", "out", "experiments/lab.yaml");

        Assert.Contains($"lab: HEAD's report is {level}: regenerated here with HEAD's tool", output, StringComparison.Ordinal);
        Assert.NotEqual(0, exitCode);
    }

    [Fact]
    public void Needs_a_base_and_an_output_folder()
    {
        using var repository = new TempFolder("base-reports");
        Commit(repository, ("README", "x\n"));
        var (exitCode, output) = Run(repository.Path, "HEAD");
        Assert.Equal(2, exitCode);
        Assert.Contains("usage:", output, StringComparison.Ordinal);
    }

    private static void Commit(TempFolder repository, params (string Path, string Text)[] files)
    {
        foreach (var (path, text) in files)
        {
            var full = repository.Combine(path.Split('/'));
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, text);
        }
        Git(repository.Path, "init", "-q");
        Git(repository.Path, "add", "-A");
        Git(repository.Path, "commit", "-q", "-m", "base");
    }

    private static (int ExitCode, string Output) Run(string directory, params string[] arguments)
    {
        var start = Start("bash", directory);
        start.ArgumentList.Add(Script);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // dotnet pack must fail fast and offline: no project is there to pack.
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    private static void Git(string directory, params string[] arguments)
    {
        var start = Start("git", directory);
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"git {string.Join(' ', arguments)} failed: {stderr.Result}");
    }

    private static ProcessStartInfo Start(string program, string directory)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var (key, value) in new[]
        {
            ("GIT_AUTHOR_NAME", "Test"), ("GIT_AUTHOR_EMAIL", "test@example.invalid"),
            ("GIT_COMMITTER_NAME", "Test"), ("GIT_COMMITTER_EMAIL", "test@example.invalid"),
            ("GIT_CONFIG_GLOBAL", "/dev/null"), ("GIT_CONFIG_NOSYSTEM", "1"),
        })
        {
            start.Environment[key] = value;
        }
        return start;
    }
}
