using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using Cifar.Reports.Files;

namespace Cifar.Reports.Diff;

/// <summary>
/// Reads the report folders committed at a git revision straight from the object database, with no checkout:
/// <c>git ls-tree -r --name-only REV -- reports/</c> lists them and <c>git show REV:path</c> reads each file.
/// </summary>
public static class GitRevisionReports
{
    private static readonly TimeSpan GitTimeout = TimeSpan.FromSeconds(60);

    /// <summary>True when <paramref name="revision"/> names a commit in the repository around <paramref name="repositoryDirectory"/>.</summary>
    public static bool IsRevision(string repositoryDirectory, string revision) =>
        !revision.StartsWith('-') // never let an argument be read as a git option
        && TryRun(repositoryDirectory, ["rev-parse", "--verify", "--quiet", revision + "^{commit}"], out _, out _) == 0;

    /// <summary>
    /// The report folders under <paramref name="reportsPath"/> at <paramref name="revision"/>: each folder holding a
    /// metrics.json directly below the path, or the path itself when it is a single report folder. Sorted by name.
    /// </summary>
    /// <param name="reportsPath">Relative to <paramref name="repositoryDirectory"/>, like a path on disk.</param>
    public static IReadOnlyList<ReportSnapshot> Read(string repositoryDirectory, string revision, string reportsPath = "reports") =>
        Read(repositoryDirectory, revision, reportsPath, out _);

    /// <param name="isSingleFolder">True when <paramref name="reportsPath"/> is itself one report folder.</param>
    internal static IReadOnlyList<ReportSnapshot> Read(string repositoryDirectory, string revision, string reportsPath,
        out bool isSingleFolder)
    {
        ArgumentNullException.ThrowIfNull(reportsPath);
        if (!IsRevision(repositoryDirectory, revision))
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, NotARevision(repositoryDirectory, revision));
        }
        // Paths in `REV:path` are from the repository root; a prefix makes a path given from a subfolder work too.
        var prefix = Run(repositoryDirectory, ["rev-parse", "--show-prefix"]).Trim();
        var top = Run(repositoryDirectory, ["rev-parse", "--show-toplevel"]).Trim();
        var root = RepositoryPath(prefix + reportsPath.Replace('\\', '/'), reportsPath);
        var listing = Run(top, ["ls-tree", "-r", "-z", "--name-only", "--full-name", revision, "--", root.Length == 0 ? "." : root + "/"]);
        var files = listing.Split('\0', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
        var folders = files
            .SelectMany(f => new[] { ReportFiles.Metrics, ReportFiles.Seeds }
                .Where(marker => f == marker || f.EndsWith("/" + marker, StringComparison.Ordinal))
                .Select(marker => f.Length == marker.Length ? "" : f[..(f.Length - marker.Length - 1)]))
            .Distinct(StringComparer.Ordinal)
            .Where(folder => folder == root || (Parent(folder) == root && !ReportSnapshotReader.IsHiddenName(folder[(folder.LastIndexOf('/') + 1)..])))
            .Order(StringComparer.Ordinal)
            .ToList();
        isSingleFolder = folders.Contains(root);
        if (isSingleFolder)
        {
            folders = [root];
        }
        return [.. folders.Select(folder =>
        {
            var name = folder.Length == 0 ? revision : folder[(folder.LastIndexOf('/') + 1)..];
            string PathOf(string file) => folder.Length == 0 ? file : folder + "/" + file;
            var snapshot = ReportSnapshotReader.Read(name, revision + ":" + folder, file =>
                files.Contains(PathOf(file)) ? Run(top, ["show", revision + ":" + PathOf(file)]) : null);
            // Pictures (the HTML diff's Grad-CAM maps) as bytes: `git show` of a binary file, read undecoded.
            return snapshot with
            {
                Files = new ReportFileBytes(file => files.Contains(PathOf(file)) ? RunBytes(top, ["show", revision + ":" + PathOf(file)]) : null),
            };
        })];
    }

    internal static string NotARevision(string repositoryDirectory, string argument) =>
        $"'{argument}' is neither a path on disk nor a git revision of the repository at '{Path.GetFullPath(repositoryDirectory)}'";

    /// <summary>"reports/./cnn/" → "reports/cnn", "sub/../reports" → "reports"; "" is the repository root.</summary>
    private static string RepositoryPath(string path, string asGiven)
    {
        var segments = new List<string>();
        foreach (var segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment == "..")
            {
                if (segments.Count == 0)
                {
                    throw new CifarUserException(UserErrorKind.InvalidInput, $"reports path '{asGiven}' is outside the git repository");
                }
                segments.RemoveAt(segments.Count - 1);
            }
            else if (segment != ".")
            {
                segments.Add(segment);
            }
        }
        return string.Join('/', segments);
    }

    private static string Parent(string path) => path.LastIndexOf('/') is var i and >= 0 ? path[..i] : "";

    private static string Run(string directory, IReadOnlyList<string> arguments)
    {
        var code = TryRun(directory, arguments, out var output, out var error);
        if (code != 0)
        {
            var firstLine = error.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "";
            throw new CifarUserException(UserErrorKind.Other,
                $"'git {string.Join(' ', arguments)}' failed with exit code {code}: {firstLine}");
        }
        return output;
    }

    /// <summary>As <see cref="Run"/>, for a binary file's bytes.</summary>
    private static byte[] RunBytes(string directory, IReadOnlyList<string> arguments)
    {
        byte[]? bytes = null;
        var code = TryRun(directory, arguments, out _, out var error, stdout =>
        {
            using var buffer = new MemoryStream();
            stdout.CopyTo(buffer);
            bytes = buffer.ToArray();
        });
        if (code != 0 || bytes is null)
        {
            var firstLine = error.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "";
            throw new CifarUserException(UserErrorKind.Other,
                $"'git {string.Join(' ', arguments)}' failed with exit code {code}: {firstLine}");
        }
        return bytes;
    }

    private static int TryRun(string directory, IReadOnlyList<string> arguments, out string output, out string error) =>
        TryRun(directory, arguments, out output, out error, readBinary: null);

    /// <param name="readBinary">Reads standard output as bytes instead of text (then <paramref name="output"/> is empty).</param>
    private static int TryRun(string directory, IReadOnlyList<string> arguments, out string output, out string error, Action<Stream>? readBinary)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // Plain, untranslated output whatever the user's git configuration says.
        start.Environment["LC_ALL"] = "C";
        start.Environment["GIT_PAGER"] = "cat";
        if (!Directory.Exists(directory))
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, $"repository folder '{directory}' does not exist");
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new CifarUserException(UserErrorKind.Other, "could not start git");
        }
        catch (Win32Exception e)
        {
            throw new CifarUserException(UserErrorKind.Other, "git is not installed or not on PATH; it is needed to read reports from a git revision", e);
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = readBinary is null
                ? process.StandardOutput.ReadToEndAsync()
                : Task.Run(() =>
                {
                    readBinary(process.StandardOutput.BaseStream);
                    return "";
                });
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(GitTimeout))
            {
                process.Kill(entireProcessTree: true);
                throw new CifarUserException(UserErrorKind.Other,
                    $"'git {string.Join(' ', arguments)}' did not finish within {GitTimeout.TotalSeconds:0} s");
            }
            output = stdout.GetAwaiter().GetResult();
            error = stderr.GetAwaiter().GetResult();
            return process.ExitCode;
        }
    }
}
