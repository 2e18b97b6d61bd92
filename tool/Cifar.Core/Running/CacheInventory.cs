using System.Globalization;

namespace Cifar.Running;

/// <summary>What an entry of the cache folder is (see docs/data.md for the layout).</summary>
public enum CacheEntryKind
{
    /// <summary>An unpacked dataset, a folder at the top (<c>cifar-10-batches-bin</c>).</summary>
    Dataset,

    /// <summary>A pretrained weights file in <c>weights/</c>.</summary>
    Weights,

    /// <summary>A frozen base's features of one image subset in <c>features/</c>.</summary>
    Features,

    /// <summary>Activations below a fine-tuning's trainable stages for one image subset, in <c>activations/</c>.</summary>
    Activations,

    /// <summary>A training checkpoint in <c>checkpoints/</c>, kept by a run that has not finished.</summary>
    Checkpoint,

    /// <summary>A temporary file or folder of a download, extraction or write that was killed midway.</summary>
    Temporary,

    /// <summary>Anything the tool did not put there (or a link): listed, never removed.</summary>
    Other,
}

/// <summary>One entry of the cache: its kind, its path relative to the cache folder, and its size on disk in bytes.</summary>
public sealed record CacheEntry(CacheEntryKind Kind, string Path, long Bytes, DateTime LastWriteUtc);

/// <summary>
/// Lists what the cache folder holds and removes entries by kind (<c>dotnet cifar cache</c>). It looks only inside the
/// cache folder and never follows a symbolic link: a link is listed as <see cref="CacheEntryKind.Other"/> with its own
/// size (zero) and is never removed, and a real folder is removed by unlinking its entries one by one without entering
/// links. The lock files in <c>.locks/</c> are neither listed nor removed (see <see cref="Data.ArtifactCache"/> why).
/// </summary>
public static class CacheInventory
{
    private const string Locks = ".locks";

    /// <summary>A temporary file younger than this may belong to a run in progress and is left alone.</summary>
    public static readonly TimeSpan TemporaryAge = TimeSpan.FromMinutes(1);

    /// <summary>Every entry of the cache folder <paramref name="root"/>, ordered by kind then path; empty if there is no folder.</summary>
    public static IReadOnlyList<CacheEntry> List(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        var entries = new List<CacheEntry>();
        var top = new DirectoryInfo(root);
        if (!top.Exists) return entries;
        foreach (var info in top.EnumerateFileSystemInfos())
        {
            if (info.Name == Locks) continue;
            if (info.LinkTarget is not null)
            {
                entries.Add(Entry(CacheEntryKind.Other, root, info));
                continue;
            }
            if (info is DirectoryInfo folder && (info.Name is "weights" or "features" or "activations" or RunCheckpoints.FolderName))
            {
                foreach (var inner in folder.EnumerateFileSystemInfos()) entries.Add(Entry(KindInside(info.Name, inner), root, inner));
                continue;
            }
            entries.Add(Entry(IsTemporaryName(info.Name) ? CacheEntryKind.Temporary
                : info is DirectoryInfo && !info.Name.StartsWith('.') ? CacheEntryKind.Dataset
                : CacheEntryKind.Other, root, info));
        }
        return [.. entries.OrderBy(e => e.Kind).ThenBy(e => e.Path, StringComparer.Ordinal)];
    }

    /// <summary>
    /// Removes the entries of <paramref name="kinds"/> (never <see cref="CacheEntryKind.Other"/>, nor temporaries younger
    /// than <see cref="TemporaryAge"/>); with <paramref name="dryRun"/>, only says which it would remove.
    /// </summary>
    /// <returns>The entries removed (or that would be), and those that could not be, each with the reason.</returns>
    public static CachePruneResult Prune(string root, IReadOnlySet<CacheEntryKind> kinds, bool dryRun, DateTime? now = null)
    {
        ArgumentNullException.ThrowIfNull(kinds);
        var removed = new List<CacheEntry>();
        var failed = new List<(CacheEntry Entry, string Reason)>();
        var at = now ?? DateTime.UtcNow;
        foreach (var entry in List(root))
        {
            if (entry.Kind == CacheEntryKind.Other || !kinds.Contains(entry.Kind)) continue;
            if (entry.Kind == CacheEntryKind.Temporary && at - entry.LastWriteUtc < TemporaryAge) continue;
            if (dryRun)
            {
                removed.Add(entry);
                continue;
            }
            try
            {
                Remove(Path.Combine(root, entry.Path));
                removed.Add(entry);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failed.Add((entry, e.Message.ReplaceLineEndings(" ")));
            }
        }
        return new CachePruneResult(removed, failed);
    }

