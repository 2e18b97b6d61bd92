using System.IO.Hashing;
using System.Security.Cryptography;
using Cifar.Reproducibility;

namespace Cifar.Data;

/// <summary>
/// MD5 of the CIFAR-10 batches, and ready-made verify callbacks for <see cref="ArtifactCache"/>. SHA-256 itself is
/// <see cref="Hashing"/>'s.
/// </summary>
public static class FileHashes
{
    /// <summary>MD5, only to compare with checksums published as MD5 (CIFAR-10's); not for anything security-related.</summary>
#pragma warning disable CA5351 // The CIFAR-10 authors publish MD5 sums; we compare against them, we do not rely on MD5 for security.
    public static string Md5(string path)
    {
        using var stream = Hashing.OpenSequential(path);
        return Convert.ToHexStringLower(MD5.HashData(stream));
    }
#pragma warning restore CA5351

    /// <summary>
    /// XxHash128 of a file, as lowercase hex: the cheap checksum kept with cached data and checked on every use
    /// (xxHash's published speed is about 10 GB/s, a small fraction of reading the 184 MB of CIFAR-10; the cost
    /// measured here is in docs/data.md). It detects accidental
    /// change, not forgery: whoever can rewrite the cache can rewrite its checksums too.
    /// </summary>
    public static string XxHash128Hex(string path)
    {
        using var stream = Hashing.OpenSequential(path);
        var hash = new XxHash128();
        hash.Append(stream);
        return Convert.ToHexStringLower(hash.GetCurrentHash());
    }

    /// <summary>
    /// A verify callback for <see cref="ArtifactCache.GetFileAsync"/>: throws <see cref="InvalidDataException"/>
    /// ("sha256 is ..., expected ...") unless the file's SHA-256 equals <paramref name="expectedHex"/> (any case).
    /// </summary>
    public static Action<string> RequireSha256(string expectedHex)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expectedHex);
        return path =>
        {
            var actual = Hashing.Sha256HexOfFile(path);
            if (!string.Equals(actual, expectedHex, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"sha256 is {actual}, expected {expectedHex.ToLowerInvariant()}");
        };
    }
}
