using Cifar.Models;
using Cifar.Specs;

namespace Cifar.Tests.Models;

public class LayerPlanProblemTests
{
    private sealed record UpSamplingLayer(int Size) : LayerSpec(3, 5);

    [Fact]
    public void Layer_record_without_a_kind_is_an_error_naming_it()
    {
        var spec = new CnnModelSpec([new UpSamplingLayer(2), new FlattenLayer(), new DenseLayer(10, Activation.Softmax)]);

        var error = Assert.Throws<NotSupportedException>(() => CnnBuilder.Summarize(spec, 32));
        Assert.Contains("UpSamplingLayer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Kernel_larger_than_what_is_left_of_the_image_is_a_user_error_with_its_position()
    {
        var spec = new CnnModelSpec(
        [
            new Conv2DLayer(8, 3, 1, Padding.Valid, Activation.Relu),
            new MaxPooling2DLayer(2, null),
            new Conv2DLayer(8, 5, 1, Padding.Valid, Activation.Relu, Line: 9, Column: 7),
            new FlattenLayer(),
            new DenseLayer(10, Activation.Softmax),
        ]);

        var error = Assert.Throws<CifarUserException>(() => CnnBuilder.Summarize(spec, 8));

        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        Assert.Equal("line 9, column 7: conv2d_1 shrinks the feature map below 1x1: its input is 3x3, smaller than kernel_size 5; expected an input of at least 5x5 (use padding: same, fewer poolings or a larger data.image_size)", error.Message);
        Assert.Equal([8, 11, 11], CnnBuilder.Summarize(spec, 32).Layers[2].OutputShape); // a larger image makes room
    }

    [Fact]
    public void Dense_on_an_image_asks_for_a_flatten()
    {
        var error = Assert.Throws<CifarUserException>(() => LayerPlanner.Plan(
            [new Conv2DLayer(8, 3, 1, Padding.Same, Activation.Relu), new DenseLayer(10, Activation.Softmax)], [3, 32, 32]));

        Assert.Equal("dense needs a flat input, but its input is an image of 32x32x8; add a flatten before it", error.Message);
    }

    [Fact]
    public void Pooling_after_flatten_is_rejected()
    {
        var error = Assert.Throws<CifarUserException>(() => LayerPlanner.Plan(
            [new FlattenLayer(), new MaxPooling2DLayer(2, null, Line: 4, Column: 7), new DenseLayer(10, Activation.Softmax)], [3, 32, 32]));

        Assert.Equal("line 4, column 7: max_pooling2d needs an image input, but its input is flat (3072 features); move it before the flatten", error.Message);
    }

    [Fact]
    public void A_second_flatten_is_rejected_as_the_validator_rejects_it()
    {
        var error = Assert.Throws<CifarUserException>(() => LayerPlanner.Plan(
            [new FlattenLayer(), new FlattenLayer(), new DenseLayer(10, Activation.Softmax)], [3, 4, 4]));

        Assert.Equal("flatten_1 needs an image input, but its input is flat (48 features); move it before the flatten", error.Message);
    }
}
