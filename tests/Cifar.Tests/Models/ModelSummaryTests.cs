using Cifar.Models;
using Cifar.Specs;

namespace Cifar.Tests.Models;

public class ModelSummaryTests
{
    [Fact]
    public void Lab_cnn_summary_matches_keras()
    {
        var summary = CnnBuilder.Summarize(LabCnn.Spec, 32);

        // Keras: conv2d (None, 30, 30, 32) 896, max_pooling2d (None, 15, 15, 32), conv2d_1 (None, 13, 13, 64) 18496,
        // max_pooling2d_1 (None, 6, 6, 64), conv2d_2 (None, 4, 4, 64) 36928, flatten (None, 1024), dense (None, 64)
        // 65600, dense_1 (None, 10) 650. Shapes here are channels first, as the contract says.
        var expected = new (string Name, string Type, int[] Shape, long Parameters)[]
        {
            ("conv2d", "Conv2D", [32, 30, 30], 896),
            ("max_pooling2d", "MaxPooling2D", [32, 15, 15], 0),
            ("conv2d_1", "Conv2D", [64, 13, 13], 18_496),
            ("max_pooling2d_1", "MaxPooling2D", [64, 6, 6], 0),
            ("conv2d_2", "Conv2D", [64, 4, 4], 36_928),
            ("flatten", "Flatten", [1024], 0),
            ("dense", "Dense", [64], 65_600),
            ("dense_1", "Dense", [10], 650),
        };
        Assert.Equal(expected.Length, summary.Layers.Count);
        for (var i = 0; i < expected.Length; i++)
        {
            var row = summary.Layers[i];
            Assert.Equal(expected[i].Name, row.Name);
            Assert.Equal(expected[i].Type, row.Type);
            Assert.Equal(expected[i].Shape, row.OutputShape);
            Assert.Equal(expected[i].Parameters, row.Parameters);
            Assert.True(row.Trainable);
        }
        Assert.Equal(122_570, summary.TotalParameters);
        Assert.Equal(122_570, summary.TrainableParameters);
        Assert.Equal(0, summary.FrozenParameters);
    }

    [Fact]
    public void Batch_normalization_moving_statistics_count_as_non_trainable()
    {
        var spec = new CnnModelSpec(
        [
            new Conv2DLayer(16, 3, 1, Padding.Same, Activation.Relu),
            new BatchNormalizationLayer(),
            new FlattenLayer(),
            new DenseLayer(10, Activation.Softmax),
            new BatchNormalizationLayer(),
        ]);

        var summary = CnnBuilder.Summarize(spec, 8);

        Assert.Equal(["conv2d", "batch_normalization", "flatten", "dense", "batch_normalization_1"], summary.Layers.Select(l => l.Name));
        Assert.Equal(64, summary.Layers[1].Parameters); // Keras: 4 x 16 (gamma, beta, moving mean, moving variance)
        Assert.Equal([16, 8, 8], summary.Layers[1].OutputShape);
        Assert.Equal(448 + 64 + 10_250 + 40, summary.TotalParameters);
        Assert.Equal(32 + 20, summary.FrozenParameters);
    }

    [Theory]
    [InlineData(32, 3, 1, Padding.Same, 32)]
    [InlineData(32, 3, 2, Padding.Same, 16)]
    [InlineData(33, 3, 2, Padding.Same, 17)]
    [InlineData(32, 4, 1, Padding.Same, 32)]
    [InlineData(32, 5, 2, Padding.Valid, 14)]
    [InlineData(7, 7, 1, Padding.Valid, 1)]
    public void Conv2d_output_size_follows_keras(int input, int kernel, int strides, Padding padding, int expected)
    {
        var spec = new CnnModelSpec([new Conv2DLayer(4, kernel, strides, padding, Activation.Linear), new FlattenLayer(), new DenseLayer(10, Activation.Softmax)]);

        var summary = CnnBuilder.Summarize(spec, input);

        Assert.Equal([4, expected, expected], summary.Layers[0].OutputShape);
    }

    [Theory]
    [InlineData(15, 2, null, 7)]
    [InlineData(15, 3, 1, 13)]
    [InlineData(16, 3, 2, 7)]
    public void Max_pooling_drops_windows_that_do_not_fit(int input, int pool, int? strides, int expected)
    {
        var spec = new CnnModelSpec([new MaxPooling2DLayer(pool, strides), new FlattenLayer(), new DenseLayer(10, Activation.Softmax)]);

        Assert.Equal([3, expected, expected], CnnBuilder.Summarize(spec, input).Layers[0].OutputShape);
    }
}
