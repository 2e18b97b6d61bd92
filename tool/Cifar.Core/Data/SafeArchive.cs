using System.Formats.Tar;
using System.IO.Compression;

namespace Cifar.Data;

/// <summary>Unpacks downloaded .tar.gz (or plain .tar) archives without trusting their entry names.</summary>
public static class SafeArchive
{
    /// <summary>
    /// Extracts <paramref name="archivePath"/> into <paramref name="destination"/>. Only regular files and folders are
    /// extracted, with default permissions; an entry whose path is absolute, contains <c>..</c> or would land outside
    /// the destination, a link, a device, a duplicate, or unreadable/truncated data throws
    /// <see cref="InvalidDataException"/> with a one-line reason (which <see cref="ArtifactCache"/> reports as a
    /// download error).
    /// </summary>
    public static void Extract(string archivePath, string destination) => Extract(archivePath, destination, CancellationToken.None);

    /// <summary>As above, checking <paramref name="cancellationToken"/> before every entry.</summary>
    public static void Extract(string archivePath, string destination, CancellationToken cancellationToken)
    {
        var root = Path.GetFullPath(destination);
        var rootPrefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        Directory.CreateDirectory(root);

        using var file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        var gzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        using var stream = gzip ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        using var reader = new TarReader(stream);
        var format = gzip ? ".tar.gz" : ".tar";
        while (Unreadable<TarEntry>(format, () => reader.GetNextEntry()) is { } entry)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (entry.EntryType is TarEntryType.GlobalExtendedAttributes) continue;
            var target = TargetPath(entry.Name, root, rootPrefix);
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    Writable(entry.Name, () => Directory.CreateDirectory(target));
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    if (File.Exists(target) || Directory.Exists(target))
                        throw new InvalidDataException($"archive has entry '{entry.Name}' twice");
                    using (var output = Create(entry.Name, target))
                    {
                        Unreadable<TarEntry>(format, () => { entry.DataStream?.CopyTo(output); return entry; });
                    }

                    break;
                default:
                    throw new InvalidDataException(
                        $"archive entry '{entry.Name}' is a {entry.EntryType} entry; only files and folders are extracted");
            }
        }
    }

    private static FileStream Create(string name, string target) => Writable(name, () =>
    {
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        return new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20);
    });

    /// <summary>
    /// Runs a write of an entry. A failure (a file where the entry needs a folder, a full disk) becomes one line
    /// naming the entry instead of a stack trace.
    /// </summary>
    private static T Writable<T>(string name, Func<T> write)
    {
        try
        {
            return write();
        }
        catch (IOException e)
        {
            throw new InvalidDataException($"archive entry '{name}' cannot be written: {e.Message}", e);
        }
    }

    /// <summary>Runs a read of the archive, turning the BCL's corrupt/truncated-data exceptions into one message.</summary>
    private static T? Unreadable<T>(string format, Func<T?> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or InvalidDataException)
        {
            throw new InvalidDataException($"archive is not a readable {format}: {e.Message}", e);
        }
    }

    private static string TargetPath(string name, string root, string rootPrefix)
    {
        var parts = name.Split('/', '\\');
        if (name.Length == 0 || name.Contains('\0', StringComparison.Ordinal) || Path.IsPathRooted(name)
            || name[0] is '/' or '\\' || parts.Contains(".."))
            throw new InvalidDataException($"archive entry '{name}' points outside the extraction folder");
        var target = Path.GetFullPath(Path.Combine(root, name));
        if (target != root && !target.StartsWith(rootPrefix, StringComparison.Ordinal))
            throw new InvalidDataException($"archive entry '{name}' points outside the extraction folder");
        return target;
    }
}
