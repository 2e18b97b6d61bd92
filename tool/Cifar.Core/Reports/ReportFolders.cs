using System.Text.RegularExpressions;
using Cifar.Reports.Files;

namespace Cifar.Reports;

/// <summary>
/// The report folders <c>run</c> writes under its output root (<c>&lt;output&gt;/&lt;name&gt;</c>) and the hidden siblings
/// <see cref="ReportWriter"/> uses while it swaps a finished report in: <c>.NAME.writing-GUID</c> (the new report
/// being written) and <c>.NAME.replaced-GUID</c> (the previous report, until the new one is in place). The rules
/// that keep a run from deleting what it did not write live here.
/// </summary>
public static partial class ReportFolders
{
    /// <summary>
    /// The most bytes the writer adds to a name for its hidden siblings: the leading dot and
    /// <c>.replaced-</c> + 32 hex digits. A name plus this must fit the file system's 255-byte limit
    /// (<see cref="Specs.SpecVocabulary.MaxNameBytes"/> is derived from it; a test keeps them in step).
    /// </summary>
    public const int HiddenSiblingOverhead = 1 + 10 + 32;

    /// <summary>The hidden folder a new report is written into before it is moved to <paramref name="name"/>.</summary>
    internal static string TemporaryName(string name) => $".{name}.{Writing}-{Guid.NewGuid():N}";

    /// <summary>The hidden name the previous report is renamed to while the new one moves into place.</summary>
    internal static string BackupName(string name) => $".{name}.{Replaced}-{Guid.NewGuid():N}";

    private const string Writing = "writing";
    private const string Replaced = "replaced";

    [GeneratedRegex(@"^\.(?<name>.+)\.(?<kind>writing|replaced)-[0-9a-f]{32}$")]
    private static partial Regex SiblingPattern();

    /// <summary>
    /// True when <paramref name="folder"/> is a report folder this tool wrote: its metrics.json parses as one, or
    /// its seeds.json for a multi-seed report folder (whatever else it holds). Only such a folder may be replaced by a new report.
    /// </summary>
    public static bool IsWrittenByTool(string folder)
    {
        var seeds = Path.Combine(folder, ReportFiles.Seeds);
        if (File.Exists(seeds))
        {
            try
            {
                ReportFileJson.ReadSeeds(File.ReadAllText(seeds), seeds);
                return true;
            }
            catch (Exception e) when (e is CifarUserException or IOException or UnauthorizedAccessException)
            {
                return false;
            }
        }
        var metrics = Path.Combine(folder, ReportFiles.Metrics);
        if (!File.Exists(metrics)) return false;
        try
        {
            ReportFileJson.ReadMetrics(File.ReadAllText(metrics), metrics);
            return true;
        }
        catch (Exception e) when (e is CifarUserException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Makes <paramref name="folder"/> ready to receive a report, before any work starts: finishes or undoes an
    /// interrupted swap (<see cref="Recover"/>), then checks that whatever is at <paramref name="folder"/> is absent,
    /// an empty folder, or a report folder this tool wrote.
    /// </summary>
    /// <exception cref="CifarUserException">Other when something else is there: the run would delete it.</exception>
    public static void PrepareTarget(string folder)
    {
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        try
        {
            Recover(target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CifarUserException(UserErrorKind.Other, $"Cannot tidy the report folder '{target}': {e.Message}", e);
        }
        if (CannotReplace(target) is { } reason)
        {
            throw new CifarUserException(UserErrorKind.Other,
                $"'{target}' {reason}; the report would replace it. Choose another `name` or --output, or move it away");
        }
    }

    /// <summary>Why a report may not replace <paramref name="target"/>, or null when it may.</summary>
    internal static string? CannotReplace(string target)
    {
        if (File.Exists(target)) return "is a file, not a report folder";
        if (!Directory.Exists(target)) return null;
        if (new DirectoryInfo(target).LinkTarget is not null) return "is a symbolic link, not a report folder";
        if (!Directory.EnumerateFileSystemEntries(target).Any()) return null;
        return IsWrittenByTool(target)
            ? null
            : $"exists and is not a report folder written by dotnet-cifar (it has no valid {ReportFiles.Metrics})";
    }

    /// <summary>
    /// Cleans up after a swap that a crash or kill interrupted (see <see cref="ReportWriter"/>): when
    /// <paramref name="target"/> is missing and a backup of the previous report exists, the backup goes back
    /// (the old report, complete); then every leftover temporary or backup folder of this name is deleted.
    /// Only the writer's own hidden names are touched.
    /// </summary>
    public static void Recover(string target)
    {
        target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
        var parent = Path.GetDirectoryName(target);
        if (parent is null || !Directory.Exists(parent)) return;
        var name = Path.GetFileName(target);
        var siblings = Directory.EnumerateDirectories(parent, "." + name + ".*")
            .Select(path => (Path: path, Match: SiblingPattern().Match(Path.GetFileName(path))))
            .Where(s => s.Match.Success && s.Match.Groups["name"].Value == name)
            .ToList();
        if (siblings.Count == 0) return;

        if (!Directory.Exists(target) && !File.Exists(target))
        {
            var backup = siblings
                .Where(s => s.Match.Groups["kind"].Value == Replaced)
                .OrderByDescending(s => Directory.GetLastWriteTimeUtc(s.Path))
                .FirstOrDefault();
            if (backup.Path is not null)
            {
                Directory.Move(backup.Path, target);
                siblings.Remove(backup);
            }
        }
        foreach (var (path, _) in siblings)
        {
            // A planted link is removed, never followed.
            if (new DirectoryInfo(path).LinkTarget is not null) Directory.Delete(path);
            else Directory.Delete(path, recursive: true);
        }
    }
}
