namespace Cifar.Reports.Images;

/// <summary>
/// An 8-bit RGB image as plain data: <see cref="Pixels"/> holds rows top to bottom, each pixel's red, green and blue
/// next to each other (height x width x 3, "HWC"), which is what PNG stores.
/// </summary>
public sealed class RgbImage
{
    /// <summary>Takes <paramref name="pixels"/> as they are (HWC, length height * width * 3); not copied.</summary>
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length != checked(width * height * 3))
            throw new ArgumentException($"A {width}x{height} RGB image has {width * height * 3} bytes, not {pixels.Length}.", nameof(pixels));
        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Height x width x 3 bytes (HWC).</summary>
    public byte[] Pixels { get; }

    /// <summary>From planes (CHW: all red, then all green, then all blue), the layout of CIFAR-10's files and of tensors.</summary>
    public static RgbImage FromChannelsFirst(int width, int height, ReadOnlySpan<byte> planes)
    {
        int area = checked(width * height);
        if (planes.Length != area * 3)
            throw new ArgumentException($"A {width}x{height} RGB image has {area * 3} bytes, not {planes.Length}.", nameof(planes));
        var pixels = new byte[area * 3];
        for (var i = 0; i < area; i++)
        {
            pixels[3 * i] = planes[i];
            pixels[3 * i + 1] = planes[area + i];
            pixels[3 * i + 2] = planes[2 * area + i];
        }
        return new RgbImage(width, height, pixels);
    }

    /// <summary>An image of one colour.</summary>
    public static RgbImage Filled(int width, int height, byte red, byte green, byte blue)
    {
        var pixels = new byte[checked(width * height * 3)];
        for (var i = 0; i < pixels.Length; i += 3)
        {
            pixels[i] = red;
            pixels[i + 1] = green;
            pixels[i + 2] = blue;
        }
        return new RgbImage(width, height, pixels);
    }
}
