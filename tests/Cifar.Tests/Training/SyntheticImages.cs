using static TorchSharp.torch;

namespace Cifar.Tests.Training;

/// <summary>
/// Learnable stand-ins for CIFAR-10: class c is colour c % 5 in horizontal (c &lt; 5) or vertical stripes of period 4,
/// at a random phase, on a dark background, with Gaussian noise. Telling 0 from 5 needs spatial features, not just colour.
/// </summary>
internal static class SyntheticImages
{
    private static readonly float[][] Palette =
        [[1f, 0.1f, 0.1f], [0.1f, 1f, 0.1f], [0.1f, 0.1f, 1f], [1f, 1f, 0.1f], [0.1f, 1f, 1f]];

    /// <returns>float32 images [count, 3, size, size] and int64 labels [count], balanced over the 10 classes.</returns>
    public static (Tensor Images, Tensor Labels) Make(int count, int size, int seed, double noise = 0.3)
    {
        var random = new Random(seed);
        var pixels = new float[count * 3 * size * size];
        var labels = new long[count];
        for (var i = 0; i < count; i++)
        {
            var label = i % 10;
            labels[i] = label;
            var colour = Palette[label % 5];
            var vertical = label >= 5;
            var phase = random.Next(4);
            for (var c = 0; c < 3; c++)
            {
                for (var y = 0; y < size; y++)
                {
                    for (var x = 0; x < size; x++)
                    {
                        var along = vertical ? x : y;
                        var on = (along + phase) / 2 % 2 == 0;
                        pixels[((i * 3 + c) * size + y) * size + x] = (on ? colour[c] : 0.1f) + (float)(noise * Gaussian(random));
                    }
                }
            }
        }
        return (tensor(pixels, [count, 3, size, size]), tensor(labels));
    }

    /// <summary>Learnable images whose labels are replaced by random ones with probability <paramref name="noisyFraction"/>.</summary>
    public static (Tensor Images, Tensor Labels) WithNoisyLabels(int count, int size, int seed, double noisyFraction)
    {
        var (images, labels) = Make(count, size, seed);
        var random = new Random(seed + 1);
        var values = labels.data<long>().ToArray();
        for (var i = 0; i < values.Length; i++)
            if (random.NextDouble() < noisyFraction) values[i] = random.Next(10);
        labels.Dispose();
        return (images, tensor(values));
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
