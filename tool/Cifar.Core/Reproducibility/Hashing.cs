using System.Security.Cryptography;
using System.Text;

namespace Cifar.Reproducibility;

/// <summary>SHA-256 digests as lowercase hex, the form reports, manifests and <c>sha256sum</c> show.</summary>
public static class Hashing
{
    /// <summary>SHA-256 of the text's UTF-8 bytes (no byte-order mark), e.g. the spec hash of a YAML file's text.</summary>
    public static string Sha256Hex(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Sha256Hex(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>SHA-256 of the bytes.</summary>
    public static string Sha256Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>SHA-256 of a stream's remaining bytes, read to the end.</summary>
    public static string Sha256Hex(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>SHA-256 of a file's bytes, streamed (dataset archives are ~170 MB, weights up to ~530 MB).</summary>
    public static string Sha256HexOfFile(string path)
    {
        using var stream = OpenSequential(path);
        return Sha256Hex(stream);
    }

    /// <summary>A file opened to be read once from start to end, with a 1 MiB buffer: what hashing a large file wants.</summary>
    internal static FileStream OpenSequential(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
}
