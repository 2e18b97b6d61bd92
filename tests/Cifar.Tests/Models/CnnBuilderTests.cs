using Cifar.Models;
using Cifar.Specs;
using Cifar.Tests.Infra;
using static TorchSharp.torch;
using Padding = Cifar.Specs.Padding;

namespace Cifar.Tests.Models;

public class CnnBuilderTests
{
    [TorchFact]
    public void Lab_cnn_has_kerass_parameter_count_and_outputs_ten_logits()
    {
        using var model = CnnBuilder.Build(LabCnn.Spec, 32, seed: 1);
        using var input = rand(2, 3, 32, 32);
        using var output = model.call(input);

        Assert.Equal(122_570, model.parameters().Sum(p => p.numel()));
        Assert.Equal([2L, 10L], output.shape);
        Assert.Equal(Activation.Softmax, model.OutputActivation);
        Assert.Equal(
            ["conv2d.weight", "conv2d.bias", "conv2d_1.weight", "conv2d_1.bias", "conv2d_2.weight", "conv2d_2.bias",
             "dense.weight", "dense.bias", "dense_1.weight", "dense_1.bias"],
            model.state_dict().Keys);
    }

    [TorchFact]
    public void Softmax_output_layer_is_left_to_predict_so_forward_returns_logits()
    {
        using var model = CnnBuilder.Build(LabCnn.Spec, 32, seed: 1);
        using var input = rand(3, 3, 32, 32);

        using var logits = model.call(input);
        using var probabilities = model.Predict(input);
        using var sums = probabilities.sum(1);
        using var expected = softmax(logits, 1);

        Assert.True(logits.lt(0).any().item<bool>(), "logits are not probabilities");
        Assert.True(sums.allclose(ones(3)));
        Assert.True(probabilities.allclose(expected));
    }

    [TorchFact]
    public void Module_shapes_match_the_plan_at_every_layer()
    {
        // Keras padding cases PyTorch does not have: 'same' with stride 2 and with an even kernel (asymmetric padding).
        LayerSpec[] layers =
        [
            new Conv2DLayer(4, 3, 2, Padding.Same, Activation.Relu),
            new Conv2DLayer(5, 4, 1, Padding.Same, Activation.Tanh),
            new BatchNormalizationLayer(),
            new MaxPooling2DLayer(3, 2),
            new Conv2DLayer(6, 2, 1, Padding.Valid, Activation.Sigmoid),
            new FlattenLayer(),
            new DropoutLayer(0.5),
            new DenseLayer(7, Activation.Relu),
            new BatchNormalizationLayer(),
            new DenseLayer(10, Activation.Softmax),
        ];
        var plan = LayerPlanner.Plan(layers, [3, 17, 17]);
        using var input = rand(2, 3, 17, 17);
        for (var count = 1; count <= layers.Length; count++)
        {
            using var prefix = CnnBuilder.Build(layers[..count], [3, 17, 17], name: "prefix");
            using var output = prefix.call(input);
            Assert.Equal(plan[count - 1].OutputShape.Select(d => (long)d), output.shape.Skip(1));
            Assert.Equal(plan.Take(count).Sum(l => l.Parameters),
                prefix.parameters().Sum(p => p.numel()) + prefix.buffers().Where(b => b.dtype == ScalarType.Float32).Sum(b => b.numel()));
        }
    }

    [TorchFact]
    public void Same_padding_with_an_even_kernel_pads_bottom_and_right_like_tensorflow()
    {
        using var model = CnnBuilder.Build([new Conv2DLayer(1, 2, 1, Padding.Same, Activation.Linear)], [1, 4, 4]);
        using (no_grad())
        {
            // A kernel that picks its window's top-left pixel: with TensorFlow's padding the output is the input itself;
            // with the extra row and column on top/left instead it would be shifted by one pixel.
            var weight = model.state_dict()["conv2d.weight"];
            weight.zero_();
            weight[0, 0, 0, 0] = tensor(1f);
        }
        using var input = arange(16, dtype: ScalarType.Float32).reshape(1, 1, 4, 4);

        using var output = model.call(input);

        Assert.True(TensorAssert.Identical(output, input));
    }

