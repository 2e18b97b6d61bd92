using System.Text.RegularExpressions;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Running;

/// <summary>The runner is the top of Core: it uses data, models, training, evaluation and reports; none of them uses it.</summary>
public partial class RunnerLayerTests
{
    /// <summary>
    /// Read from the source, so a use inside a method body counts as much as one in a signature: outside
    /// <c>Running/</c>, no file of Cifar.Core names the namespace (<c>using Cifar.Running;</c>, <c>Cifar.Running.X</c>,
    /// or <c>Running.X</c> from the root namespace).
    /// </summary>
    [Fact]
    public void Nothing_below_the_runner_uses_Cifar_Running()
    {
        string core = RepositoryFiles.PathOf("tool/Cifar.Core");
        var files = Directory.EnumerateFiles(core, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(core, f).Replace('\\', '/'))
            .Where(f => !f.StartsWith("bin/", StringComparison.Ordinal) && !f.StartsWith("obj/", StringComparison.Ordinal))
            .ToList();
        Assert.Contains("Running/ExperimentRunner.cs", files);
        Assert.Contains("Training/Trainer.cs", files);

        var offenders = files
            .Where(f => !f.StartsWith("Running/", StringComparison.Ordinal))
            .Where(f => RunningReference().IsMatch(File.ReadAllText(Path.Combine(core, f))))
            .ToList();

        Assert.Empty(offenders);
    }

    [GeneratedRegex(@"\b(Cifar\.)?Running\.[A-Z]|using\s+Cifar\.Running\s*;")]
    private static partial Regex RunningReference();
}
