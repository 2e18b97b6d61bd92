using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Cifar.Data;
using Cifar.Reproducibility;
using static TorchSharp.torch;

namespace Cifar.Models.Transfer;

/// <summary>
/// Which chunks a worker extracts first: chunks <see cref="Index"/>, Index + <see cref="Count"/>, ... (<c>run --shard i/n</c>,
/// 0-based). After its own, a worker takes any chunk nobody holds, then waits for (or takes over from a killed worker)
/// the rest, so <see cref="Count"/> workers split an extraction even without agreeing on shards.
/// </summary>
public sealed record ExtractionShard(int Index, int Count)
{
    /// <summary>One worker: every chunk in order.</summary>
    public static readonly ExtractionShard Whole = new(0, 1);

    /// <summary>Parses <c>i/n</c> (0 &lt;= i &lt; n), e.g. <c>1/4</c>.</summary>
    /// <exception cref="CifarUserException">InvalidInput, quoting the value.</exception>
    public static ExtractionShard Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            && count >= 1 && index < count)
        {
            return new ExtractionShard(index, count);
        }
        throw new CifarUserException(UserErrorKind.InvalidInput,
            $"--shard is '{text}'; expected i/n with 0 <= i < n, such as 0/2 (this worker's share of a feature extraction)");
    }

    /// <summary>Chunk indices in the order this worker tries them: its own first, then the others from its first on.</summary>
    public IEnumerable<int> Order(int chunks)
    {
        for (var c = Index; c < chunks; c += Count) yield return c;
        for (var c = 0; c < chunks; c++)
            if (c % Count != Index) yield return c;
    }
}

/// <summary>What <see cref="ChunkedTensorCache.Fill"/> found and did.</summary>
/// <param name="Chunks">Chunks of the whole cache entry.</param>
/// <param name="CachedBefore">Chunks already on disk when it started (a previous, interrupted run's, or other workers').</param>
/// <param name="ExtractedHere">Chunks this process computed.</param>
public sealed record ChunkFill(int Chunks, int CachedBefore, int ExtractedHere)
{
    /// <summary>Chunks other workers finished while this one ran.</summary>
    public int ExtractedElsewhere => Chunks - CachedBefore - ExtractedHere;
}

/// <summary>
/// Rows of a frozen computation (a base's features, the activations at a cut point) on disk in chunks of
/// <see cref="ChunkRows"/> rows, so an extraction that is killed loses at most the chunk in flight and workers sharing the
/// cache folder (also over a shared file system) extract different chunks. One folder per key:
/// <c>&lt;folder&gt;/&lt;key hash&gt;/chunk-00000.bin ...</c> and, once every chunk is there, <c>complete</c>.
/// </summary>
/// <remarks>
/// <para>Chunk format (little-endian): magic <c>CIFARCH1</c>, int32 key length, key (UTF-8), int64 first row, int32 rows,
/// int64 elements per row, int32 stored type (5 float16, 6 float32, as libtorch numbers them), the rows, then the
/// XxHash128 of the row bytes. Each chunk is written to an exclusively created temporary file and renamed into place;
/// a chunk whose header or size does not match is computed again, and the checksum is checked whenever rows are read.</para>
/// <para>Claims: a worker computes a chunk only after creating <c>chunk-NNNNN.lock</c> exclusively (host, process id
/// and start time inside); it touches the lock every <see cref="HeartbeatInterval"/> while working. A lock is stale,
/// and taken over, when its process is gone (same host) or it has not been touched for <see cref="StaleAfter"/>
/// (another host). The locks only avoid duplicate work: a chunk's bytes depend on nothing but its key and rows, and its
/// rename is atomic, so two workers that race for a chunk write the same file.</para>
/// </remarks>
public sealed class ChunkedTensorCache
{
    private static readonly byte[] Magic = "CIFARCH1"u8.ToArray();
    private const int ChecksumBytes = 16;
    private const string CompleteName = "complete";

    /// <summary>Default rows per chunk: a multiple of every extractor's batch size (16, 32), about half a minute of
    /// ResNet18 at 224x224 on two cores, so a kill costs little and two workers get many chunks to share.</summary>
    public const int DefaultChunkRows = 1024;

    /// <summary>How often a working process touches its lock.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(20);

    /// <summary>A lock of another host untouched for this long belongs to a killed worker.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(3);

    /// <summary>How often a worker with nothing left to claim checks the chunks other workers hold.</summary>
    internal static TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    private readonly byte[] _keyBytes;