    [TorchFact]
    public void Flatten_orders_features_height_width_channels_like_keras()
    {
        using var model = CnnBuilder.Build([new FlattenLayer()], [3, 2, 4]);
        // Value = c + 10 w + 100 h: in Keras' (h, w, c) order the flattened values increase strictly.
        using var c = arange(3).reshape(3, 1, 1);
        using var w = arange(4).reshape(1, 1, 4) * 10;
        using var h = arange(2).reshape(1, 2, 1) * 100;
        using var input = (c + w + h).to_type(ScalarType.Float32).unsqueeze(0);

        using var output = model.call(input);
        var values = output.data<float>().ToArray();

        Assert.Equal(values.Order(), values);
        Assert.Equal(24, values.Length);
    }

    [TorchFact]
    public void Kernels_are_glorot_uniform_biases_zero_batch_norm_identity()
    {
        var spec = new CnnModelSpec([.. LabCnn.Spec.Layers.Take(5), new BatchNormalizationLayer(), .. LabCnn.Spec.Layers.Skip(5)]);
        using var model = CnnBuilder.Build(spec, 32, seed: 3);
        var weights = model.state_dict();

        // Keras' fans for a conv kernel: kernel area x input channels and kernel area x filters.
        (string Name, long FanIn, long FanOut)[] kernels =
        [
            ("conv2d.weight", 9 * 3, 9 * 32), ("conv2d_1.weight", 9 * 32, 9 * 64), ("conv2d_2.weight", 9 * 64, 9 * 64),
            ("dense.weight", 1024, 64), ("dense_1.weight", 64, 10),
        ];
        foreach (var (name, fanIn, fanOut) in kernels)
        {
            var limit = Math.Sqrt(6.0 / (fanIn + fanOut));
            var w = weights[name];
            var maxAbs = w.abs().max().item<float>();
            Assert.InRange(maxAbs, 0.97 * limit, limit);
            Assert.InRange(w.std().item<float>(), 0.93 * limit / Math.Sqrt(3), 1.07 * limit / Math.Sqrt(3));
            Assert.Equal(0f, weights[name.Replace("weight", "bias", StringComparison.Ordinal)].abs().max().item<float>());
        }
        Assert.True(weights["batch_normalization.weight"].eq(1).all().item<bool>());
        Assert.True(weights["batch_normalization.bias"].eq(0).all().item<bool>());
    }

    [TorchFact]
    public void Same_seed_gives_the_same_weights()
    {
        using var a = CnnBuilder.Build(LabCnn.Spec, 32, seed: 5);
        using var b = CnnBuilder.Build(LabCnn.Spec, 32, seed: 5);
        using var c = CnnBuilder.Build(LabCnn.Spec, 32, seed: 6);

        foreach (var (name, weight) in a.state_dict())
            Assert.True(TensorAssert.Identical(weight, b.state_dict()[name]), name);
        Assert.False(TensorAssert.Identical(a.state_dict()["dense.weight"], c.state_dict()["dense.weight"]));
    }

    [TorchFact]
    public void Batch_normalization_uses_keras_momentum_and_epsilon()
    {
        using var model = CnnBuilder.Build([new BatchNormalizationLayer(0.99, 0.001)], [4]);
        using var input = randn(64, 4) * 3 + 5;
        model.train();
        using var output = model.call(input);

        // One training step moves the moving mean 1% of the way to the batch mean (Keras momentum 0.99).
        using var expectedMean = input.mean([0]) * 0.01;
        Assert.True(model.state_dict()["batch_normalization.running_mean"].allclose(expectedMean, rtol: 1e-4, atol: 1e-5));
        var batchNorm = (TorchSharp.Modules.BatchNorm1d)model.named_children().Single().module;
        Assert.Equal(0.001, batchNorm.eps);
    }
}
