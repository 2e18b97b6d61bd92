using System.Globalization;
using System.Text;
using Cifar.Reproducibility;
using Cifar.Specs;

namespace Cifar.Data;

/// <summary>The CIFAR-10 batch files on disk, verified, and where they came from.</summary>
/// <param name="Folder">The cache folder holding the six <c>.bin</c> batches (and <c>batches.meta.txt</c>).</param>
/// <param name="Source">The resolved source (URL or local path) this run would download from, credentials hidden (<see cref="UrlRedaction"/>).</param>
/// <param name="ContentHash">SHA-256 of the six batch MD5s in file order (see <see cref="Cifar10Download.ContentHashOf"/>):
/// identical for every byte-identical copy of the dataset, whatever archive or mirror it came in.</param>
/// <param name="Classes">The ten class names, label order.</param>
/// <param name="FromCache">False if this run downloaded (or extracted) it; true if it was in the cache already.</param>
/// <param name="RecordsPerBatch">Records in each batch file (10,000; fewer in tests).</param>
/// <param name="Checksums">XxHash128 (hex) of each batch file as verified against the MD5 list, by file name;
/// <see cref="Cifar10Dataset.Load"/> checks the bytes it reads against them. Null only for files not meant to be loaded.</param>
public sealed record Cifar10Files(
    string Folder,
    string Source,
    string ContentHash,
    IReadOnlyList<string> Classes,
    bool FromCache,
    int RecordsPerBatch = Cifar10Download.RecordsPerBatchFile,
    IReadOnlyDictionary<string, string>? Checksums = null);

/// <summary>
/// Downloads, extracts and verifies the CIFAR-10 binary version (https://www.cs.toronto.edu/~kriz/cifar.html) into
/// the artifact cache. The archive itself is not checked, only the six batch files inside it (against the official
/// MD5 sums and the record size), so a repackaged mirror with identical batches is accepted.
/// </summary>
public sealed class Cifar10Download
{
    /// <summary>The dataset authors' own link to the binary version (162 MiB).</summary>
    public const string OfficialUrl = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";

    /// <summary>Overrides <see cref="OfficialUrl"/> (a mirror URL or a local .tar.gz) when the spec has no <c>data.url</c>.</summary>
    public const string UrlEnvironmentVariable = "CIFAR10_URL";

    /// <summary>The cache entry (a folder below the cache root), named like the folder inside the official archive.</summary>
    public const string CacheEntry = "cifar-10-batches-bin";

    /// <summary>Records per batch file: 1 label byte + 1024 red + 1024 green + 1024 blue bytes (32x32, row-major).</summary>
    public const int RecordsPerBatchFile = 10_000;

    public const int RecordBytes = 1 + ImageBytes;

    public const int ImageBytes = 3 * 32 * 32;

