using Cifar.Models;
using Cifar.Specs;
using Cifar.Tests.Infra;
using Cifar.Training;
using static TorchSharp.torch;
using Padding = Cifar.Specs.Padding;

namespace Cifar.Tests.Models;

/// <summary>The modules behind activation, global pooling, use_bias, center/scale and residual: the shapes and counts
/// their rules plan are what libtorch runs, the functions are Keras', and a residual network learns.</summary>
[Collection("libtorch")]
public class LayerKindModuleTests
{
    /// <summary>A small ResNet: a stem, a projection block (stride 2, more channels), an identity block, global pooling.</summary>
    private static LayerSpec[] ResNet(int width = 8) =>
    [
        new Conv2DLayer(width, 3, 1, Padding.Same, Activation.Linear) { UseBias = false },
        new BatchNormalizationLayer(0.9, 1e-5),
        new ActivationLayer(Activation.Relu),
        new ResidualLayer(
        [
            new Conv2DLayer(2 * width, 3, 2, Padding.Same, Activation.Linear) { UseBias = false },
            new BatchNormalizationLayer(0.9, 1e-5),
            new ActivationLayer(Activation.Gelu),
            new Conv2DLayer(2 * width, 3, 1, Padding.Same, Activation.Linear) { UseBias = false },
            new BatchNormalizationLayer(0.9, 1e-5) { Center = false },
        ]),
        new ActivationLayer(Activation.Relu),
        new ResidualLayer(
        [
            new Conv2DLayer(2 * width, 3, 1, Padding.Same, Activation.Silu),
            new BatchNormalizationLayer(0.9, 1e-5) { Scale = false },
        ]),
        new GlobalMaxPooling2DLayer(),
        new DenseLayer(10, Activation.Linear),
    ];

    private static long Weights(nn.Module model) =>
        model.parameters().Sum(p => p.numel()) + model.buffers().Where(b => b.dtype == ScalarType.Float32).Sum(b => b.numel());

    [TorchFact]
    public void A_residual_network_runs_with_the_planned_shapes_names_and_parameter_counts()
    {
        using var model = CnnBuilder.Build(ResNet(), [3, 12, 12], new Generator(1, CPU));
        model.train();
        using var input = rand(4, 3, 12, 12);
        using var output = model.call(input);

        Assert.Equal([4L, 10L], output.shape);
        Assert.Equal(model.Summary.TotalParameters, Weights(model));
        Assert.Equal(model.Summary.TrainableParameters, model.parameters().Sum(p => p.numel()));
        var keys = model.state_dict().Keys.Where(k => !k.EndsWith("num_batches_tracked", StringComparison.Ordinal)).ToArray();
        Assert.Equal(new[]
        {
            "conv2d.weight",
            "batch_normalization.weight", "batch_normalization.bias", "batch_normalization.running_mean", "batch_normalization.running_var",
            "residual.conv2d_1.weight",
            "residual.batch_normalization_1.weight", "residual.batch_normalization_1.bias", "residual.batch_normalization_1.running_mean", "residual.batch_normalization_1.running_var",
            "residual.conv2d_2.weight",
            "residual.batch_normalization_2.weight", "residual.batch_normalization_2.running_mean", "residual.batch_normalization_2.running_var",
            "residual.shortcut_conv.weight",
            "residual.shortcut_bn.weight", "residual.shortcut_bn.bias", "residual.shortcut_bn.running_mean", "residual.shortcut_bn.running_var",
            "residual_1.conv2d_3.weight", "residual_1.conv2d_3.bias",
            "residual_1.batch_normalization_3.bias", "residual_1.batch_normalization_3.running_mean", "residual_1.batch_normalization_3.running_var",
            "dense.weight", "dense.bias",
        }.Order(), keys.Order());
    }

    /// <summary>Each block's output is its layers' output plus the input (identity) or the projection of the input.</summary>
    [TorchFact]
    public void A_residual_block_adds_its_shortcut()
    {
        LayerSpec[] identity = [new ResidualLayer([new Conv2DLayer(3, 3, 1, Padding.Same, Activation.Linear)])];
        using var same = CnnBuilder.Build(identity, [3, 6, 6], new Generator(2, CPU));
        using var inner = CnnBuilder.Build([new Conv2DLayer(3, 3, 1, Padding.Same, Activation.Linear)], [3, 6, 6], new Generator(2, CPU));
        using var x = rand(2, 3, 6, 6);
        using var withShortcut = same.call(x);
        using var blockOnly = inner.call(x);
        // Same generator, same draws: the block's convolution is the lone one, so the difference is the input.
        Assert.True(withShortcut.sub(blockOnly).allclose(x, rtol: 1e-5, atol: 1e-6));

        LayerSpec[] projected = [new ResidualLayer([new MaxPooling2DLayer(2, null), new Conv2DLayer(5, 1, 1, Padding.Valid, Activation.Linear)])];
        using var down = CnnBuilder.Build(projected, [3, 7, 7]);
        down.eval();
        using var y = down.call(rand(2, 3, 7, 7));
        var planned = Assert.Single(down.Plan);
        Assert.Equal(new ResidualShortcut(3, 5, 3), planned.Shortcut);
        Assert.Equal([2L, 5L, 3L, 3L], y.shape); // pool: floor(7 / 2) = 3; the shortcut's stride 3 gives ceil(7 / 3) = 3
    }

