using Cifar.Reports.Images;
using StbImageSharp;

namespace Cifar.Tests.Reports.Images;

/// <summary>The PNGs the tool writes decode (with an independent decoder, StbImageSharp) to exactly the pixels it was given.</summary>
public class PngImagesTests
{
    /// <summary>Every byte value in every channel, in an image whose width and height differ (a transposed
    /// image would not decode to the same bytes).</summary>
    private static RgbImage Gradient(int width = 37, int height = 23)
    {
        var pixels = new byte[width * height * 3];
        for (var i = 0; i < pixels.Length; i++) pixels[i] = (byte)(i * 7 + i / 3);
        return new RgbImage(width, height, pixels);
    }

    private static ImageResult Decode(byte[] png) => ImageResult.FromMemory(png, ColorComponents.RedGreenBlue);

    [Fact]
    public void A_png_decodes_to_the_pixels_it_was_given()
    {
        var image = Gradient();
        var decoded = Decode(PngImages.Encode(image));
        Assert.Equal((image.Width, image.Height), (decoded.Width, decoded.Height));
        Assert.Equal(image.Pixels, decoded.Data);
    }

    [Fact]
    public void Encoding_the_same_pixels_twice_gives_the_same_bytes()
    {
        Assert.Equal(PngImages.Encode(Gradient()), PngImages.Encode(Gradient()));
    }

    [Fact]
    public void A_png_carries_no_time_text_or_other_metadata_chunk()
    {
        var png = PngImages.Encode(Gradient());
        var chunks = new List<string>();
        for (var offset = 8; offset < png.Length;)
        {
            int length = (png[offset] << 24) | (png[offset + 1] << 16) | (png[offset + 2] << 8) | png[offset + 3];
            chunks.Add(System.Text.Encoding.ASCII.GetString(png, offset + 4, 4));
            offset += 12 + length;
        }
        Assert.All(chunks, c => Assert.Contains(c, new[] { "IHDR", "IDAT", "IEND" }));
    }

    [Fact]
    public void Channels_first_planes_become_interleaved_pixels()
    {
        // A 2x1 image: red plane (10, 11), green (20, 21), blue (30, 31).
        var image = RgbImage.FromChannelsFirst(2, 1, [10, 11, 20, 21, 30, 31]);
        Assert.Equal(new byte[] { 10, 20, 30, 11, 21, 31 }, image.Pixels);
        Assert.Equal(image.Pixels, Decode(PngImages.Encode(image)).Data);
    }

    [Fact]
    public void The_data_uri_holds_the_png_itself()
    {
        var png = PngImages.Encode(Gradient(3, 2));
        var uri = PngImages.DataUri(png);
        Assert.StartsWith("data:image/png;base64,", uri, StringComparison.Ordinal);
        Assert.Equal(png, Convert.FromBase64String(uri["data:image/png;base64,".Length..]));
    }
}
