using System.Formats.Tar;
using System.Globalization;
using System.IO.Compression;

namespace Cifar.Data;

/// <summary>
/// What an archive may hold: the files to keep, by file name, each with the most bytes it may have, and the most bytes
/// the whole archive may unpack to (headers and skipped members included). Bounds what a hostile archive can make
/// the tool write or decompress: a gzip bomb stops at <see cref="MaxUnpackedBytes"/>, not at a full disk.
/// </summary>
/// <param name="MaxBytesByFileName">File name (no folder) -> largest allowed size in bytes. Only these files are written.</param>
/// <param name="MaxUnpackedBytes">Largest allowed size of the decompressed archive stream.</param>
public sealed record ArchiveAllowance(IReadOnlyDictionary<string, long> MaxBytesByFileName, long MaxUnpackedBytes)
{
    /// <summary>Room for tar headers and padding (512 bytes per entry and 10 KiB of end blocks, in practice).</summary>
    public const long HeaderSlackBytes = 1 << 20;

    /// <summary>An allowance for exactly these files; the archive may unpack to their sizes plus <see cref="HeaderSlackBytes"/>.</summary>
    public static ArchiveAllowance For(IReadOnlyDictionary<string, long> maxBytesByFileName)
    {
        ArgumentNullException.ThrowIfNull(maxBytesByFileName);
        return new(maxBytesByFileName, maxBytesByFileName.Values.Sum() + HeaderSlackBytes);
    }
}

/// <summary>Unpacks downloaded .tar.gz (or plain .tar) archives without trusting their entry names or sizes.</summary>
public static class SafeArchive
{
    /// <summary>Deepest folder level a kept file may sit at: the archive's top or one folder down.</summary>
    private const int MaxKeptDepth = 2;

    /// <summary>
    /// Extracts the files <paramref name="allowance"/> names from <paramref name="archivePath"/> into
    /// <paramref name="destination"/>, flattened (<c>cifar-10-batches-bin/x.bin</c> and <c>x.bin</c> both become
    /// <c>destination/x.bin</c>), with default permissions. Other regular files and folders are skipped, never written.
    /// Throws <see cref="InvalidDataException"/> with a one-line reason (which <see cref="ArtifactCache"/> reports as a
    /// download error) for: a path that is absolute, contains <c>..</c> or would land outside the destination; a link,
    /// device or other special entry; a kept file twice or larger than allowed (by its header or its data); an archive
    /// that unpacks to more than allowed; unreadable or truncated data; a file that cannot be written (disk full).
    /// </summary>
    public static void Extract(string archivePath, string destination, ArchiveAllowance allowance) =>
        Extract(archivePath, destination, allowance, CancellationToken.None);

