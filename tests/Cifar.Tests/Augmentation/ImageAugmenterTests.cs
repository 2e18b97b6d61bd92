using Cifar.Augmentation;
using Cifar.Specs;
using Cifar.Tests.Infra;
using Cifar.Training;
using static TorchSharp.torch;

namespace Cifar.Tests.Augmentation;

[Collection("libtorch")]
public class ImageAugmenterTests
{
    private static readonly AugmentationStep[] EveryPixelStep =
    [
        new RandomCropStep(4, CropFill.Reflect),
        new HorizontalFlipStep(FlipMode.Random),
        new RandAugmentStep(2, 9),
        new ColorJitterStep(0.4, 0.4, 0.4),
        new CutoutStep(8, 2),
    ];

    /// <summary>uint8 [n,3,32,32] with no zero pixel (1..255), seeded.</summary>
    private static Tensor Images(int n, int seed = 3)
    {
        using var generator = new Generator((ulong)seed);
        return randint(1, 256, [n, 3, 32, 32], dtype: ScalarType.Byte, generator: generator);
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().item<bool>();

    private static long[] Range(int start, int count) => [.. Enumerable.Range(start, count).Select(i => (long)i)];

    [TorchFact]
    public void An_image_gets_the_same_pixels_with_batch_sizes_16_and_64_and_in_any_order()
    {
        using var scope = NewDisposeScope();
        var images = Images(64);
        var augmenter = new ImageAugmenter(EveryPixelStep, seed: 11);
        var whole = augmenter.Augment(images, Range(0, 64), epoch: 3);

        // Batches of 16 in a shuffled order: each row still carries its image's index.
        var order = Range(0, 64);
        new Random(5).Shuffle(order);
        for (var start = 0; start < 64; start += 16)
        {
            var rows = order.Skip(start).Take(16).ToArray();
            var batch = augmenter.Augment(images.index_select(0, tensor(rows)), rows, epoch: 3);
            for (var k = 0; k < rows.Length; k++)
                Assert.True(Same(batch[k], whole[rows[k]]), $"image {rows[k]} differs between batch sizes 64 and 16");
        }

        Assert.False(Same(whole, images), "the augmentation changed nothing");
        Assert.False(Same(augmenter.Augment(images, Range(0, 64), epoch: 4), whole), "epochs 3 and 4 drew the same augmentation");
        Assert.False(Same(new ImageAugmenter(EveryPixelStep, seed: 12).Augment(images, Range(0, 64), epoch: 3), whole),
            "seeds 11 and 12 drew the same augmentation");
    }

    /// <summary>Pixel (r, c) holds r + 1 in red and c + 1 in green, so the crop's shift can be read back.</summary>
    private static Tensor Coordinates(int n)
    {
        var rows = arange(1, 33, dtype: ScalarType.Byte).view(1, 1, 32, 1).expand(n, 1, 32, 32);
        var cols = arange(1, 33, dtype: ScalarType.Byte).view(1, 1, 1, 32).expand(n, 1, 32, 32);
        return cat([rows, cols, full(n, 1, 32, 32, 100, dtype: ScalarType.Byte)], 1).contiguous();
    }

    [TorchTheory]
    [InlineData(CropFill.Zero)]
    [InlineData(CropFill.Reflect)]
    public void A_crop_with_padding_p_moves_the_content_by_at_most_p(CropFill fill)
    {
        using var scope = NewDisposeScope();
        const int P = 4;
        var images = Coordinates(200);
        var shifted = new ImageAugmenter([new RandomCropStep(P, fill)], seed: 1).Augment(images, Range(0, 200), epoch: 1);

        var shifts = new HashSet<(long, long)>();
        for (var i = 0; i < 200; i++)
        {
            // The centre pixel is inside the image whatever the shift: it tells the shift.
            var dy = shifted[i, 0, 16, 16].item<byte>() - 17;
            var dx = shifted[i, 1, 16, 16].item<byte>() - 17;
            Assert.InRange(dy, -P, P);
            Assert.InRange(dx, -P, P);
            shifts.Add((dy, dx));
            if (fill == CropFill.Reflect)
            {
                Assert.False(shifted[i].eq(0).any().item<bool>(), $"image {i}: reflect fill made zeros");
            }
            else
            {
                // Zero fill: the rows and columns that came from outside the image are black, and only those.
                var zeroRows = shifted[i, 2, .., 16].eq(0).sum().item<long>();
                var zeroCols = shifted[i, 2, 16, ..].eq(0).sum().item<long>();
                Assert.Equal(Math.Abs(dy), zeroRows);
                Assert.Equal(Math.Abs(dx), zeroCols);
            }
        }

        Assert.True(shifts.Count > 40, $"only {shifts.Count} of the 81 shifts were drawn for 200 images");
    }

    [TorchFact]
    public void Alternating_flips_flip_each_image_on_alternate_epochs()
    {
        using var scope = NewDisposeScope();
        var images = Images(100);
        var mirrored = images.flip(3);
        var augmenter = new ImageAugmenter([new HorizontalFlipStep(FlipMode.Alternating)], seed: 9);
        bool[] Flipped(int epoch)
        {
            var out_ = augmenter.Augment(images, Range(0, 100), epoch);
            return [.. Enumerable.Range(0, 100).Select(i => Same(out_[i], mirrored[i]))];
        }

        var epochs = Enumerable.Range(1, 4).Select(Flipped).ToArray();
        for (var i = 0; i < 100; i++)
        {
            Assert.NotEqual(epochs[0][i], epochs[1][i]);
            Assert.NotEqual(epochs[1][i], epochs[2][i]);
            Assert.Equal(epochs[0][i], epochs[2][i]);
            Assert.Equal(epochs[1][i], epochs[3][i]);
        }

        Assert.InRange(epochs[0].Count(f => f), 30, 70); // the seeded pick is about half the images
    }

    [TorchFact]
    public void Cutout_zeroes_one_size_by_size_square_per_count_clipped_at_the_border()
    {
        using var scope = NewDisposeScope();
        const int Size = 8;
        var images = Images(200);
        var cut = new ImageAugmenter([new CutoutStep(Size, 1)], seed: 2).Augment(images, Range(0, 200), epoch: 1);
        var (whole, clipped) = (0, 0);
        for (var i = 0; i < 200; i++)
        {
            var zero = cut[i].eq(0);
            Assert.True(Same(zero[0], zero[1]) && Same(zero[0], zero[2]), "cutout is the same square in every channel");
            var nonzero = zero[0].nonzero();
            var (top, bottom) = (nonzero[.., 0].min().item<long>(), nonzero[.., 0].max().item<long>() + 1);
            var (left, right) = (nonzero[.., 1].min().item<long>(), nonzero[.., 1].max().item<long>() + 1);
            Assert.Equal((bottom - top) * (right - left), zero[0].sum().item<long>()); // a filled rectangle
            Assert.True(bottom - top == Size || top == 0 || bottom == 32, $"image {i}: height {bottom - top} away from the border");
            Assert.True(right - left == Size || left == 0 || right == 32, $"image {i}: width {right - left} away from the border");
            if ((bottom - top) * (right - left) == Size * Size) whole++; else clipped++;
            Assert.True(Same(cut[i].masked_select(zero.logical_not()), images[i].masked_select(zero.logical_not())));
        }

        Assert.True(whole > 100 && clipped > 10, $"{whole} whole and {clipped} clipped squares");

        var two = new ImageAugmenter([new CutoutStep(Size, 2)], seed: 2).Augment(images, Range(0, 200), epoch: 1);
        Assert.True(two.eq(0).sum().item<long>() > cut.eq(0).sum().item<long>(), "count 2 cuts more than count 1");
    }

    [TorchTheory]
    [InlineData("mixup")]
    [InlineData("cutmix")]
    public void Mixed_targets_sum_to_1_and_weigh_each_label_by_its_share_of_the_image(string kind)
    {
        using var scope = NewDisposeScope();
        AugmentationStep step = kind == "mixup" ? new MixupStep(1.0, 0.8) : new CutMixStep(1.0, 0.8);
        var augmenter = new ImageAugmenter([step], seed: 4);
        // Image i is constant i + 1: the share of each source in a mixed image is readable from its pixels.
        var inputs = arange(1, 33, dtype: ScalarType.Float32).view(32, 1, 1, 1).expand(32, 3, 8, 8).contiguous();
        var labels = arange(32, dtype: ScalarType.Int64).remainder(10);
        var mix = augmenter.Mix(inputs, Range(100, 32), epoch: 2)!;
        var targets = Trainer.MixedTargets(labels, mix, 10);

        Assert.True(targets.sum(1).allclose(ones(32), rtol: 0, atol: 1e-6), "every row of targets sums to 1");
        var own = mix.OwnWeight.data<float>().ToArray();
        var partner = mix.Partner.data<long>().ToArray();
        Assert.Contains(own, w => w < 1);
        Assert.Contains(own, w => w == 1); // probability 0.8: some images are left alone
        for (var i = 0; i < 32; i++)
        {
            Assert.Equal((i + 1) % 32, partner[i]);
            // The mean pixel is own * (i + 1) + (1 - own) * (partner + 1), for mixup and for cutmix's pasted box alike.
            var mean = mix.Inputs[i].mean().item<float>();
            Assert.Equal(own[i] * (i + 1) + (1 - own[i]) * (partner[i] + 1), mean, 3);
        }
    }
}
