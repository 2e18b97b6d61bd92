using Cifar.Specs;
using Cifar.Models;

namespace Cifar.Tests.Models;

public class LayerPlanProblemTests
{
    private sealed record UpSamplingLayer(int Size) : LayerSpec(3, 5)
    {
        public override string Kind => "up_sampling2d";
    }

    [Fact]
    public void Unknown_layer_kind_is_an_error_naming_the_kind()
    {
        var spec = new CnnModelSpec([new UpSamplingLayer(2), new FlattenLayer(), new DenseLayer(10, Activation.Softmax)]);

        var error = Assert.Throws<NotSupportedException>(() => CnnBuilder.Summarize(spec, 32));
        Assert.Contains("'up_sampling2d'", error.Message, StringComparison.Ordinal);
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
        Assert.Equal("line 9, column 7: conv2d_1: kernel_size 5 is larger than its 3x3 input with padding 'valid'; use padding 'same', a smaller kernel_size or fewer pooling layers.", error.Message);
        var problem = Assert.Single(CnnBuilder.FindProblems(spec, 8));
        Assert.Same(spec.Layers[2], problem.Layer);
        Assert.Empty(CnnBuilder.FindProblems(spec, 32));
    }

    [Fact]
    public void Dense_on_an_image_asks_for_a_flatten()
    {
        var spec = new CnnModelSpec([new Conv2DLayer(8, 3, 1, Padding.Same, Activation.Relu), new DenseLayer(10, Activation.Softmax)]);

        var problem = Assert.Single(CnnBuilder.FindProblems(spec, 32));

        Assert.Equal("dense: dense needs a flat input, but its input is an image of 32x32x8; add a flatten before it.", problem.Message);
    }

    [Fact]
    public void Pooling_after_flatten_is_rejected()
    {
        var spec = new CnnModelSpec([new FlattenLayer(), new MaxPooling2DLayer(2, null), new DenseLayer(10, Activation.Softmax)]);

        var problem = Assert.Single(CnnBuilder.FindProblems(spec, 32));

        Assert.Contains("needs an image input", problem.Message, StringComparison.Ordinal);
    }
}
