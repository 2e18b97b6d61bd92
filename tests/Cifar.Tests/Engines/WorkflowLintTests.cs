using System.Diagnostics;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Engines;

/// <summary>The GitHub workflows validate offline (actionlint), and the check is not vacuous: a broken one fails.</summary>
public sealed class WorkflowLintTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [ActionlintFact]
    public async Task Every_workflow_of_the_repository_validates()
    {
        var (exitCode, output) = await Lint();

        Assert.True(exitCode == 0, output);
        Assert.Contains("0 problem(s)", output, StringComparison.Ordinal);
        Assert.True(File.Exists(RepositoryFiles.PathOf(".github/workflows/sweep.yml")));
    }

    [ActionlintFact]
    public async Task A_sweep_workflow_whose_cells_read_a_job_that_does_not_exist_fails_with_its_line()
    {
        var text = File.ReadAllText(RepositoryFiles.PathOf(".github/workflows/sweep.yml"));
        Assert.Contains("needs.list.outputs.matrix", text, StringComparison.Ordinal);
        var broken = Path.Combine(_temp.Path, "sweep.yml");
        File.WriteAllText(broken, text.Replace("needs.list.outputs.matrix", "needs.lister.outputs.matrix", StringComparison.Ordinal));
        var line = text[..text.IndexOf("needs.list.outputs.matrix", StringComparison.Ordinal)].Count(c => c == '\n') + 1;

        var (exitCode, output) = await Lint(broken);

        Assert.Equal(1, exitCode);
        Assert.Contains($"sweep.yml:{line}:", output, StringComparison.Ordinal);
        Assert.Contains("\"lister\" is not defined", output, StringComparison.Ordinal);
    }

    private static async Task<(int ExitCode, string Output)> Lint(params string[] files)
    {
        var start = new ProcessStartInfo(ActionlintFactAttribute.Node!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = RepositoryFiles.PathOf("."),
        };
        start.ArgumentList.Add(ActionlintFactAttribute.Script);
        foreach (var file in files) start.ArgumentList.Add(file);
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await error);
    }
}
