using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Cifar.Data;
using Cifar.Reproducibility;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Models.Transfer;

/// <summary>Exactly which images: the dataset's content hash, the split, and the ordered indices into it.</summary>
/// <param name="DatasetSha256">Content hash of the dataset files the images come from.</param>
/// <param name="Split">e.g. <c>train</c>, <c>validation</c>, <c>test</c> (part of the key, and of progress messages).</param>
/// <param name="Indices">The images, in order, as indices into the split's source (the 50,000 training or 10,000 test images).</param>
public sealed record ImageSubset(string DatasetSha256, string Split, IReadOnlyList<int> Indices)
{
    /// <summary>SHA-256 of the indices as little-endian int32s, so any change of subset or order changes the key.</summary>
    public string IndicesSha256
    {
        get
        {
            var bytes = new byte[Indices.Count * 4];
            for (var i = 0; i < Indices.Count; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), Indices[i]);
            return Hashing.Sha256Hex(bytes);
        }
    }

    /// <summary>The images of a prepared split, e.g. <c>ImageSubset.Of(data.Train, "train", files.ContentHash)</c>.</summary>
    public static ImageSubset Of(Split split, string name, string datasetContentHash)
    {
        ArgumentNullException.ThrowIfNull(split);
        return new ImageSubset(datasetContentHash, name, split.SourceIndices);
    }
}

/// <summary>
/// What cached features depend on: the extractor's identity (engine, base, weights, image size), how the input images
/// were normalised, and exactly which images.
/// </summary>
public sealed record FeatureCacheKey(string ExtractorIdentity, ChannelNormalization InputNormalization, ImageSubset Subset)
{
    /// <summary>The key as text (stored in the file header and compared on load).</summary>
    public string Text => string.Create(CultureInfo.InvariantCulture,
        $"{ExtractorIdentity}\ninput:{Describe(InputNormalization)}\ndataset:{Subset.DatasetSha256}\nsplit:{Subset.Split}\nimages:{Subset.Indices.Count}:{Subset.IndicesSha256}");

    /// <summary>A normalisation by value (name, channel order, scale, means, stds), e.g. for keys and reports.</summary>
    public static string Describe(ChannelNormalization normalization)
    {
        ArgumentNullException.ThrowIfNull(normalization);
        static string List(IEnumerable<double> values) => string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
        return string.Create(CultureInfo.InvariantCulture,
            $"{normalization.Name} {(normalization.Bgr ? "bgr" : "rgb")} x{normalization.Scale:R} mean({List(normalization.Mean)}) std({List(normalization.Std)})");
    }

    /// <summary>SHA-256 of <see cref="Text"/>: the cache file's name.</summary>
    public string Hash => Hashing.Sha256Hex(Text);
}

/// <summary>
/// Features of a frozen base on disk, one file per (extractor, image subset): <c>&lt;folder&gt;/&lt;key hash&gt;.features</c>.
/// Format (little-endian): magic <c>CIFARFT2</c>, int32 key length, key text (UTF-8), int64 rows, int32 columns,
/// rows x columns float32, then the XxHash128 of those float bytes (16 bytes). Written to an exclusively created
/// temporary file in the same folder and renamed into place, so a reader sees a whole file or none; a file that does
/// not match its key, size or checksum exactly is ignored (and replaced on save). The checksum is checked on every
/// load (xxHash runs at memory speed, small beside reading the 123 MB of 60,000 ResNet18 features), so features that changed on disk are
/// extracted again rather than trained on.
/// </summary>
/// <remarks>Files of the first format (<c>CIFARFT1</c>, no checksum) are loaded once and rewritten with one.</remarks>
public sealed class FeatureCache
{
    private static readonly byte[] Magic = "CIFARFT2"u8.ToArray();

    /// <summary>The first format: the same without the checksum.</summary>
    private static readonly byte[] MagicWithoutChecksum = "CIFARFT1"u8.ToArray();

    private const int ChecksumBytes = 16;

    /// <param name="folder">Created on first save; e.g. the download cache's <c>features/</c> subfolder.</param>
    public FeatureCache(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("The feature cache assumes a little-endian CPU.");
        Folder = Path.GetFullPath(folder);
    }

    public string Folder { get; }

    public string PathOf(FeatureCacheKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Path.Combine(Folder, key.Hash + ".features");
    }

