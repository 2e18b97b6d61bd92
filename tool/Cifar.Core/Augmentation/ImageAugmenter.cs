using Cifar.Specs;
using static TorchSharp.torch;
using D = Cifar.Augmentation.AugmentationDraws;

namespace Cifar.Augmentation;

/// <summary>
/// Applies <c>data.augmentation</c> to training batches. Every random choice for an image is drawn from
/// <see cref="AugmentationDraws"/> with (seed, epoch, the image's index in the training split, the step and draw), so
/// an image's pixels depend on nothing else; the pixels themselves are changed with whole-batch tensor operations
/// (gathers, masks, blends), never pixel by pixel in managed code.
/// </summary>
public sealed class ImageAugmenter
{
    private readonly IReadOnlyList<AugmentationStep> _steps;
    private readonly int _seed;

    /// <param name="steps">The spec's steps, in order; mixing steps (mixup, cutmix) run in <see cref="Mix"/>.</param>
    /// <param name="seed">The spec's seed.</param>
    public ImageAugmenter(IReadOnlyList<AugmentationStep> steps, int seed)
    {
        ArgumentNullException.ThrowIfNull(steps);
        _steps = steps;
        _seed = seed;
    }

    /// <summary>Whether a step mixes images and labels, so the trainer needs <see cref="Mix"/> and soft targets.</summary>
    public bool MixesBatch => _steps.Any(s => s.MixesBatch);

    /// <summary>
    /// The pixel steps, in order, on a uint8 [B,3,H,W] batch; returns a new uint8 batch.
    /// </summary>
    /// <param name="images">Training images, uint8, as stored.</param>
    /// <param name="imageIndices">Each row's index in the training split: the image's identity for the draws.</param>
    /// <param name="epoch">The 1-based epoch: draws change every epoch; alternating flips use its parity.</param>
    public Tensor Augment(Tensor images, IReadOnlyList<long> imageIndices, int epoch)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(imageIndices);
        if (images.dtype != ScalarType.Byte || images.dim() != 4)
            throw new ArgumentException($"Expected uint8 [B,C,H,W] images, got {images.dtype} [{string.Join(',', images.shape)}].", nameof(images));
        if (images.shape[0] != imageIndices.Count)
            throw new ArgumentException($"{imageIndices.Count} image indices for a batch of {images.shape[0]}.", nameof(imageIndices));

        var x = images.alias();
        for (var s = 0; s < _steps.Count; s++)
        {
            var ctx = new Draws(_seed, epoch, imageIndices, s);
            x = _steps[s] switch
            {
                RandomCropStep crop => RandomCrop(x, crop, ctx),
                HorizontalFlipStep flip => HorizontalFlip(x, flip, ctx),
                CutoutStep cutout => Cutout(x, cutout, ctx),
                ColorJitterStep jitter => ColorJitter(x, jitter, ctx),
                RandAugmentStep rand => RandAugment.Apply(x, rand, ctx),
                { MixesBatch: true } => x,
                var other => throw new NotSupportedException($"Augmentation '{other.Name}' is not supported."),
            };
        }

