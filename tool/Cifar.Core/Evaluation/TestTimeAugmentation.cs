using System.Globalization;
using Cifar.Specs;
using static TorchSharp.torch;

namespace Cifar.Evaluation;

/// <summary>
/// Test-time augmentation as airbench94's <c>infer</c> does it: the logits of a batch are averaged over views of each
/// image. With <c>flip</c>, every view counts as the mean of itself and its horizontal mirror (tta_level 1). With
/// <c>translate</c> n, the untranslated view counts half and the image shifted n pixels down-right and n pixels
/// up-left (reflect padding) a quarter each (tta_level 2 with n = 1): the weights airbench gives them.
/// </summary>
/// <remarks>Views are taken of the batch as stored (the 32x32 pixels, before normalization and any resize), so
/// <c>translate</c> counts the same pixels as random_crop's padding; each view then goes through the same input transform
/// and model as an untouched batch. Every view is a whole-batch tensor operation (a flip, two index selections).</remarks>
public sealed class TestTimeAugmentation
{
    public TestTimeAugmentation(TestTimeAugmentationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfNegative(spec.Translate, nameof(spec));
        if (!spec.Flip && spec.Translate == 0)
            throw new ArgumentException("Test-time augmentation needs flip or a translation; this one would change nothing.", nameof(spec));
        Spec = spec;
    }

    public TestTimeAugmentationSpec Spec { get; }

    /// <summary>Forward passes per test batch: 1 or 2 per translation (with flip), times 1 or 3 translations.</summary>
    public int ForwardPasses => (Spec.Flip ? 2 : 1) * (Spec.Translate > 0 ? 3 : 1);

    /// <summary>The weighted mean of <paramref name="forward"/>'s logits over the views of <paramref name="batch"/>.</summary>
    /// <param name="forward">Input transform and model: one view [N, C, H, W] to logits [N, classes].</param>
    /// <param name="batch">Images [N, C, H, W], any dtype (uint8 pixels included).</param>
    public Tensor Logits(Func<Tensor, Tensor> forward, Tensor batch)
    {
        ArgumentNullException.ThrowIfNull(forward);
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.dim() != 4)
            throw new InvalidOperationException($"Test-time augmentation needs image batches [N, C, H, W]; this batch is [{string.Join(", ", batch.shape)}].");
        var n = Spec.Translate;
        if (n >= batch.shape[2] || n >= batch.shape[3])
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                $"A translation of {n} pixels needs images larger than that; these are {batch.shape[2]}x{batch.shape[3]}."));
        }

        var untranslated = Mirrored(forward, batch);
        if (n == 0) return untranslated;
        return untranslated.mul(0.5)
            .add_(Mirrored(forward, Shift(batch, n, n)).mul(0.25))
            .add_(Mirrored(forward, Shift(batch, -n, -n)).mul(0.25));
    }

    /// <summary>
    /// <paramref name="batch"/> [N, C, H, W] with its content moved <paramref name="down"/> rows and
    /// <paramref name="right"/> columns (negative: up, left); the rows and columns that enter are the image reflected
    /// at its border without repeating the edge (numpy's and TorchVision's "reflect", as airbench's padding), i.e. what
    /// a reflect-padded image cropped off-centre shows.
    /// </summary>
    public static Tensor Shift(Tensor batch, int down, int right)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var (h, w) = (batch.shape[2], batch.shape[3]);
        if (Math.Abs(down) >= h || Math.Abs(right) >= w)
            throw new ArgumentOutOfRangeException(nameof(down), "A reflected shift must be smaller than the image.");
        // Output row r shows source row r - down; one index per row and column, not per pixel.
        using var rows = tensor(Reflected(h, down));
        using var cols = tensor(Reflected(w, right));
        return batch.index_select(2, rows).index_select(3, cols);
    }

    private Tensor Mirrored(Func<Tensor, Tensor> forward, Tensor view) => Spec.Flip
        ? forward(view).mul(0.5).add_(forward(view.flip(3)).mul(0.5))
        : forward(view);

    private static long[] Reflected(long size, int shift)
    {
        var indices = new long[size];
        for (var i = 0L; i < size; i++)
        {
            var source = i - shift;
            indices[i] = source < 0 ? -source : source >= size ? 2 * (size - 1) - source : source;
        }
        return indices;
    }
}
