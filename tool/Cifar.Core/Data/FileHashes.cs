using System.Security.Cryptography;
using System.Text;

namespace Cifar.Data;

/// <summary>Lower-case hex digests of files and text, and ready-made verify callbacks for <see cref="ArtifactCache"/>.</summary>
public static class FileHashes
{
    public static string Sha256(string path)
    {
        using var stream = OpenSequential(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>SHA-256 of the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static string Sha256OfText(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>MD5, only to compare with checksums published as MD5 (CIFAR-10's); not for anything security-related.</summary>
#pragma warning disable CA5351 // The CIFAR-10 authors publish MD5 sums; we compare against them, we do not rely on MD5 for security.
    public static string Md5(string path)
    {
        using var stream = OpenSequential(path);
        return Convert.ToHexStringLower(MD5.HashData(stream));
    }
#pragma warning restore CA5351

    /// <summary>
    /// A verify callback for <see cref="ArtifactCache.GetFileAsync"/>: throws <see cref="InvalidDataException"/>
    /// ("sha256 is ..., expected ...") unless the file's SHA-256 equals <paramref name="expectedHex"/> (any case).
    /// </summary>
    public static Action<string> RequireSha256(string expectedHex)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(expectedHex);
        return path =>
        {
            var actual = Sha256(path);
            if (!string.Equals(actual, expectedHex, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"sha256 is {actual}, expected {expectedHex.ToLowerInvariant()}");
        };
    }

    private static FileStream OpenSequential(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
}