        return x;
    }

    /// <summary>
    /// The mixing step (mixup or cutmix) on a normalised float batch: each image is mixed with its partner, the next
    /// image of the batch (the last with the first). Whether an image is mixed, its lambda and its box are drawn per
    /// image like every other draw; the partner necessarily depends on the batch, whose order is the seeded shuffle.
    /// </summary>
    /// <returns>The mixed inputs, the partner of each row, and the weight of each row's own label (1 when not mixed).</returns>
    public BatchMix? Mix(Tensor inputs, IReadOnlyList<long> imageIndices, int epoch)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(imageIndices);
        var s = _steps.ToList().FindIndex(step => step.MixesBatch);
        if (s < 0) return null;
        var ctx = new Draws(_seed, epoch, imageIndices, s);
        var b = (int)inputs.shape[0];
        var partner = arange(b, dtype: ScalarType.Int64).add(1).remainder(b);
        var partnerInputs = inputs.index_select(0, partner);
        var own = new float[b];
        switch (_steps[s])
        {
            case MixupStep mixup:
                {
                    for (var i = 0; i < b; i++)
                        own[i] = ctx.Uniform(i, 0, 0) < mixup.Probability ? (float)ctx.Beta(i, 2, 0, mixup.Alpha) : 1f;
                    var w = tensor(own).view(b, 1, 1, 1);
                    var mixed = inputs.mul(w).add_(partnerInputs.mul(w.neg().add(1)));
                    return new BatchMix(mixed, partner, tensor(own));
                }
            case CutMixStep cutmix:
                {
                    var (h, wSide) = ((int)inputs.shape[2], (int)inputs.shape[3]);
                    var top = new long[b];
                    var bottom = new long[b];
                    var left = new long[b];
                    var right = new long[b];
                    for (var i = 0; i < b; i++)
                    {
                        if (ctx.Uniform(i, 0, 0) >= cutmix.Probability) { own[i] = 1f; continue; }
                        // Yun et al.: a box of side sqrt(1 - lambda) times the image's, centred anywhere, clipped.
                        var ratio = Math.Sqrt(1 - ctx.Beta(i, 2, 0, cutmix.Alpha));
                        var (cutH, cutW) = ((int)(h * ratio), (int)(wSide * ratio));
                        var (cy, cx) = (ctx.Integer(i, 1, 0, h), ctx.Integer(i, 1, 1, wSide));
                        top[i] = Math.Clamp(cy - cutH / 2, 0, h);
                        bottom[i] = Math.Clamp(cy + cutH - cutH / 2, 0, h);
                        left[i] = Math.Clamp(cx - cutW / 2, 0, wSide);
                        right[i] = Math.Clamp(cx + cutW - cutW / 2, 0, wSide);
                        own[i] = 1f - (float)((bottom[i] - top[i]) * (right[i] - left[i]) / (double)(h * wSide));
                    }

                    var box = BoxMask(top, bottom, left, right, h, wSide);
                    return new BatchMix(where(box, partnerInputs, inputs), partner, tensor(own));
                }
            default:
                throw new NotSupportedException($"Augmentation '{_steps[s].Name}' does not mix batches.");
        }
    }

    // ---- pixel steps (uint8 in, uint8 out)

    private static Tensor RandomCrop(Tensor x, RandomCropStep crop, Draws ctx)
    {
        var (b, h, w) = ((int)x.shape[0], (int)x.shape[2], (int)x.shape[3]);
        var p = crop.Padding;
        var dy = new long[b];
        var dx = new long[b];
        for (var i = 0; i < b; i++)
        {
            // Offsets of the crop in the padded image, 0..2p; minus p, the shift of the content.
            dy[i] = ctx.Integer(i, 0, 0, 2 * p + 1) - p;
            dx[i] = ctx.Integer(i, 0, 1, 2 * p + 1) - p;
        }

        // Output pixel (r, c) reads source (r + dy, c + dx): two gathers with per-image row and column indices, the same
        // as padding once and cropping, without building the padded batch.
        var rows = arange(h, dtype: ScalarType.Int64).unsqueeze(0).add(tensor(dy).unsqueeze(1)); // [B,H]
        var cols = arange(w, dtype: ScalarType.Int64).unsqueeze(0).add(tensor(dx).unsqueeze(1)); // [B,W]
        var rowInside = rows.ge(0).logical_and(rows.lt(h));
        var colInside = cols.ge(0).logical_and(cols.lt(w));
        // Reflect without repeating the edge (numpy's and TorchVision's "reflect"): -1 -> 1, h -> h - 2.
        rows = rows.abs();
        rows = where(rows.ge(h), rows.neg().add(2 * (h - 1)), rows);
        cols = cols.abs();
        cols = where(cols.ge(w), cols.neg().add(2 * (w - 1)), cols);

        var c = x.shape[1];
        var shifted = x.gather(2, rows.view(b, 1, h, 1).expand(b, c, h, w))
            .gather(3, cols.view(b, 1, 1, w).expand(b, c, h, w));
        if (crop.Fill == CropFill.Reflect) return shifted;
        var inside = rowInside.view(b, 1, h, 1).logical_and(colInside.view(b, 1, 1, w));
        return shifted.masked_fill(inside.logical_not(), 0);
    }

    private static Tensor HorizontalFlip(Tensor x, HorizontalFlipStep flip, Draws ctx)
    {
        var b = (int)x.shape[0];
        var mask = new bool[b];
        for (var i = 0; i < b; i++)
        {
            mask[i] = flip.Mode switch
            {
                FlipMode.Random => ctx.Uniform(i, 0, 0) < 0.5,
                // airbench: a draw fixed for the whole run picks the images flipped on odd epochs; the rest flip on even ones.
                _ => (ctx.UniformForRun(i, 0, 0) < 0.5) == (ctx.Epoch % 2 == 1),
            };
        }

        return where(tensor(mask).view(b, 1, 1, 1), x.flip(3), x);
    }

    private static Tensor Cutout(Tensor x, CutoutStep cutout, Draws ctx)
    {
        var (b, h, w) = ((int)x.shape[0], (int)x.shape[2], (int)x.shape[3]);
        var mask = zeros(b, 1, h, w, dtype: ScalarType.Bool);
        for (var k = 0; k < cutout.Count; k++)
        {
            var top = new long[b];
            var bottom = new long[b];
            var left = new long[b];
            var right = new long[b];
            for (var i = 0; i < b; i++)
            {
                var (cy, cx) = (ctx.Integer(i, k, 0, h), ctx.Integer(i, k, 1, w));
                top[i] = Math.Max(0, cy - cutout.Size / 2);
                bottom[i] = Math.Min(h, cy - cutout.Size / 2 + cutout.Size);
                left[i] = Math.Max(0, cx - cutout.Size / 2);
                right[i] = Math.Min(w, cx - cutout.Size / 2 + cutout.Size);
            }

            mask = mask.logical_or(BoxMask(top, bottom, left, right, h, w));
        }

        return x.masked_fill(mask, 0);
    }

    private static Tensor ColorJitter(Tensor x, ColorJitterStep jitter, Draws ctx)
    {
        var b = (int)x.shape[0];
        float[] Factors(double amount, int draw)
        {
            var f = new float[b];
            for (var i = 0; i < b; i++)
            {
                var low = Math.Max(0, 1 - amount);
                f[i] = (float)(low + (1 + amount - low) * ctx.Uniform(i, 0, draw));
            }

            return f;
        }

        var y = x.to_type(ScalarType.Float32);
        if (jitter.Brightness > 0) y = ColorOps.Brightness(y, PerImage(Factors(jitter.Brightness, 0)));
        if (jitter.Contrast > 0) y = ColorOps.Contrast(y, PerImage(Factors(jitter.Contrast, 1)));
        if (jitter.Saturation > 0) y = ColorOps.Saturation(y, PerImage(Factors(jitter.Saturation, 2)));
        return ColorOps.ToBytes(y);
    }

    internal static Tensor PerImage(float[] values) => tensor(values).view(values.Length, 1, 1, 1);

    /// <summary>Bool [B,1,H,W], true inside each image's box [top, bottom) x [left, right).</summary>
    internal static Tensor BoxMask(long[] top, long[] bottom, long[] left, long[] right, int h, int w)
    {
        var b = top.Length;
        var rows = arange(h, dtype: ScalarType.Int64).view(1, 1, h, 1);
        var cols = arange(w, dtype: ScalarType.Int64).view(1, 1, 1, w);
        var inRows = rows.ge(tensor(top).view(b, 1, 1, 1)).logical_and(rows.lt(tensor(bottom).view(b, 1, 1, 1)));
        var inCols = cols.ge(tensor(left).view(b, 1, 1, 1)).logical_and(cols.lt(tensor(right).view(b, 1, 1, 1)));
        return inRows.logical_and(inCols);
    }
}

