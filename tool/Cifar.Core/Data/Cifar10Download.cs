using System.Globalization;
using System.Text;
using Cifar.Specs;
using Cifar.Reproducibility;

namespace Cifar.Data;

/// <summary>The CIFAR-10 batch files on disk, verified, and where they came from.</summary>
/// <param name="Folder">The cache folder holding the six <c>.bin</c> batches (and <c>batches.meta.txt</c>).</param>
/// <param name="Source">The resolved source (URL or local path) this run would download from, user info removed.</param>
/// <param name="ContentHash">SHA-256 of the six batch MD5s in file order (see <see cref="Cifar10Download.ContentHashOf"/>):
/// identical for every byte-identical copy of the dataset, whatever archive or mirror it came in.</param>
/// <param name="Classes">The ten class names, label order.</param>
/// <param name="FromCache">False if this run downloaded (or extracted) it; true if it was in the cache already.</param>
public sealed record Cifar10Files(
    string Folder,
    string Source,
    string ContentHash,
    IReadOnlyList<string> Classes,
    bool FromCache,
    int RecordsPerBatch = Cifar10Download.RecordsPerBatchFile);

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

        return new Cifar10Files(folder, ArtifactCache.WithoutUserInfo(source), ContentHash, classes, !fetched, _recordsPerBatch);
    }

    /// <summary>Extracts the archive, keeps the batch files (flattened), and checks them; the cache's unpack step.</summary>
    private void Unpack(string archive, string staging, CancellationToken cancellationToken)
    {
        var extracted = Path.Combine(staging, ".extracted");
        SafeArchive.Extract(archive, extracted, cancellationToken);

        // The official archive has everything in cifar-10-batches-bin/; a mirror may put the files at the top.
        var data = new[] { extracted }.Concat(Directory.EnumerateDirectories(extracted))
            .FirstOrDefault(dir => File.Exists(Path.Combine(dir, TrainFiles[0])))
            ?? throw new InvalidDataException(
                $"archive has no {TrainFiles[0]} at its top or one folder down; expected the CIFAR-10 binary version (cifar-10-binary.tar.gz)");

        foreach (var name in TrainFiles.Append(TestFile).Append(MetaFile).Append("readme.html"))
        {
            var file = Path.Combine(data, name);
            if (File.Exists(file)) File.Move(file, Path.Combine(staging, name));
        }

        Directory.Delete(extracted, recursive: true);
        Verify(staging, cancellationToken);
        _ = ReadClasses(staging);
    }

    private void Verify(string folder, CancellationToken cancellationToken)
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