    /// <summary>The cached features [rows, columns], or null if absent, for another key, or not complete.</summary>
    /// <exception cref="CifarUserException">A file sits where the cache folder goes: reported now, before an extraction
    /// that may take half an hour, rather than when its result cannot be saved.</exception>
    public Tensor? TryLoad(FeatureCacheKey key, long rows, int columns)
    {
        if (File.Exists(Folder))
            throw new CifarUserException(UserErrorKind.Other, $"feature cache folder '{Folder}' is a file, expected a folder or nothing; delete it");
        LeftoverTempFiles.Remove(Folder, ".*.features.*.tmp");
        var path = PathOf(key);
        if (!File.Exists(path)) return null;
        var keyBytes = Encoding.UTF8.GetBytes(key.Text);
        Tensor? loaded = null;
        var migrate = false;
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            var headerLength = Magic.Length + 4 + keyBytes.Length + 8 + 4;
            var header = new byte[headerLength];
            if (stream.Length < headerLength) return null;
            stream.ReadExactly(header);
            var span = header.AsSpan();
            migrate = span[..Magic.Length].SequenceEqual(MagicWithoutChecksum);
            if (!migrate && !span[..Magic.Length].SequenceEqual(Magic)) return null;
            if (stream.Length != headerLength + rows * columns * 4L + (migrate ? 0 : ChecksumBytes)) return null;
            span = span[Magic.Length..];
            if (BinaryPrimitives.ReadInt32LittleEndian(span) != keyBytes.Length) return null;
            if (!span.Slice(4, keyBytes.Length).SequenceEqual(keyBytes)) return null;
            span = span[(4 + keyBytes.Length)..];
            if (BinaryPrimitives.ReadInt64LittleEndian(span) != rows || BinaryPrimitives.ReadInt32LittleEndian(span[8..]) != columns) return null;

            var features = empty(rows, columns, ScalarType.Float32);
            try
            {
                var checksum = new XxHash128();
                RawTensorData.Read<float>(stream, features, rows * columns, checksum);
                if (!migrate)
                {
                    var stored = new byte[ChecksumBytes];
                    stream.ReadExactly(stored);
                    if (!stored.AsSpan().SequenceEqual(checksum.GetCurrentHash()))
                    {
                        features.Dispose();
                        return null; // changed on disk since it was written: extract again
                    }
                }

                loaded = features;
            }
            catch
            {
                features.Dispose();
                throw;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null; // unreadable or truncated while reading: extract again
        }

        if (migrate) TryRewrite(key, loaded);
        return loaded;
    }

    /// <summary>Rewrites a first-format file with its checksum; if that fails, it is simply used unchecked again next time.</summary>
    private void TryRewrite(FeatureCacheKey key, Tensor features)
    {
        try
        {
            Save(key, features);
        }
        catch (CifarUserException)
        {
            // Best effort: the cache folder may be read-only.
        }
    }

    /// <summary>Writes <paramref name="features"/> [rows, columns] for <paramref name="key"/>, replacing any older file.</summary>
    public void Save(FeatureCacheKey key, Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() != 2 || features.dtype != ScalarType.Float32)
            throw new ArgumentException("Features must be a float32 [rows, columns] tensor.", nameof(features));
        var final = PathOf(key);
        try
        {
            Directory.CreateDirectory(Folder);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CifarUserException(UserErrorKind.Other, $"feature cache folder '{Folder}' cannot be created: {e.Message}", e);
        }
        var temp = Path.Combine(Folder, $".{Path.GetFileName(final)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                var keyBytes = Encoding.UTF8.GetBytes(key.Text);
                var rows = features.shape[0];
                var columns = (int)features.shape[1];
                var header = new byte[Magic.Length + 4 + keyBytes.Length + 8 + 4];
                Magic.CopyTo(header, 0);
                BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(Magic.Length), keyBytes.Length);
                keyBytes.CopyTo(header, Magic.Length + 4);
                BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(Magic.Length + 4 + keyBytes.Length), rows);
                BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(Magic.Length + 4 + keyBytes.Length + 8), columns);
                stream.Write(header);

                using var contiguous = features.contiguous();
                var checksum = new XxHash128();
                RawTensorData.Write<float>(stream, contiguous, checksum);
                stream.Write(checksum.GetCurrentHash());
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, final, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CifarUserException(UserErrorKind.Other, $"feature cache file '{final}' cannot be written: {e.Message}", e);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
