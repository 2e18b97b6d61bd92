using YamlDotNet.RepresentationModel;

namespace Cifar.Tests.Reports.Diff;

/// <summary>
/// Offline structural checks of .github/workflows/reports.yml (the schema and lint checks need npm; docs/ci.md says how
/// to run them). These pin what docs/ci.md promises the workflow does.
/// </summary>
public sealed class WorkflowTests
{
    private static readonly string WorkflowPath = Path.GetFullPath(
        Path.Combine(GoldenFile.RepositoryRoot(), ".github", "workflows", "reports.yml"));

    private static YamlMappingNode Load()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(WorkflowPath)));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlNode At(YamlNode node, params string[] path) =>
        path.Aggregate(node, (n, key) => ((YamlMappingNode)n).Children[new YamlScalarNode(key)]);

    private static string Text(YamlNode node) => ((YamlScalarNode)node).Value ?? "";

    [Fact]
    public void Runs_on_push_and_pull_request_with_the_cache_dir_in_the_environment()
    {
        var workflow = Load();
        var on = (YamlMappingNode)At(workflow, "on");
        Assert.Equal(["push", "pull_request"], on.Children.Keys.Select(Text));
        Assert.Contains("CIFAR_CACHE_DIR", ((YamlMappingNode)At(workflow, "env")).Children.Keys.Select(Text));
    }

    [Fact]
    public void Steps_check_out_full_history_cache_install_run_diff_and_upload()
    {
        var job = (YamlMappingNode)((YamlMappingNode)At(Load(), "jobs")).Children.Values.Single();
        var steps = ((YamlSequenceNode)At(job, "steps")).Children.Cast<YamlMappingNode>().ToList();
        string? Uses(YamlMappingNode s) => s.Children.TryGetValue(new YamlScalarNode("uses"), out var u) ? Text(u) : null;
        YamlMappingNode Step(string uses) => steps.Single(s => Uses(s)?.StartsWith(uses + "@", StringComparison.Ordinal) == true
            // Two uploads: the reports, and the HTML diff (checked below).
            && (uses != "actions/upload-artifact" || Text(At(s, "with", "name")) == "reports"));

        Assert.Equal("0", Text(At(Step("actions/checkout"), "with", "fetch-depth")));
        Assert.StartsWith("10.", Text(At(Step("actions/setup-dotnet"), "with", "dotnet-version")), StringComparison.Ordinal);
        Assert.Equal("${{ env.CIFAR_CACHE_DIR }}", Text(At(Step("actions/cache"), "with", "path")));
        Assert.Equal("always()", Text(At(Step("actions/upload-artifact"), "if")));
        Assert.Contains("reports/**/*.html", Text(At(Step("actions/upload-artifact"), "with", "path")), StringComparison.Ordinal);

        var script = string.Join("\n", steps.Where(s => Uses(s) is null).Select(s => Text(At(s, "run"))));
        Assert.Contains("dotnet pack tool/Cifar.Cli -c Release", script, StringComparison.Ordinal);
        Assert.Contains("dotnet tool install --global --add-source artifacts/packages dotnet-cifar", script, StringComparison.Ordinal);
        Assert.Contains("$HOME/.dotnet/tools", script, StringComparison.Ordinal);
        Assert.Equal("experiments/cnn.yaml experiments/transfer.yaml experiments/transfer-finetune.yaml", Text(At(Load(), "env", "SPECS")));
        Assert.Contains("dotnet cifar run $SPECS --output reports", script, StringComparison.Ordinal);
        Assert.Contains("dotnet cifar verify reports/cnn-portable", script, StringComparison.Ordinal);
        // Like with like: the base side is made on the runner (fast level) or taken as committed (portable level).
        Assert.Contains(".github/scripts/base-reports.sh \"$BASE\" \"$RUNNER_TEMP/base-reports\" $SPECS", script, StringComparison.Ordinal);
        Assert.Contains("dotnet cifar diff \"$RUNNER_TEMP/base-reports\" reports/ --format markdown --output diff.md --fail-on-regression 1", script, StringComparison.Ordinal);
        Assert.Contains(">> \"$GITHUB_STEP_SUMMARY\"", script, StringComparison.Ordinal);

        var diffStep = steps.Single(s => Uses(s) is null && Text(At(s, "run")).Contains("--format markdown", StringComparison.Ordinal));
        var baseRef = Text(At(diffStep, "env", "BASE"));
        Assert.Contains("format('origin/{0}', github.base_ref)", baseRef, StringComparison.Ordinal);
        Assert.Contains("'HEAD~1'", baseRef, StringComparison.Ordinal);
    }
}
