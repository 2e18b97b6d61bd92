using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Cifar.Tests.Hostile;

/// <summary>
/// Archives no honest tool writes, built byte by byte: tar headers that lie about sizes, and gzip bombs (gigabytes of
/// zeros in a few megabytes, as concatenated gzip members so that building one takes a fraction of a second).
/// </summary>
internal static class HostileArchives
{
    private const int Chunk = 64 << 20;

    private static readonly Lazy<byte[]> GzippedZeroChunk = new(() => Gzip(new byte[Chunk]));

    /// <summary>A ustar header for a regular file <paramref name="name"/> that claims <paramref name="size"/> bytes.</summary>
    public static byte[] TarHeader(string name, long size)
    {
        var header = new byte[512];
        Encoding.ASCII.GetBytes(name).CopyTo(header, 0);
        Field(header, 100, 8, "0000644");
        Field(header, 108, 8, "0000000");
        Field(header, 116, 8, "0000000");
        Field(header, 124, 12, Convert.ToString(size, 8).PadLeft(11, '0'));
        Field(header, 136, 12, "00000000000");
        header[156] = (byte)'0';
        Encoding.ASCII.GetBytes("ustar\0" + "00").CopyTo(header, 257);
        for (var i = 148; i < 156; i++) header[i] = (byte)' ';
        var sum = header.Sum(b => b);
        Field(header, 148, 7, Convert.ToString(sum, 8).PadLeft(6, '0'));
        header[154] = 0; // six digits, NUL, space

        return header;
    }

    /// <summary>
    /// A .tar.gz whose only member <paramref name="name"/> holds <paramref name="zeroBytes"/> zeros (a multiple of
    /// 64 MiB): about 1/1000 of that compressed. <paramref name="declaredSize"/> is what its header claims (default: the truth).
    /// </summary>
    public static byte[] GzipBomb(string name, long zeroBytes, long? declaredSize = null)
    {
        using var output = new MemoryStream();
        output.Write(Gzip(TarHeader(name, declaredSize ?? zeroBytes)));
        for (long done = 0; done < zeroBytes; done += Chunk) output.Write(GzippedZeroChunk.Value);
        return output.ToArray();
    }

    /// <summary>A .tar.gz that is only a header claiming <paramref name="declaredSize"/> bytes, with none of them.</summary>
    public static byte[] HeaderOnly(string name, long declaredSize) => Gzip(TarHeader(name, declaredSize));

    private static void Field(byte[] header, int offset, int length, string octal)
    {
        var bytes = Encoding.ASCII.GetBytes(octal);
        if (bytes.Length >= length) throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"'{octal}' does not fit {length} bytes"));
        bytes.CopyTo(header, offset);
    }

    private static byte[] Gzip(byte[] data)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true)) gzip.Write(data);
        return compressed.ToArray();
    }
}