    /// <param name="folder">Parent folder, e.g. the cache's <c>features/</c> or <c>activations/</c>.</param>
    /// <param name="keyText">Everything the rows depend on (see <see cref="FeatureCacheKey.Text"/>); its hash names the entry.</param>
    /// <param name="rows">Rows in all.</param>
    /// <param name="rowShape">Shape of one row, e.g. [512] features or [256, 4, 4] activations.</param>
    /// <param name="storedType">Float32, or Float16 to halve the disk and read volume (rows are read back as float32).</param>
    public ChunkedTensorCache(string folder, string keyText, long rows, IReadOnlyList<long> rowShape, ScalarType storedType, int chunkRows = DefaultChunkRows)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(keyText);
        ArgumentNullException.ThrowIfNull(rowShape);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
        if (storedType is not (ScalarType.Float32 or ScalarType.Float16))
            throw new ArgumentException($"Stored type {storedType}; expected Float32 or Float16.", nameof(storedType));
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("The chunked cache assumes a little-endian CPU.");
        KeyText = keyText;
        _keyBytes = Encoding.UTF8.GetBytes(keyText);
        Rows = rows;
        RowShape = [.. rowShape];
        RowElements = RowShape.Aggregate(1L, (a, b) => a * b);
        StoredType = storedType;
        ChunkRows = chunkRows;
        Chunks = (int)((rows + chunkRows - 1) / chunkRows);
        Folder = Path.Combine(Path.GetFullPath(folder), Hashing.Sha256Hex(keyText));
    }

    public string KeyText { get; }

    /// <summary>This entry's folder: <c>&lt;parent&gt;/&lt;SHA-256 of the key&gt;</c>.</summary>
    public string Folder { get; }

    public long Rows { get; }

    public IReadOnlyList<long> RowShape { get; }

    public long RowElements { get; }

    public ScalarType StoredType { get; }

    public int ChunkRows { get; }

    public int Chunks { get; }

    /// <summary>Bytes per stored element.</summary>
    public int ElementBytes => StoredType == ScalarType.Float16 ? 2 : 4;

    /// <summary>Bytes of all rows on disk (without headers).</summary>
    public long DataBytes => Rows * RowElements * ElementBytes;

    private int HeaderBytes => Magic.Length + 4 + _keyBytes.Length + 8 + 4 + 8 + 4;

    public long FirstRowOf(int chunk) => (long)chunk * ChunkRows;

    public int RowsOf(int chunk) => (int)Math.Min(ChunkRows, Rows - FirstRowOf(chunk));

    public string ChunkPath(int chunk) => Path.Combine(Folder, string.Create(CultureInfo.InvariantCulture, $"chunk-{chunk:D5}.bin"));

    private string LockPath(int chunk) => Path.Combine(Folder, string.Create(CultureInfo.InvariantCulture, $"chunk-{chunk:D5}.lock"));

    /// <summary>Whether every chunk was written (the <c>complete</c> marker, written after the last chunk).</summary>
    public bool IsComplete => File.Exists(Path.Combine(Folder, CompleteName)) && Enumerable.Range(0, Chunks).All(HasChunk);

    /// <summary>Whether chunk <paramref name="chunk"/> is on disk with this key and the expected size (the checksum is
    /// checked when its rows are read).</summary>
    public bool HasChunk(int chunk)
    {
        var path = ChunkPath(chunk);
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists || info.Length != HeaderBytes + (long)RowsOf(chunk) * RowElements * ElementBytes + ChecksumBytes) return false;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 4096);
            var header = new byte[HeaderBytes];
            stream.ReadExactly(header);
            return header.AsSpan().SequenceEqual(Header(chunk));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Computes every chunk that is missing, in <paramref name="shard"/>'s order, claiming each under its lock, and
    /// returns when all are on disk (those other workers hold included). Cancelling loses at most the chunk in flight.
    /// </summary>
    /// <param name="compute">Rows [first, first + count) as a float32 tensor [count, ...RowShape], owned by the callee's
    /// caller (disposed here after writing).</param>
    /// <exception cref="CifarUserException">The folder cannot be created or a chunk cannot be written.</exception>
    /// <param name="starting">Called once before any work with the chunks already on disk and the rows still missing.</param>
    public ChunkFill Fill(
        Func<long, int, Tensor> compute, ExtractionShard? shard = null, Action<int, long>? starting = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(compute);
        shard ??= ExtractionShard.Whole;
        if (IsComplete)
        {
            starting?.Invoke(Chunks, 0);
            return new ChunkFill(Chunks, Chunks, 0);
        }
        try
        {
            Directory.CreateDirectory(Folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CifarUserException(UserErrorKind.Other, $"cache folder '{Folder}' cannot be created: {e.Message}", e);
        }
        LeftoverTempFiles.Remove(Folder, ".*.tmp");
        var missing = new SortedSet<int>(Enumerable.Range(0, Chunks).Where(c => !HasChunk(c)));
        var cachedBefore = Chunks - missing.Count;
        starting?.Invoke(cachedBefore, missing.Sum(c => (long)RowsOf(c)));
        var extracted = 0;
        while (missing.Count > 0)
        {
            var progressed = false;
            foreach (var chunk in shard.Order(Chunks).Where(missing.Contains).ToList())
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (HasChunk(chunk))
                {
                    missing.Remove(chunk);
                    progressed = true;
                    continue;
                }
                using var claim = TryClaim(chunk);
                if (claim is null) continue;
                if (!HasChunk(chunk)) // finished by another worker between the check and the claim
                {
                    using (var rows = compute(FirstRowOf(chunk), RowsOf(chunk))) WriteChunk(chunk, rows);
                    extracted++;
                }
                missing.Remove(chunk);
                progressed = true;
            }
            if (missing.Count > 0 && !progressed) WaitForOthers(cancellationToken);
        }
        MarkComplete();
        return new ChunkFill(Chunks, cachedBefore, extracted);
    }

    private static void WaitForOthers(CancellationToken cancellationToken)
    {
        if (cancellationToken.WaitHandle.WaitOne(PollInterval)) cancellationToken.ThrowIfCancellationRequested();
    }

    private void MarkComplete()
    {
        var path = Path.Combine(Folder, CompleteName);
        if (File.Exists(path)) return;
        WriteAtomically(path, stream => stream.Write(Encoding.UTF8.GetBytes(KeyText + "\n")));
    }

    /// <summary>All rows as one float32 tensor [Rows, ...RowShape] (for features, small enough to hold); every chunk's
    /// checksum is checked.</summary>
    /// <exception cref="InvalidDataException">A chunk is missing or changed on disk since it was written.</exception>
    public Tensor LoadAll()
    {
        var result = empty([Rows, .. RowShape], ScalarType.Float32);
        try
        {
            using var flat = result.view(Rows, RowElements);
            for (var chunk = 0; chunk < Chunks; chunk++)
            {
                using var scope = NewDisposeScope();
                flat.narrow(0, FirstRowOf(chunk), RowsOf(chunk)).copy_(ReadChunk(chunk));
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>Every chunk read once with its checksum checked, without keeping it.</summary>
    /// <exception cref="InvalidDataException">A chunk is missing or changed on disk since it was written.</exception>
    public void Verify()
    {
        for (var chunk = 0; chunk < Chunks; chunk++)
        {
            using var scope = NewDisposeScope();
            ReadChunk(chunk);
        }
    }

    /// <summary>One chunk's rows as stored ([rows, RowElements], Float16 or Float32), checksum checked.</summary>
    private Tensor ReadChunk(int chunk)
    {
        var rows = RowsOf(chunk);
        var path = ChunkPath(chunk);
        if (!HasChunk(chunk)) throw new InvalidDataException($"'{path}' is missing or not a chunk of this cache entry.");
        var tensor = empty(rows, RowElements, StoredType);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 1 << 20);
        stream.Seek(HeaderBytes, SeekOrigin.Begin);
        var checksum = new XxHash128();
        if (StoredType == ScalarType.Float16) RawTensorData.Read<Half>(stream, tensor, rows * RowElements, checksum);
        else RawTensorData.Read<float>(stream, tensor, rows * RowElements, checksum);
        var stored = new byte[ChecksumBytes];
        stream.ReadExactly(stored);
        if (!stored.AsSpan().SequenceEqual(checksum.GetCurrentHash()))
        {
            tensor.Dispose();
            throw new InvalidDataException($"'{path}' changed on disk since it was written (checksum mismatch).");
        }
        return tensor;
    }

    /// <summary>
    /// A reader of single rows from the chunk files, by positioned reads: what training reads per batch, so memory holds
    /// one batch, never the cache (a memory map would be as fast, but every page it touched would count as resident; the
    /// operating system's page cache keeps the files in memory when there is room, without counting against the run).
    /// Call <see cref="Verify"/> first to check the checksums.
    /// </summary>
    /// <exception cref="InvalidDataException">The entry is not complete.</exception>
    public ChunkRowReader OpenReader()
    {
        if (!IsComplete) throw new InvalidDataException($"'{Folder}' is not complete.");
        return new ChunkRowReader(this, HeaderBytes);
    }

    /// <summary>Deletes a corrupt chunk and the completion marker, so the next <see cref="Fill"/> computes it again.</summary>
    public void Invalidate()
    {
        try
        {
            File.Delete(Path.Combine(Folder, CompleteName));
            for (var chunk = 0; chunk < Chunks; chunk++)
            {
                try
                {
                    using var scope = NewDisposeScope();
                    ReadChunk(chunk);
                }
                catch (InvalidDataException)
                {
                    File.Delete(ChunkPath(chunk));
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the next Fill finds what it finds.
        }
    }

    private byte[] Header(int chunk)
    {
        var header = new byte[HeaderBytes];
        var span = header.AsSpan();
        Magic.CopyTo(span);
        span = span[Magic.Length..];
        BinaryPrimitives.WriteInt32LittleEndian(span, _keyBytes.Length);
        _keyBytes.CopyTo(span[4..]);
        span = span[(4 + _keyBytes.Length)..];
        BinaryPrimitives.WriteInt64LittleEndian(span, FirstRowOf(chunk));
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], RowsOf(chunk));
        BinaryPrimitives.WriteInt64LittleEndian(span[12..], RowElements);
        BinaryPrimitives.WriteInt32LittleEndian(span[20..], (int)StoredType);
        return header;
    }

    private void WriteChunk(int chunk, Tensor rows)
    {
        if (rows.shape[0] != RowsOf(chunk) || rows.numel() != RowsOf(chunk) * RowElements)
            throw new InvalidOperationException($"Chunk {chunk}: computed [{string.Join(", ", rows.shape)}], expected {RowsOf(chunk)} rows of {RowElements} elements.");
        using var scope = NewDisposeScope();
        var stored = rows.to_type(StoredType).contiguous();
        WriteAtomically(ChunkPath(chunk), stream =>
        {
            stream.Write(Header(chunk));
            var checksum = new XxHash128();
            if (StoredType == ScalarType.Float16) RawTensorData.Write<Half>(stream, stored, checksum);
            else RawTensorData.Write<float>(stream, stored, checksum);
            stream.Write(checksum.GetCurrentHash());
        });
    }

    private void WriteAtomically(string final, Action<Stream> write)
    {
        var temp = Path.Combine(Folder, $".{Path.GetFileName(final)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, final, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CifarUserException(UserErrorKind.Other, $"cache file '{final}' cannot be written: {e.Message}", e);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>This process's claim on a chunk, or null if a live worker holds it.</summary>
    private ChunkClaim? TryClaim(int chunk)
    {
        var path = LockPath(chunk);
        for (var attempt = 0; attempt < 2; attempt++)
        {
            try
            {
                using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete))
                    stream.Write(Encoding.UTF8.GetBytes(LockHolder.Current.Text));
                return new ChunkClaim(path);
            }
            catch (IOException) when (File.Exists(path))
            {
                if (!IsStale(path)) return null;
                try
                {
                    File.Delete(path); // a killed worker's: take it over (a rare race only duplicates work)
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    return null;
                }
            }
            catch (IOException)
            {
                // Deleted between the attempt and the check: try again.
            }
        }
        return null;
    }

    private static bool IsStale(string lockPath)
    {
        try
        {
            var text = File.ReadAllText(lockPath);
            var holder = LockHolder.Parse(text);
            if (holder is not null && holder.Host == LockHolder.Current.Host) return !holder.IsAlive();
            return DateTime.UtcNow - File.GetLastWriteTimeUtc(lockPath) > StaleAfter;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false; // gone or unreadable: let the next attempt see
        }
    }

    /// <summary>A held lock file, touched every <see cref="HeartbeatInterval"/> until disposed, then deleted.</summary>
    private sealed class ChunkClaim : IDisposable
    {
        private readonly string _path;
        private readonly Timer _heartbeat;

        public ChunkClaim(string path)
        {
            _path = path;
            _heartbeat = new Timer(_ => Touch(), null, HeartbeatInterval, HeartbeatInterval);
        }

        private void Touch()
        {
            try
            {
                File.SetLastWriteTimeUtc(_path, DateTime.UtcNow);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Taken over or removed: the chunk's write stays atomic either way.
            }
        }

        public void Dispose()
        {
            _heartbeat.Dispose();
            try
            {
                File.Delete(_path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left for the stale-lock rule.
            }
        }
    }

    /// <summary>Who holds a lock: host name, process id and the process's start time (a reused id is not the holder).</summary>
    private sealed record LockHolder(string Host, int ProcessId, long StartTicks)
    {
        public static readonly LockHolder Current = Create();

        private static LockHolder Create()
        {
            using var self = Process.GetCurrentProcess();
            return new LockHolder(Environment.MachineName, self.Id, self.StartTime.ToUniversalTime().Ticks);
        }

        public string Text => string.Create(CultureInfo.InvariantCulture, $"{Host}\n{ProcessId}\n{StartTicks}\n");

        public static LockHolder? Parse(string text)
        {
            var lines = text.Split('\n');
            return lines.Length >= 3
                   && int.TryParse(lines[1], NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                   && long.TryParse(lines[2], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                ? new LockHolder(lines[0], pid, ticks)
                : null;
        }

        public bool IsAlive()
        {
            try
            {
                using var process = Process.GetProcessById(ProcessId);
                return !process.HasExited && process.StartTime.ToUniversalTime().Ticks == StartTicks;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }
    }
}

/// <summary>Rows of a complete <see cref="ChunkedTensorCache"/> entry read back by positioned reads, as float32.</summary>
public sealed class ChunkRowReader : IDisposable
{
    private readonly ChunkedTensorCache _cache;
    private readonly long _headerBytes;
    private readonly Microsoft.Win32.SafeHandles.SafeFileHandle[] _files;
    private readonly long _rowBytes;
    private byte[] _buffer = [];

    internal ChunkRowReader(ChunkedTensorCache cache, long headerBytes)
    {
        _cache = cache;
        _headerBytes = headerBytes;
        _rowBytes = cache.RowElements * cache.ElementBytes;
        _files = new Microsoft.Win32.SafeHandles.SafeFileHandle[cache.Chunks];
        try
        {
            for (var chunk = 0; chunk < cache.Chunks; chunk++)
                _files[chunk] = File.OpenHandle(cache.ChunkPath(chunk), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public long Count => _cache.Rows;

    /// <summary>The rows at <paramref name="rows"/>, in that order: float32 [k, ...RowShape], in the current dispose scope.</summary>
    public Tensor Read(ReadOnlySpan<long> rows)
    {
        var bytes = rows.Length * _rowBytes;
        if (_buffer.Length < bytes) _buffer = new byte[bytes];
        for (var i = 0; i < rows.Length; i++)
        {
            var row = rows[i];
            if (row < 0 || row >= _cache.Rows) throw new ArgumentOutOfRangeException(nameof(rows), $"Row {row} of {_cache.Rows}.");
            var chunk = (int)(row / _cache.ChunkRows);
            var offset = _headerBytes + (row - _cache.FirstRowOf(chunk)) * _rowBytes;
            var target = _buffer.AsSpan((int)(i * _rowBytes), (int)_rowBytes);
            if (RandomAccess.Read(_files[chunk], target, offset) != target.Length)
                throw new InvalidDataException($"'{_cache.ChunkPath(chunk)}' ended before row {row}.");
        }
        using var scope = NewDisposeScope();
        var stored = empty(rows.Length, _cache.RowElements, _cache.StoredType);
        if (_cache.StoredType == ScalarType.Float16)
            stored.data<Half>().CopyFrom(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, Half>(_buffer.AsSpan(0, (int)bytes)), 0, 0);
        else
            stored.data<float>().CopyFrom(System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(_buffer.AsSpan(0, (int)bytes)), 0, 0);
        return stored.to_type(ScalarType.Float32).view([rows.Length, .. _cache.RowShape]).MoveToOuterDisposeScope();
    }

    /// <summary>Rows [start, start + count) as float32 [count, ...RowShape].</summary>
    public Tensor ReadRange(long start, long count)
    {
        var rows = new long[count];
        for (var i = 0; i < count; i++) rows[i] = start + i;
        return Read(rows);
    }

    public void Dispose()
    {
        foreach (var file in _files) file?.Dispose();
    }
}
