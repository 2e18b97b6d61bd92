using Cifar.Reports.Images;

namespace Cifar.Tests.Reports.Images;

public class ImageLayoutTests
{
    private static byte[] Pixel(RgbImage image, int x, int y) => image.Pixels.AsSpan((y * image.Width + x) * 3, 3).ToArray();

    [Fact]
    public void Enlarging_copies_each_pixel_into_a_square_block_without_blending()
    {
        // 2x2: red, green / blue, white.
        var image = new RgbImage(2, 2, [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
        var large = ImageLayout.Enlarge(image, 3);
        Assert.Equal((6, 6), (large.Width, large.Height));
        for (var y = 0; y < 6; y++)
        {
            for (var x = 0; x < 6; x++) Assert.Equal(Pixel(image, x / 3, y / 3), Pixel(large, x, y));
        }
    }

    [Fact]
    public void A_grid_places_tiles_row_by_row_with_white_gaps()
    {
        var tiles = Enumerable.Range(0, 5).Select(i => RgbImage.Filled(4, 3, (byte)(10 * i), 0, 0)).ToList();
        var grid = ImageLayout.Grid(tiles, columns: 3, gap: 1);
        Assert.Equal((3 * 4 + 2, 2 * 3 + 1), (grid.Width, grid.Height));
        Assert.Equal(new byte[] { 0, 0, 0 }, Pixel(grid, 0, 0));
        Assert.Equal(new byte[] { 255, 255, 255 }, Pixel(grid, 4, 0)); // the gap after tile 0
        Assert.Equal(new byte[] { 20, 0, 0 }, Pixel(grid, 10, 2)); // tile 2, bottom-left
        Assert.Equal(new byte[] { 30, 0, 0 }, Pixel(grid, 0, 4)); // tile 3 starts the second row
        Assert.Equal(new byte[] { 40, 0, 0 }, Pixel(grid, 8, 6)); // tile 4
        Assert.Equal(new byte[] { 255, 255, 255 }, Pixel(grid, 13, 6)); // no sixth tile: background
    }
}