    [TorchFact]
    public void Use_bias_false_leaves_out_the_bias_and_its_parameters()
    {
        using var model = CnnBuilder.Build([new Conv2DLayer(6, 3, 1, Padding.Same, Activation.Linear) { UseBias = false }], [2, 5, 5]);
        Assert.Equal(["conv2d.weight"], model.state_dict().Keys);
        Assert.Equal(3 * 3 * 2 * 6, model.Summary.TotalParameters);
        Assert.Equal(model.Summary.TotalParameters, Weights(model));
    }

    [TorchTheory]
    [InlineData(true, true, 4, 2)]
    [InlineData(true, false, 3, 1)]
    [InlineData(false, true, 3, 1)]
    [InlineData(false, false, 2, 0)]
    public void Batch_normalization_without_center_or_scale_counts_and_normalizes_as_keras(bool center, bool scale, int perChannel, int trainablePerChannel)
    {
        foreach (int[] shape in new[] { new[] { 5, 3, 3 }, [5] })
        {
            using var model = CnnBuilder.Build([new BatchNormalizationLayer(0.9, 1e-3) { Center = center, Scale = scale }], shape);
            Assert.Equal(perChannel * 5, model.Summary.TotalParameters);
            Assert.Equal(trainablePerChannel * 5, model.Summary.TrainableParameters);
            Assert.Equal(model.Summary.TotalParameters, Weights(model));
            Assert.Equal(trainablePerChannel * 5, model.parameters().Sum(p => p.numel()));

            // With gamma 1 and beta 0 (Keras' initial values) every form normalizes alike, and each moves its statistics.
            model.train();
            using var input = randn([8, .. shape.Select(d => (long)d)]).mul(3).add(2);
            using var output = model.call(input);
            var axes = shape.Length == 3 ? new long[] { 0, 2, 3 } : [0];
            Assert.True(output.mean(axes).abs().max().item<float>() < 1e-4, "not centred");
            using var mean = model.state_dict().Single(e => e.Key.EndsWith("running_mean", StringComparison.Ordinal)).Value;
            Assert.True(mean.abs().sum().item<float>() > 0, "the moving mean did not move");
        }
    }

    [TorchFact]
    public void Activations_are_keras_functions()
    {
        using var x = linspace(-4, 4, 81);
        (Activation Activation, Tensor Expected)[] cases =
        [
            (Activation.Gelu, x.mul(erf(x.div(Math.Sqrt(2))).add(1)).mul(0.5)), // exact, approximate=False
            (Activation.Silu, x.mul(x.sigmoid())),
            (Activation.LeakyRelu, where(x.gt(0), x, x.mul(0.2))),         // Keras' negative_slope 0.2
            (Activation.Elu, where(x.gt(0), x, x.exp().sub(1))),
            (Activation.Relu6, x.clamp(0, 6)),
            (Activation.Softsign, x.div(x.abs().add(1))),
            (Activation.Softplus, x.exp().add(1).log()),
            (Activation.Mish, x.mul(x.exp().add(1).log().tanh())),
            (Activation.Selu, where(x.gt(0), x, x.exp().sub(1).mul(1.6732632423543772)).mul(1.0507009873554805)),
        ];
        foreach (var (activation, expected) in cases)
        {
            using var model = CnnBuilder.Build([new ActivationLayer(activation)], [81]);
            using var output = model.call(x.unsqueeze(0)).squeeze(0);
            Assert.True(output.allclose(expected, rtol: 1e-4, atol: 1e-5), $"{activation}: {output.sub(expected).abs().max().item<float>()}");
        }
    }

    [TorchFact]
    public void Global_pooling_takes_the_mean_or_the_maximum_of_each_channel()
    {
        using var x = rand(3, 4, 5, 6);
        using var average = CnnBuilder.Build([new GlobalAveragePooling2DLayer()], [4, 5, 6]);
        using var maximum = CnnBuilder.Build([new GlobalMaxPooling2DLayer()], [4, 5, 6]);
        using var mean = average.call(x);
        using var max = maximum.call(x);
        Assert.Equal([3L, 4L], mean.shape);
        Assert.True(mean.allclose(x.flatten(2).mean([2])));
        Assert.True(max.allclose(x.flatten(2).amax([2])));
    }

    /// <summary>A residual network trained a few epochs on generated, learnable images is far above chance (10%).</summary>
    [TorchFact]
    public void A_residual_network_learns_generated_images()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Cifar.Tests.Training.SyntheticImages.Make(300, 16, seed: 4, noise: 0.1);
        var (valX, valY) = Cifar.Tests.Training.SyntheticImages.Make(100, 16, seed: 5, noise: 0.1);
        using var model = CnnBuilder.Build(new CnnModelSpec(ResNet(width: 6)), 16, seed: 4);
        var options = new FitOptions(5, 32, new OptimizerSpec(OptimizerType.Sgd, 0.05, Momentum: 0.9, Nesterov: true, WeightDecay: 5e-4), Seed: 4);
        var history = Trainer.Fit(model, new(x, y), new(valX, valY), options);
        Assert.True(history.Epochs[^1].ValAccuracy > 0.6, $"validation accuracy {history.Epochs[^1].ValAccuracy} after training a residual network");
    }
}
