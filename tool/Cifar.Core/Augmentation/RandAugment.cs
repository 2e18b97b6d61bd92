using Cifar.Specs;
using static TorchSharp.torch;

namespace Cifar.Augmentation;

/// <summary>
/// TorchVision's RandAugment (torchvision.transforms.RandAugment, Cubuk et al. 2020) with its 14 operations and 31
/// magnitude bins, but with the operations and signs drawn per image (TorchVision and TorchSharp draw one per call, i.e.
/// per batch when applied to a batch). Per slot, the geometric operations of all images go through one grid_sample
/// (nearest, zero fill, as TorchVision's defaults) and each colour operation through its images' rows only.
/// </summary>
internal static class RandAugment
{
    private enum Op { Identity, ShearX, ShearY, TranslateX, TranslateY, Rotate, Brightness, Color, Contrast, Sharpness, Posterize, Solarize, AutoContrast, Equalize }

    private const int Bins = 31;

    private static readonly Op[] Ops = Enum.GetValues<Op>();

    private static bool Signed(Op op) => op is >= Op.ShearX and <= Op.Sharpness;

    /// <summary>TorchVision's _augmentation_space for a 32-wide image, at bin <paramref name="bin"/>.</summary>
    private static double Magnitude(Op op, int bin, int width) => op switch
    {
        Op.ShearX or Op.ShearY => 0.3 * bin / (Bins - 1),
        Op.TranslateX or Op.TranslateY => 150.0 / 331 * width * bin / (Bins - 1),
        Op.Rotate => 30.0 * bin / (Bins - 1),
        Op.Brightness or Op.Color or Op.Contrast or Op.Sharpness => 0.9 * bin / (Bins - 1),
        Op.Posterize => 8 - (int)Math.Round(bin / ((Bins - 1) / 4.0), MidpointRounding.ToEven),
        Op.Solarize => 255.0 * (Bins - 1 - bin) / (Bins - 1),
        _ => 0,
    };

    public static Tensor Apply(Tensor x, RandAugmentStep step, Draws ctx)
    {
        var (b, h, w) = ((int)x.shape[0], (int)x.shape[2], (int)x.shape[3]);
        for (var slot = 0; slot < step.NumOps; slot++)
        {
            var ops = new Op[b];
            var magnitudes = new double[b];
            for (var i = 0; i < b; i++)
            {
                ops[i] = Ops[ctx.Integer(i, slot, 0, Ops.Length)];
                var magnitude = Magnitude(ops[i], step.Magnitude, w);
                magnitudes[i] = Signed(ops[i]) && ctx.Uniform(i, slot, 1) < 0.5 ? -magnitude : magnitude;
            }

            x = Geometric(x, ops, magnitudes, h, w);
            foreach (var op in new[] { Op.Brightness, Op.Color, Op.Contrast, Op.Sharpness, Op.Posterize, Op.Solarize, Op.AutoContrast, Op.Equalize })
            {
                var rows = Enumerable.Range(0, b).Where(i => ops[i] == op).ToArray();
                if (rows.Length == 0) continue;
                var index = tensor(rows.Select(i => (long)i).ToArray());
                var factors = ImageAugmenter.PerImage(rows.Select(i => (float)(1 + magnitudes[i])).ToArray());
                var part = x.index_select(0, index);
                var changed = op switch
                {
                    Op.Brightness => ColorOps.ToBytes(ColorOps.Brightness(part.to_type(ScalarType.Float32), factors)),
                    Op.Color => ColorOps.ToBytes(ColorOps.Saturation(part.to_type(ScalarType.Float32), factors)),
                    Op.Contrast => ColorOps.ToBytes(ColorOps.Contrast(part.to_type(ScalarType.Float32), factors)),
                    Op.Sharpness => ColorOps.ToBytes(ColorOps.Sharpness(part.to_type(ScalarType.Float32), factors)),
                    Op.Posterize => Posterize(part, (int)magnitudes[rows[0]]),
                    Op.Solarize => where(part.ge(magnitudes[rows[0]]), part.bitwise_not(), part),
                    Op.AutoContrast => AutoContrast(part),
                    _ => Equalize(part),
                };
                x = x.index_copy(0, index, changed);
            }
        }

        return x;
    }