    /// <summary>A size for people: bytes, KB, MB or GB (powers of 1024), e.g. <c>170.1 MB</c>.</summary>
    public static string FormatBytes(long bytes)
    {
        string[] units = ["B", "KB", "MB", "GB", "TB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:F1} {units[unit]}");
    }

    private static CacheEntryKind KindInside(string folder, FileSystemInfo inner)
    {
        if (inner.LinkTarget is not null) return CacheEntryKind.Other;
        if (IsTemporaryName(inner.Name)) return CacheEntryKind.Temporary;
        return folder switch
        {
            "weights" when inner is FileInfo => CacheEntryKind.Weights,
            "features" when inner is FileInfo && inner.Name.EndsWith(".features", StringComparison.Ordinal) => CacheEntryKind.Features,
            // A chunked entry: a folder named by its key's SHA-256 (Models/Transfer/ChunkedTensorCache).
            "features" when inner is DirectoryInfo && IsKeyHash(inner.Name) => CacheEntryKind.Features,
            "activations" when inner is DirectoryInfo && IsKeyHash(inner.Name) => CacheEntryKind.Activations,
            RunCheckpoints.FolderName when inner is FileInfo && inner.Name.EndsWith(RunCheckpoints.Extension, StringComparison.Ordinal) => CacheEntryKind.Checkpoint,
            _ => CacheEntryKind.Other,
        };
    }

    private static bool IsKeyHash(string name) => name.Length == 64 && name.All(char.IsAsciiHexDigitLower);

    /// <summary>The temporaries of the artifact cache (<c>.NAME.GUID.download</c>, <c>.partial</c>) and of the feature and
    /// checkpoint writes (<c>.NAME.GUID.tmp</c>).</summary>
    private static bool IsTemporaryName(string name) => name.StartsWith('.')
        && (name.EndsWith(".download", StringComparison.Ordinal) || name.EndsWith(".partial", StringComparison.Ordinal)
            || name.EndsWith(".tmp", StringComparison.Ordinal));

    private static CacheEntry Entry(CacheEntryKind kind, string root, FileSystemInfo info) =>
        new(kind, Path.GetRelativePath(root, info.FullName).Replace('\\', '/'), SizeOf(info), info.LastWriteTimeUtc);

    /// <summary>Bytes of a file, or of every file below a folder; a link counts as nothing and is not entered.</summary>
    private static long SizeOf(FileSystemInfo info)
    {
        if (info.LinkTarget is not null) return 0;
        if (info is FileInfo file) return file.Length;
        long total = 0;
        foreach (var inner in ((DirectoryInfo)info).EnumerateFileSystemInfos()) total += SizeOf(inner);
        return total;
    }

    /// <summary>Removes a file, or a folder entry by entry; a link found inside is unlinked, never entered.</summary>
    private static void Remove(string path)
    {
        var info = new DirectoryInfo(path);
        if (info.LinkTarget is not null || !info.Exists)
        {
            File.Delete(path); // a file, or a link (to a folder or not): only the link goes
            return;
        }
        foreach (var inner in info.EnumerateFileSystemInfos())
        {
            if (inner is DirectoryInfo && inner.LinkTarget is null) Remove(inner.FullName);
            else File.Delete(inner.FullName);
        }
        Directory.Delete(path);
    }
}

/// <summary>What <see cref="CacheInventory.Prune"/> removed (or would), and what it could not remove and why.</summary>
public sealed record CachePruneResult(IReadOnlyList<CacheEntry> Removed, IReadOnlyList<(CacheEntry Entry, string Reason)> Failed);
