using System.Runtime.CompilerServices;
using System.Text;

namespace Cifar.Tests.Reports;

/// <summary>
/// The one golden-file rule of the test suite: a golden file sits in the source tree beside its test, and is compared
/// byte for byte (line ends normalised to "\n", since git may check out CRLF). After an intended change, rerun the
/// tests with <c>UPDATE_GOLDEN=1</c>: each golden test then rewrites its file and fails once, so an update is never
/// silent; review the diff and rerun without it.
/// </summary>
internal static class GoldenFile
{
    public const string UpdateVariable = "UPDATE_GOLDEN";

    /// <summary>Asserts <paramref name="actual"/> equals the golden file at <paramref name="relativePath"/>, a path
    /// below tests/Cifar.Tests/Reports/ (e.g. <c>Golden/metrics.json</c>, <c>Diff/golden/diff.md</c>).</summary>
    public static void AssertMatches(string actual, string relativePath)
    {
        ArgumentNullException.ThrowIfNull(actual);
        var path = PathOf(relativePath);
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            Assert.Fail($"Golden file {relativePath} rewritten; rerun without {UpdateVariable}=1 and review the diff.");
        }
        Assert.True(File.Exists(path), $"No golden file {path}; run the tests once with {UpdateVariable}=1 to create it.");
        Assert.Equal(File.ReadAllText(path).ReplaceLineEndings("\n"), actual);
    }

    /// <summary>The full path of a file below tests/Cifar.Tests/Reports/ in the source tree.</summary>
    public static string PathOf(string relativePath) => Path.Combine(ReportsTestFolder(), relativePath);

    /// <summary>The repository's root folder (holding Repro.sln).</summary>
    public static string RepositoryRoot() => Path.GetFullPath(Path.Combine(ReportsTestFolder(), "..", "..", ".."));

    private static string ReportsTestFolder([CallerFilePath] string path = "")
    {
        var folder = Path.GetDirectoryName(path)!;
        if (Directory.Exists(folder))
        {
            return folder;
        }
        // A deterministic CI build maps source paths (e.g. to /_/): find the checkout from the test binaries instead.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Repro.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "Cifar.Tests", "Reports");
            }
        }
        throw new DirectoryNotFoundException($"cannot find the source folder of {path}");
    }
}