    /// <summary>Shear, translation and rotation of the images that drew one, in one grid_sample: each output pixel reads
    /// the source pixel its inverse map gives (PIL's convention, which TorchVision follows; shears about the top-left
    /// corner, rotation about the centre).</summary>
    private static Tensor Geometric(Tensor x, Op[] ops, double[] magnitudes, int h, int w)
    {
        var rows = Enumerable.Range(0, ops.Length).Where(i => ops[i] is >= Op.ShearX and <= Op.Rotate).ToArray();
        if (rows.Length == 0) return x;
        // Source = A * (x, y) + t in pixel coordinates, per image: [a, b, tx, c, d, ty].
        var maps = new float[rows.Length * 6];
        for (var k = 0; k < rows.Length; k++)
        {
            var m = magnitudes[rows[k]];
            double[] map = ops[rows[k]] switch
            {
                Op.ShearX => [1, m, 0, 0, 1, 0],
                Op.ShearY => [1, 0, 0, m, 1, 0],
                Op.TranslateX => [1, 0, m, 0, 1, 0],
                Op.TranslateY => [1, 0, 0, 0, 1, m],
                _ => Rotation(m * Math.PI / 180, (w - 1) / 2.0, (h - 1) / 2.0),
            };
            for (var j = 0; j < 6; j++) maps[k * 6 + j] = (float)map[j];
        }

        var n = rows.Length;
        var affine = tensor(maps).view(n, 2, 3);
        var ys = arange(h, dtype: ScalarType.Float32).view(h, 1).expand(h, w);
        var xs = arange(w, dtype: ScalarType.Float32).view(1, w).expand(h, w);
        var points = stack([xs, ys, ones(h, w)], 2).view(1, h * w, 3); // [1, HW, 3]
        var source = points.matmul(affine.transpose(1, 2)); // [n, HW, 2] as (x, y)
        // Pixel centres to grid_sample's [-1, 1] with align_corners false.
        var scale = tensor(new float[] { 2f / w, 2f / h });
        var grid = source.add(0.5).mul(scale).sub(1).view(n, h, w, 2);
        var index = tensor(rows.Select(i => (long)i).ToArray());
        var part = x.index_select(0, index).to_type(ScalarType.Float32);
        var moved = nn.functional.grid_sample(part, grid, GridSampleMode.Nearest, GridSamplePaddingMode.Zeros, align_corners: false);
        return x.index_copy(0, index, ColorOps.ToBytes(moved));
    }

    private static double[] Rotation(double angle, double cx, double cy)
    {
        var (cos, sin) = (Math.Cos(angle), Math.Sin(angle));
        return [cos, sin, cx - cos * cx - sin * cy, -sin, cos, cy + sin * cx - cos * cy];
    }

    /// <summary>Keeps the top <paramref name="bits"/> bits of every pixel.</summary>
    private static Tensor Posterize(Tensor x, int bits)
    {
        var keep = (byte)(0xFF << (8 - bits) & 0xFF);
        return x.bitwise_and(tensor(keep, ScalarType.Byte));
    }

    /// <summary>Per image and channel, stretches [min, max] to [0, 255]; a flat channel is left as it is.</summary>
    private static Tensor AutoContrast(Tensor x)
    {
        var y = x.to_type(ScalarType.Float32);
        var low = y.amin([2, 3], keepdim: true);
        var high = y.amax([2, 3], keepdim: true);
        var flat = high.eq(low);
        var scale = where(flat, ones_like(high), high.sub(low).reciprocal().mul(255));
        var offset = where(flat, zeros_like(low), low);
        return y.sub(offset).mul(scale).clamp(0, 255).to_type(ScalarType.Byte);
    }

    /// <summary>TorchVision's equalize, per image and channel at once: a 256-bin histogram (scatter_add), a lookup table from
    /// its cumulative sum, with TorchVision's step and the image left as it is when the step is 0.</summary>
    private static Tensor Equalize(Tensor x)
    {
        var (b, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3]);
        var pixels = x.reshape(b * c, h * w).to_type(ScalarType.Int64);
        var histogram = zeros(b * c, 256, dtype: ScalarType.Int64).scatter_add_(1, pixels, ones_like(pixels));
        var levels = arange(256, dtype: ScalarType.Int64).unsqueeze(0);
        var lastLevel = where(histogram.gt(0), levels, zeros_like(levels)).amax([1], keepdim: true);
        var lastCount = histogram.gather(1, lastLevel);
        var step = histogram.sum([1], keepdim: true).sub(lastCount).div(255, rounding_mode: RoundingMode.floor);
        var safeStep = step.clamp_min(1);
        var lut = histogram.cumsum(1).add(safeStep.div(2, rounding_mode: RoundingMode.floor)).div(safeStep, rounding_mode: RoundingMode.floor);
        lut = cat([zeros(b * c, 1, dtype: ScalarType.Int64), lut.narrow(1, 0, 255)], 1).clamp(0, 255);
        var equalized = lut.gather(1, pixels);
        return where(step.eq(0), pixels, equalized).to_type(ScalarType.Byte).view(b, c, h, w);
    }
}
