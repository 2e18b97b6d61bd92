namespace Cifar.Reports.Files;

/// <summary>
/// Reads binary files of one report folder (its pictures, such as <c>images/gradcam/test-00042.png</c>) by path
/// relative to the folder, from disk or from a git revision. Absent files read as null. Only the HTML diff reads them,
/// so they are read when asked for, not with the rest of the report.
/// </summary>
public sealed class ReportFileBytes
{
    private readonly Func<string, byte[]?> _read;

    /// <param name="read">Returns a file's bytes by relative path ('/'-separated), or null when it is absent.</param>
    public ReportFileBytes(Func<string, byte[]?> read) => _read = read ?? throw new ArgumentNullException(nameof(read));

    /// <summary>The files of a report folder on disk.</summary>
    public static ReportFileBytes OfFolder(string folder) => new(relative =>
    {
        var path = Path.Combine(folder, relative.Replace('/', Path.DirectorySeparatorChar));
        return File.Exists(path) ? File.ReadAllBytes(path) : null;
    });

    /// <summary>The file's bytes, or null when the folder has no such file.</summary>
    public byte[]? Read(string relativePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(relativePath);
        return _read(relativePath);
    }
}