    /// <summary>As above, checking <paramref name="cancellationToken"/> before every entry.</summary>
    public static void Extract(string archivePath, string destination, ArchiveAllowance allowance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(allowance);
        var root = Path.GetFullPath(destination);
        var rootPrefix = Path.EndsInDirectorySeparator(root) ? root : root + Path.DirectorySeparatorChar;
        Writable(Path.GetFileName(root), () => Directory.CreateDirectory(root));

        using var file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
        var gzip = file.ReadByte() == 0x1f && file.ReadByte() == 0x8b;
        file.Position = 0;
        using var decompressed = gzip ? new GZipStream(file, CompressionMode.Decompress) : (Stream)file;
        using var bounded = new BoundedReadStream(decompressed, allowance.MaxUnpackedBytes);
        using var reader = new TarReader(bounded);
        var format = gzip ? ".tar.gz" : ".tar";
        while (Unreadable(format, () => reader.GetNextEntry()) is { } entry)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (entry.EntryType is TarEntryType.GlobalExtendedAttributes) continue;
            var parts = CheckedParts(entry.Name, root, rootPrefix);
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    break; // folders are implied by the files kept; an empty one is of no use
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    var name = parts[^1];
                    if (parts.Length > MaxKeptDepth || !allowance.MaxBytesByFileName.TryGetValue(name, out var maxBytes))
                        break; // not ours: skipped (its data is read past, and counts towards the unpacked total)
                    if (entry.Length > maxBytes)
                    {
                        throw ArchiveProblem(string.Create(CultureInfo.InvariantCulture,
                            $"archive entry '{entry.Name}' is {entry.Length} bytes; expected at most {maxBytes}"));
                    }

                    var target = Path.Combine(root, name);
                    using (var output = Create(entry.Name, target))
                    {
                        // TarReader's data stream ends at the header's size, so at most maxBytes reach the disk.
                        Unreadable(format, () => { entry.DataStream?.CopyTo(new WriteErrors(output, entry.Name)); return entry; });
                    }

                    break;
                default:
                    throw ArchiveProblem(
                        $"archive entry '{entry.Name}' is a {entry.EntryType} entry; only files and folders are extracted");
            }
        }
    }

    private static FileStream Create(string name, string target) => Writable(name, () =>
    {
        try
        {
            // CreateNew: exclusive, and never follows a link planted at the name. Unbuffered (CopyTo writes 80 KiB
            // chunks): a buffer would be flushed again when the stream is disposed after a failed write (a full
            // disk), and that second failure would replace the first, clear, error.
            return new FileStream(target, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0);
        }
        catch (IOException) when (File.Exists(target))
        {
            throw ArchiveProblem($"archive has {Path.GetFileName(target)} twice (the second is '{name}')");
        }
    });

    /// <summary>
    /// Runs a write of an entry. A failure (a full disk, a read-only folder) becomes one line naming the entry
    /// instead of a stack trace.
    /// </summary>
    private static T Writable<T>(string name, Func<T> write)
    {
        try
        {
            return write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw NotWritable(name, e);
        }
    }

    private static InvalidDataException NotWritable(string name, Exception e) => ArchiveProblem($"archive entry '{name}' cannot be written: {e.Message}", e);

    /// <summary>Runs a read of the archive, turning the BCL's corrupt/truncated-data exceptions into one message.</summary>
    private static T? Unreadable<T>(string format, Func<T?> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or ArgumentException
                                      || (e is InvalidDataException && !e.Data.Contains(FoundHere)))
        {
            throw new InvalidDataException($"archive is not a readable {format}: {e.Message}", e);
        }
    }

    /// <summary>The entry's path parts; throws unless the path stays inside the destination.</summary>
    private static string[] CheckedParts(string name, string root, string rootPrefix)
    {
        var parts = name.Split('/', '\\', StringSplitOptions.RemoveEmptyEntries);
        if (name.Length == 0 || parts.Length == 0 || name.Contains('\0', StringComparison.Ordinal) || Path.IsPathRooted(name)
            || name[0] is '/' or '\\' || parts.Contains(".."))
        {
            throw ArchiveProblem($"archive entry '{name}' points outside the extraction folder");
        }

        var target = Path.GetFullPath(Path.Combine(root, name));
        if (target != root && !target.StartsWith(rootPrefix, StringComparison.Ordinal))
            throw ArchiveProblem($"archive entry '{name}' points outside the extraction folder");
        return parts.Where(p => p != ".").ToArray() is { Length: > 0 } kept ? kept : [name];
    }

    private const string FoundHere = "SafeArchive";

    /// <summary>A problem this class found (as opposed to the BCL's "corrupt data" exceptions, which get a prefix).</summary>
    private static InvalidDataException ArchiveProblem(string message, Exception? inner = null)
    {
        var problem = new InvalidDataException(message, inner);
        problem.Data[FoundHere] = true;
        return problem;
    }

    /// <summary>Fails a read once more than <paramref name="limit"/> bytes have come through: the decompression bound.</summary>
    private sealed class BoundedReadStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            var n = inner.Read(buffer);
            _read += n;
            if (_read > limit)
            {
                throw ArchiveProblem(string.Create(CultureInfo.InvariantCulture,
                    $"archive unpacks to more than {limit} bytes, more than the files it should hold take; refused as a possible decompression bomb"));
            }

            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Marks write failures (disk full) so they are not mistaken for unreadable archive data.</summary>
    private sealed class WriteErrors(Stream inner, string name) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            try
            {
                inner.Write(buffer);
            }
            catch (IOException e)
            {
                throw NotWritable(name, e);
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
