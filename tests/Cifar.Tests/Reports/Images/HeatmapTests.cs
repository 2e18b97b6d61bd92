using Cifar.Reports.Images;

namespace Cifar.Tests.Reports.Images;

public class HeatmapTests
{
    [Fact]
    public void The_colormap_runs_from_dark_purple_to_yellow()
    {
        Assert.Equal(((byte)0x44, (byte)0x01, (byte)0x54), Heatmap.Color(0));
        Assert.Equal(((byte)0xFD, (byte)0xE7, (byte)0x25), Heatmap.Color(1));
        Assert.Equal(Heatmap.Color(1), Heatmap.Color(7)); // clamped
        Assert.Equal(Heatmap.Color(0), Heatmap.Color(float.NaN));
    }

    [Fact]
    public void Opacity_zero_keeps_the_image_and_opacity_one_shows_only_the_map()
    {
        var image = RgbImage.Filled(4, 4, 200, 100, 50);
        var map = new float[] { 0, 1, 1, 0 };
        Assert.Equal(image.Pixels, Heatmap.Overlay(image, map, 2, 2, opacity: 0).Pixels);
        var only = Heatmap.Overlay(image, map, 2, 2, opacity: 1);
        // The top-left pixel is nearest to the map's 0 corner, the top-right to its 1 corner.
        Assert.Equal(new byte[] { 0x44, 0x01, 0x54 }, only.Pixels[..3]);
        Assert.Equal(new byte[] { 0xFD, 0xE7, 0x25 }, only.Pixels[9..12]);
    }

    [Fact]
    public void A_half_opaque_overlay_is_the_mean_of_image_and_colour()
    {
        var image = RgbImage.Filled(1, 1, 100, 100, 100);
        var blended = Heatmap.Overlay(image, [1f], 1, 1, opacity: 0.5f);
        Assert.Equal(new byte[] { (0xFD + 100 + 1) / 2, (0xE7 + 100 + 1) / 2, (0x25 + 100 + 1) / 2 }, blended.Pixels);
    }
}
