namespace Cifar.Reports.Images;

/// <summary>A map of importance values (e.g. Grad-CAM's) drawn over an image with a fixed colormap.</summary>
public static class Heatmap
{
    /// <summary>
    /// Viridis (perceptually uniform, readable in grey and by most colour-blind readers) at 9 evenly spaced points,
    /// as R's <c>viridisLite::viridis(9)</c> gives it; values in between are interpolated linearly.
    /// </summary>
    private static readonly byte[][] Viridis =
    [
        [0x44, 0x01, 0x54], [0x47, 0x2D, 0x7B], [0x3B, 0x52, 0x8B], [0x2C, 0x72, 0x8E], [0x21, 0x90, 0x8C],
        [0x27, 0xAD, 0x81], [0x5D, 0xC8, 0x63], [0xAA, 0xDC, 0x32], [0xFD, 0xE7, 0x25],
    ];

    /// <summary>The colormap's colour for <paramref name="value"/> in 0..1 (clamped; NaN counts as 0).</summary>
    public static (byte Red, byte Green, byte Blue) Color(float value)
    {
        float v = float.IsNaN(value) ? 0 : Math.Clamp(value, 0f, 1f);
        float position = v * (Viridis.Length - 1);
        int low = Math.Min((int)position, Viridis.Length - 2);
        float t = position - low;
        byte Mix(int channel) => (byte)MathF.Round(Viridis[low][channel] + (Viridis[low + 1][channel] - Viridis[low][channel]) * t, MidpointRounding.AwayFromZero);
        return (Mix(0), Mix(1), Mix(2));
    }

    /// <summary>
    /// Blends the colormap of <paramref name="map"/> over <paramref name="image"/>: each output pixel is
    /// <c>(1 - opacity) * image + opacity * colour</c>. The map (row-major, values in 0..1) may be coarser than the
    /// image; it is sampled at each pixel's centre with bilinear interpolation, as Grad-CAM maps are usually upsampled.
    /// </summary>
    public static RgbImage Overlay(RgbImage image, float[] map, int mapWidth, int mapHeight, float opacity = 0.5f)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(map);
        ArgumentOutOfRangeException.ThrowIfLessThan(mapWidth, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(mapHeight, 1);
        if (map.Length != mapWidth * mapHeight)
            throw new ArgumentException($"A {mapWidth}x{mapHeight} map has {mapWidth * mapHeight} values, not {map.Length}.", nameof(map));
        if (opacity is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(opacity), opacity, "Between 0 and 1.");
        var pixels = new byte[image.Pixels.Length];
        for (var y = 0; y < image.Height; y++)
        {
            float my = Math.Clamp((y + 0.5f) * mapHeight / image.Height - 0.5f, 0, mapHeight - 1);
            for (var x = 0; x < image.Width; x++)
            {
                float mx = Math.Clamp((x + 0.5f) * mapWidth / image.Width - 0.5f, 0, mapWidth - 1);
                var (r, g, b) = Color(Sample(map, mapWidth, mapHeight, mx, my));
                int i = (y * image.Width + x) * 3;
                pixels[i] = Blend(image.Pixels[i], r, opacity);
                pixels[i + 1] = Blend(image.Pixels[i + 1], g, opacity);
                pixels[i + 2] = Blend(image.Pixels[i + 2], b, opacity);
            }
        }
        return new RgbImage(image.Width, image.Height, pixels);
    }

    private static float Sample(float[] map, int width, int height, float x, float y)
    {
        int x0 = (int)x, y0 = (int)y;
        int x1 = Math.Min(x0 + 1, width - 1), y1 = Math.Min(y0 + 1, height - 1);
        float tx = x - x0, ty = y - y0;
        float top = map[y0 * width + x0] * (1 - tx) + map[y0 * width + x1] * tx;
        float bottom = map[y1 * width + x0] * (1 - tx) + map[y1 * width + x1] * tx;
        return top * (1 - ty) + bottom * ty;
    }

    private static byte Blend(byte under, byte over, float opacity) =>
        (byte)MathF.Round(under * (1 - opacity) + over * opacity, MidpointRounding.AwayFromZero);
}
