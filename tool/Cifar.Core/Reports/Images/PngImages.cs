using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.PixelFormats;

namespace Cifar.Reports.Images;

/// <summary>
/// The one place the tool writes PNGs, with SixLabors.ImageSharp 2.1 (Apache-2.0, fully managed: its deflate is its
/// own code, so the same pixels give the same bytes on every machine and every run).
/// </summary>
/// <remarks>
/// The tool only ENCODES images it made itself from tensors; it never decodes a PNG or JPEG it did not write, which is
/// where ImageSharp's reported security flaws (crafted input files) are.
/// </remarks>
public static class PngImages
{
    // RGB 8-bit, adaptive filters, and every ancillary chunk left out (no time, text, gamma or physical size), so the
    // bytes depend on the pixels alone.
    private static readonly PngEncoder Encoder = new()
    {
        ColorType = PngColorType.Rgb,
        BitDepth = PngBitDepth.Bit8,
        FilterMethod = PngFilterMethod.Adaptive,
        CompressionLevel = PngCompressionLevel.BestCompression,
        ChunkFilter = PngChunkFilter.ExcludeAll,
        IgnoreMetadata = true,
        InterlaceMethod = PngInterlaceMode.None,
        TransparentColorMode = PngTransparentColorMode.Preserve,
    };

    /// <summary>The PNG file of <paramref name="image"/>.</summary>
    public static byte[] Encode(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var picture = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        using var stream = new MemoryStream();
        picture.SaveAsPng(stream, Encoder);
        return stream.ToArray();
    }

    /// <summary>The <c>data:</c> URI an HTML report embeds a PNG with, so the page stays one self-contained file.</summary>
    public static string DataUri(byte[] png)
    {
        ArgumentNullException.ThrowIfNull(png);
        return "data:image/png;base64," + Convert.ToBase64String(png);
    }
}
