using Cifar.Evaluation;
using Cifar.Models;
using Cifar.Specs;
using Cifar.Tests.Infra;
using Cifar.Tests.Models;
using static TorchSharp.torch;

namespace Cifar.Tests.Evaluation;

/// <summary>evaluation.tta: the views airbench94 averages, their weights, and the shifts they are made of.</summary>
[Collection("libtorch")]
public class TestTimeAugmentationTests
{
    [TorchFact]
    public void A_shift_moves_the_content_and_reflects_the_border_without_repeating_the_edge()
    {
        using var image = arange(9, dtype: ScalarType.Byte).view(1, 1, 3, 3); // rows 0 1 2 / 3 4 5 / 6 7 8
        using var downRight = TestTimeAugmentation.Shift(image, 1, 1);
        using var upLeft = TestTimeAugmentation.Shift(image, -1, -1);
        Assert.Equal(new byte[] { 4, 3, 4, 1, 0, 1, 4, 3, 4 }, downRight.data<byte>().ToArray());
        Assert.Equal(new byte[] { 4, 5, 4, 7, 8, 7, 4, 5, 4 }, upLeft.data<byte>().ToArray());
        Assert.Equal(ScalarType.Byte, downRight.dtype);
    }

    [TorchFact]
    public void A_shift_is_airbenchs_reflect_padding_cropped_at_the_corners()
    {
        using var generator = new Generator(3, CPU);
        using var images = randint(0, 256, [2, 3, 32, 32], dtype: ScalarType.Float32, generator: generator);
        using var padded = nn.functional.pad(images, [2, 2, 2, 2], TorchSharp.PaddingModes.Reflect);
        using var downRight = padded.narrow(2, 0, 32).narrow(3, 0, 32); // airbench's padded[:, :, 0:32, 0:32]
        using var upLeft = padded.narrow(2, 4, 32).narrow(3, 4, 32);
        Assert.True(TensorAssert.Identical(downRight, TestTimeAugmentation.Shift(images, 2, 2)));
        Assert.True(TensorAssert.Identical(upLeft, TestTimeAugmentation.Shift(images, -2, -2)));
    }

    [TorchFact]
    public void An_image_equal_to_its_mirror_gets_the_same_logits_with_flips_as_without()
    {
        using var generator = new Generator(5, CPU);
        using var half = rand([4, 3, 16, 8], generator: generator);
        using var images = cat([half, half.flip(3)], 3); // every row reads the same both ways
        using var model = CnnBuilder.Build(
            [new Conv2DLayer(4, 3, 1, Padding.Valid, Activation.Relu), new FlattenLayer(), new DenseLayer(10, Activation.Linear)],
            [3, 16, 16], generator);
        model.eval();
        using var noGrad = no_grad();

        using var plain = model.call(images);
        using var flipped = new TestTimeAugmentation(new TestTimeAugmentationSpec(Flip: true, Translate: 0)).Logits(model.call, images);
        Assert.True(TensorAssert.Identical(plain, flipped));
    }

    /// <summary>A "model" that outputs the mean of each image's left-most column, on images whose column c holds c.</summary>
    private static Tensor LeftColumn(Tensor view) => view.select(3, 0).to_type(ScalarType.Float64).mean([1, 2]).unsqueeze(1);

    [TorchFact]
    public void The_views_are_weighted_as_airbench94s()
    {
        using var columns = arange(32, dtype: ScalarType.Byte).view(1, 1, 1, 32).expand(2, 3, 32, 32).contiguous();
        double Averaged(bool flip, int translate) =>
            new TestTimeAugmentation(new TestTimeAugmentationSpec(flip, translate)).Logits(LeftColumn, columns)[0, 0].item<double>();

        // Flip: the left column (0) and the mirror's (31), half each.
        Assert.Equal(15.5, Averaged(flip: true, translate: 0));
        // Translate 1: the image itself counts half (column 0), each shift a quarter; both shifts show column 1 at the
        // left, by reflection from the right shift and by moving from the left one: 0.5 * 0 + 0.25 * 1 + 0.25 * 1.
        Assert.Equal(0.5, Averaged(flip: false, translate: 1));
        Assert.Equal(1.0, Averaged(flip: false, translate: 2));
        Assert.Equal(15.5, Averaged(flip: true, translate: 1));
    }

    [TorchFact]
    public void Evaluation_with_flips_averages_the_logits_of_both_views()
    {
        using var generator = new Generator(7, CPU);
        using var images = rand([6, 3, 8, 8], generator: generator);
        using var labels = tensor(new long[] { 0, 1, 2, 3, 4, 5 });
        using var model = CnnBuilder.Build([new FlattenLayer(), new DenseLayer(10, Activation.Linear)], [3, 8, 8], generator);
        string[] classes = [.. Enumerable.Range(0, 10).Select(i => $"c{i}")];

        var tta = new TestTimeAugmentation(new TestTimeAugmentationSpec(Flip: true, Translate: 0));
        var report = Evaluator.Evaluate(model, images, labels, classes, batchSize: 4, testTimeAugmentation: tta);

        using var noGrad = no_grad();
        using var expected = model.call(images).add(model.call(images.flip(3))).div(2);
        var loss = nn.functional.cross_entropy(expected, labels).item<float>();
        Assert.Equal(loss, report.Loss, 5);
        Assert.Equal(expected.argmax(1).data<long>().ToArray().Select(p => (byte)p), report.Predictions);
        Assert.NotEqual(Evaluator.Evaluate(model, images, labels, classes, batchSize: 4).Loss, report.Loss, 5);
    }

    [TorchFact]
    public void Features_and_too_large_translations_are_refused()
    {
        var tta = new TestTimeAugmentation(new TestTimeAugmentationSpec(Flip: true, Translate: 8));
        using var features = zeros(2, 512);
        using var small = zeros(2, 3, 8, 8);
        Assert.Throws<InvalidOperationException>(() => tta.Logits(v => v, features));
        Assert.Throws<InvalidOperationException>(() => tta.Logits(v => v, small));
        Assert.Throws<ArgumentException>(() => new TestTimeAugmentation(new TestTimeAugmentationSpec(Flip: false, Translate: 0)));
    }
}
