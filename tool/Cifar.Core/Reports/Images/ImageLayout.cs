namespace Cifar.Reports.Images;

/// <summary>Enlarging and tiling images. Labels never go into pixels: reports write them as text next to the images.</summary>
public static class ImageLayout
{
    /// <summary>
    /// Each pixel becomes a <paramref name="factor"/> x <paramref name="factor"/> block (nearest-neighbour), so a 32x32
    /// CIFAR-10 image stays crisp when shown larger instead of being blurred by the browser.
    /// </summary>
    public static RgbImage Enlarge(RgbImage image, int factor)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1);
        int width = checked(image.Width * factor), height = checked(image.Height * factor);
        var pixels = new byte[checked(width * height * 3)];
        for (var y = 0; y < height; y++)
        {
            int sourceRow = y / factor * image.Width * 3;
            int row = y * width * 3;
            for (var x = 0; x < width; x++)
            {
                int source = sourceRow + x / factor * 3;
                int target = row + x * 3;
                pixels[target] = image.Pixels[source];
                pixels[target + 1] = image.Pixels[source + 1];
                pixels[target + 2] = image.Pixels[source + 2];
            }
        }
        return new RgbImage(width, height, pixels);
    }

    /// <summary>
    /// Tiles images row by row, <paramref name="columns"/> to a row, <paramref name="gap"/> pixels of white between
    /// them. Every tile takes the size of the largest image; smaller ones sit in its top-left corner.
    /// </summary>
    public static RgbImage Grid(IReadOnlyList<RgbImage> images, int columns, int gap = 2)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0) throw new ArgumentException("A grid needs at least one image.", nameof(images));
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(gap);
        int tileWidth = images.Max(i => i.Width), tileHeight = images.Max(i => i.Height);
        int usedColumns = Math.Min(columns, images.Count);
        int rows = (images.Count + columns - 1) / columns;
        int width = usedColumns * tileWidth + (usedColumns - 1) * gap;
        int height = rows * tileHeight + (rows - 1) * gap;
        var grid = RgbImage.Filled(width, height, 255, 255, 255);
        for (var i = 0; i < images.Count; i++)
        {
            var image = images[i];
            int left = i % columns * (tileWidth + gap), top = i / columns * (tileHeight + gap);
            for (var y = 0; y < image.Height; y++)
            {
                Array.Copy(image.Pixels, y * image.Width * 3, grid.Pixels, ((top + y) * width + left) * 3, image.Width * 3);
            }
        }
        return grid;
    }
}
