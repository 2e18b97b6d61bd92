using Cifar.Tests.Infra;

namespace Cifar.Tests.Cli;

/// <summary>
/// The tool as a user meets it: arguments in, exit code and console text out. Runs the real entry point in-process
/// with the console redirected, so these tests share the console and run one at a time.
/// </summary>
[Collection("console")]
public sealed class CliTests : IDisposable
{
    private readonly TempFolder _temp = new("cli-test");

    public void Dispose() => _temp.Dispose();

    private static (int ExitCode, string Out, string Error) Cifar(params string[] args)
    {
        var entry = typeof(global::Cifar.Cli.ExitCode).Assembly.EntryPoint!;
        var (oldOut, oldError) = (Console.Out, Console.Error);
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            int code = (int)entry.Invoke(null, [args])!;
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(oldOut);
            Console.SetError(oldError);
        }
    }

    private static string RepoFile(string relative)
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "Repro.sln"))) folder = folder.Parent;
        return Path.Combine(folder?.FullName ?? throw new InvalidOperationException("Repro.sln not found above the test output"), relative);
    }

    [Fact]
    public void Validate_accepts_the_example_specs()
    {
        var (code, output, _) = Cifar("validate", RepoFile("experiments/cnn.yaml"), RepoFile("experiments/transfer.yaml"));
        Assert.Equal(0, code);
        Assert.Contains("cnn.yaml: ok", output, StringComparison.Ordinal);
        Assert.Contains("transfer.yaml: ok", output, StringComparison.Ordinal);
    }

    [Fact]
    public void An_invalid_spec_exits_2_with_one_line_per_problem_and_no_stack_trace()
    {
        string spec = _temp.Combine("bad.yaml");
        File.WriteAllText(spec, File.ReadAllText(RepoFile("experiments/cnn.yaml"))
            .Replace("epochs: 20", "epochs: 0", StringComparison.Ordinal)
            .Replace("type: adam", "type: adma", StringComparison.Ordinal));

        var (code, _, error) = Cifar("run", spec, "--output", _temp.Combine("reports"), "--cache-dir", _temp.Combine("cache"));

        Assert.Equal(2, code);
        string[] lines = error.TrimEnd().Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.All(lines, line => Assert.StartsWith(spec + ":", line, StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("Did you mean 'adam'?", StringComparison.Ordinal));
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.Combine("cache")), "validation happens before anything is downloaded");
        Assert.False(Directory.Exists(_temp.Combine("reports")));
    }

    [Theory]
    [InlineData("run")]
    [InlineData("run", "spec.yaml", "--threads", "two")]
    [InlineData("run", "spec.yaml", "--no-such-option")]
    [InlineData("frobnicate")]
    [InlineData("diff", "only-one-side")]
    public void Bad_arguments_exit_2(params string[] args)
    {
        var (code, _, error) = Cifar(args);
        Assert.Equal(2, code);
        Assert.Contains("error:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Threads_below_one_is_rejected()
    {
        var (code, _, error) = Cifar("run", RepoFile("experiments/cnn.yaml"), "--threads", "0");
        Assert.Equal(2, code);
        Assert.Contains("--threads is 0", error, StringComparison.Ordinal);
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

        var (code, _, error) = Cifar("run", spec, "--output", _temp.Combine("reports"), "--cache-dir", cache);

        Assert.Equal(3, code);
        Assert.Single(error.TrimEnd().Split('\n'));
        Assert.Contains(archive, error, StringComparison.Ordinal);
        Assert.Empty(Directory.Exists(cache)
            ? Directory.GetFileSystemEntries(cache, "*", SearchOption.AllDirectories).Where(e => !e.Contains(".locks", StringComparison.Ordinal))
            : []);
        Assert.False(Directory.Exists(_temp.Combine("reports", "cnn")));
    }

    [Fact]
    public void Help_and_version_answer()
    {
        Assert.Equal(0, Cifar("--version").ExitCode);
        foreach (string verb in new[] { "run", "validate", "compare", "diff" })
        {
            var (code, output, _) = Cifar(verb, "--help");
            Assert.Equal(0, code);
            Assert.Contains("Usage:", output, StringComparison.Ordinal);
        }
    }
}