/// <summary>What <see cref="ImageAugmenter.Mix"/> did to a batch.</summary>
/// <param name="Inputs">The mixed float batch.</param>
/// <param name="Partner">int64 [B]: the row each row was mixed with.</param>
/// <param name="OwnWeight">float32 [B]: the weight of each row's own label; its partner's label has 1 minus it.</param>
public sealed record BatchMix(Tensor Inputs, Tensor Partner, Tensor OwnWeight);

/// <summary>The draws of one step for one batch: (seed, epoch, image, step, slot, draw) -> a number.</summary>
internal readonly record struct Draws(int Seed, int Epoch, IReadOnlyList<long> Images, int Step)
{
    public double Uniform(int row, int slot, int draw) =>
        D.Uniform(Seed, Epoch, Images[row], D.Stream(Step, slot, draw));

    /// <summary>A draw that stays the same every epoch (alternating flips pick their images once).</summary>
    public double UniformForRun(int row, int slot, int draw) =>
        D.Uniform(Seed, 0, Images[row], D.Stream(Step, slot, draw));

    public int Integer(int row, int slot, int draw, int count) =>
        D.Below(Seed, Epoch, Images[row], D.Stream(Step, slot, draw), count);

    public double Beta(int row, int slot, int draw, double alpha) =>
        D.Beta(Seed, Epoch, Images[row], D.Stream(Step, slot, draw), alpha);
}