    /// <summary>The training batches in order, then the test batch.</summary>
    public static IReadOnlyList<string> TrainFiles { get; } =
        ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];

    public const string TestFile = "test_batch.bin";

    public const string MetaFile = "batches.meta.txt";

    /// <summary>
    /// Kept in the cache entry: the XxHash128 of each batch, taken right after the MD5 check. Every load compares the
    /// bytes it reads with it, so a cached batch that changed (same size, other bytes) is caught at almost no cost
    /// instead of being reported under the canonical dataset hash.
    /// </summary>
    public const string ChecksumFile = "checksums.xxh128";

    /// <summary>The official archive's readme, kept if present.</summary>
    public const string ReadmeFile = "readme.html";

    /// <summary>MD5 of each batch file as published with the dataset (checked against cifar-10-binary.tar.gz).</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> OfficialMd5s { get; } =
    [
        new("data_batch_1.bin", "5dd7e06a14cb22eb9f671a540d1b7c25"),
        new("data_batch_2.bin", "5ea93a67294ea407fff1d09f752e9692"),
        new("data_batch_3.bin", "942cd6a4bcdd0dd3c604fbe906cb4421"),
        new("data_batch_4.bin", "ae636b3ba5c66a11e91e8cb52e771fcb"),
        new("data_batch_5.bin", "53f37980c15c3d472c316c40844f3f0d"),
        new("test_batch.bin", "803d5f7f4d78ea53de84dbe85f74fb6d"),
    ];

    /// <summary>Label order of batches.meta.txt, used if an archive lacks that file.</summary>
    public static IReadOnlyList<string> StandardClasses { get; } =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    private readonly IReadOnlyList<KeyValuePair<string, string>> _md5s;
    private readonly int _recordsPerBatch;

    public Cifar10Download() : this(OfficialMd5s, RecordsPerBatchFile)
    {
    }

    /// <summary>For tests: generated archives with their own sums and fewer records per batch.</summary>
    internal Cifar10Download(IReadOnlyList<KeyValuePair<string, string>> md5s, int recordsPerBatch)
    {
        var expectedNames = TrainFiles.Append(TestFile);
        if (!md5s.Select(p => p.Key).SequenceEqual(expectedNames))
            throw new ArgumentException("MD5 list must name the five training batches then the test batch, in order.", nameof(md5s));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(recordsPerBatch);
        _md5s = md5s;
        _recordsPerBatch = recordsPerBatch;
    }

    /// <summary>SHA-256 of the lines "&lt;md5&gt;  &lt;file&gt;\n" (md5sum's format) for the six batches in order.</summary>
    public string ContentHash => ContentHashOf(_md5s);

    /// <summary>The dataset source: <paramref name="specUrl"/> (<c>data.url</c>) &gt; <c>CIFAR10_URL</c> &gt; the official URL.</summary>
    public static string ResolveSource(string? specUrl) => ResolveSource(specUrl, Environment.GetEnvironmentVariable);

    internal static string ResolveSource(string? specUrl, Func<string, string?> environment)
    {
        if (!string.IsNullOrWhiteSpace(specUrl)) return specUrl.Trim();
        if (environment(UrlEnvironmentVariable) is { } fromEnvironment && !string.IsNullOrWhiteSpace(fromEnvironment))
            return fromEnvironment.Trim();
        return OfficialUrl;
    }

    public static string ContentHashOf(IEnumerable<KeyValuePair<string, string>> md5s)
    {
        var text = new StringBuilder();
        foreach (var (file, md5) in md5s) text.Append(CultureInfo.InvariantCulture, $"{md5.ToLowerInvariant()}  {file}\n");
        return Hashing.Sha256Hex(text.ToString());
    }

    /// <summary>
    /// The verified batch files for <paramref name="spec"/>: from the cache if present (no network), else downloaded
    /// from <see cref="ResolveSource(string?)"/> into the cache at <see cref="CacheLocation.Resolve(string?)"/>.
    /// </summary>
    /// <param name="cacheDirOption">The CLI's <c>--cache-dir</c>, or null.</param>
    /// <exception cref="CifarUserException">Kind Download: the source could not be fetched or its batches are wrong.</exception>
    public Task<Cifar10Files> EnsureAsync(
        DataSpec spec, string? cacheDirOption, IDownloadProgress? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return EnsureAsync(new ArtifactCache(CacheLocation.Resolve(cacheDirOption)), ResolveSource(spec.Url), progress, cancellationToken);
    }

    /// <summary>As above, with an explicit cache and source (an http(s) URL, <c>file://</c> URL or local path).</summary>
    public async Task<Cifar10Files> EnsureAsync(
        ArtifactCache cache, string source, IDownloadProgress? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var fetched = false; // set only if this run fetched it: another run may install it while we wait for the lock
        var folder = await cache.GetDirectoryAsync(
            source, CacheEntry, (archive, staging) => { fetched = true; Unpack(archive, staging, cancellationToken); }, progress, cancellationToken)
            .ConfigureAwait(false);
        IReadOnlyList<string> classes;
        try
        {
            classes = ReadClasses(folder) ?? StandardClasses;
        }
        catch (InvalidDataException e)
        {
            throw new CifarUserException(UserErrorKind.Download, $"{Path.Combine(folder, MetaFile)}: {e.Message}", e);
        }

        var checksums = ReadChecksums(folder) ?? VerifyCachedCopy(folder);
        return new Cifar10Files(folder, UrlRedaction.Redact(source), ContentHash, classes, !fetched, _recordsPerBatch, checksums);
    }

    /// <summary>
    /// For an entry without (or with a damaged) checksum file, such as one installed by an older version: checks the
    /// batches against the MD5 list once (about 0.4 s), then keeps their checksums for the next runs.
    /// </summary>
    private Dictionary<string, string> VerifyCachedCopy(string folder)
    {
        Dictionary<string, string> checksums;
        try
        {
            Verify(folder);
            checksums = ComputeChecksums(folder);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw new CifarUserException(UserErrorKind.Download,
                $"{folder}: {e.Message}; the cached dataset was modified: delete {folder} to download it again", e);
        }

        try
        {
            WriteChecksums(folder, checksums);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A read-only cache still works; it is verified with MD5 again on the next run.
        }

        return checksums;
    }

    private Dictionary<string, string> ComputeChecksums(string folder) =>
        _md5s.ToDictionary(p => p.Key, p => FileHashes.XxHash128Hex(Path.Combine(folder, p.Key)), StringComparer.Ordinal);

    /// <summary>Writes <see cref="ChecksumFile"/> ("&lt;xxh128&gt;  &lt;file&gt;" lines) through an exclusive temporary file and one rename.</summary>
    private static void WriteChecksums(string folder, IReadOnlyDictionary<string, string> checksums)
    {
        var final = Path.Combine(folder, ChecksumFile);
        var temp = Path.Combine(folder, $".{ChecksumFile}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            using (var writer = new StreamWriter(stream, new UTF8Encoding(false)))
            {
                foreach (var (name, hash) in checksums) writer.Write($"{hash}  {name}\n");
            }

            File.Move(temp, final, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The checksums of <see cref="ChecksumFile"/>, or null if it is missing or does not list every batch.</summary>
    private Dictionary<string, string>? ReadChecksums(string folder)
    {
        var path = Path.Combine(folder, ChecksumFile);
        if (!File.Exists(path)) return null;
        var checksums = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split("  ", 2);
            if (parts.Length == 2 && parts[0].Length == 32) checksums[parts[1]] = parts[0];
        }

        return _md5s.All(p => checksums.ContainsKey(p.Key)) ? checksums : null;
    }

    /// <summary>The most a class-names or readme file may take (the official ones have 60 and 88 bytes).</summary>
    internal const long SmallFileMaxBytes = 64 * 1024;

    /// <summary>
    /// What the archive may hold: the six batches at exactly their record size, batches.meta.txt and readme.html, and
    /// nothing else written; with the official sizes, the whole archive may unpack to 185 MB (184,380,000 bytes of
    /// batches and headers), so a gzip bomb stops there.
    /// </summary>
    internal ArchiveAllowance Allowance
    {
        get
        {
            long batchBytes = (long)_recordsPerBatch * RecordBytes;
            var sizes = TrainFiles.Append(TestFile).ToDictionary(name => name, _ => batchBytes, StringComparer.Ordinal);
            sizes[MetaFile] = SmallFileMaxBytes;
            sizes[ReadmeFile] = SmallFileMaxBytes;
            return ArchiveAllowance.For(sizes);
        }
    }

    /// <summary>Extracts the batch files (flattened) and checks them; the cache's unpack step.</summary>
    private void Unpack(string archive, string staging, CancellationToken cancellationToken)
    {
        // The official archive has everything in cifar-10-batches-bin/; a mirror may put the files at the top.
        SafeArchive.Extract(archive, staging, Allowance, cancellationToken);
        if (!File.Exists(Path.Combine(staging, TrainFiles[0])))
        {
            throw new InvalidDataException(
                $"archive has no {TrainFiles[0]} at its top or one folder down; expected the CIFAR-10 binary version (cifar-10-binary.tar.gz)");
        }

        Verify(staging, cancellationToken);
        _ = ReadClasses(staging);
        WriteChecksums(staging, ComputeChecksums(staging));
    }

    private void Verify(string folder, CancellationToken cancellationToken = default)
    {
        long expectedSize = (long)_recordsPerBatch * RecordBytes;
        foreach (var (name, expectedMd5) in _md5s)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var file = Path.Combine(folder, name);
            if (!File.Exists(file)) throw new InvalidDataException($"archive has no {name}");
            var size = new FileInfo(file).Length;
            if (size != expectedSize)
                throw new InvalidDataException(FormattableString.Invariant($"{name} is {size} bytes, expected {expectedSize}"));
            var md5 = FileHashes.Md5(file);
            if (!string.Equals(md5, expectedMd5, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"{name} md5 is {md5}, expected {expectedMd5.ToLowerInvariant()}");
        }
    }

    /// <summary>The ten names in batches.meta.txt, or null if the file is absent.</summary>
    private static string[]? ReadClasses(string folder)
    {
        var meta = Path.Combine(folder, MetaFile);
        if (!File.Exists(meta)) return null;
        var names = File.ReadAllLines(meta).Select(line => line.Trim()).Where(line => line.Length > 0).ToArray();
        return names.Length == StandardClasses.Count
            ? names
            : throw new InvalidDataException(FormattableString.Invariant(
                $"{MetaFile} lists {names.Length} class names, expected {StandardClasses.Count}"));
    }
}
