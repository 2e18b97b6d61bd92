using Cifar.Models;
using Cifar.Specs;
using Cifar.Tests.Infra;
using static TorchSharp.torch;

namespace Cifar.Tests.Models;

public class PatchWhiteningTests
{
    [TorchFact]
    public void Whitened_patches_of_correlated_images_have_unit_variance_and_no_correlation()
    {
        // Smooth, correlated images: each pixel mixes its neighbours and the colour channels share most of their signal.
        using var generator = new Generator(3, CPU);
        using var noise = randn([400, 1, 20, 20], generator: generator);
        using var smooth = nn.functional.avg_pool2d(noise, 3, stride: 1, padding: 1);
        using var images = cat([smooth, smooth * 0.8 + randn([400, 1, 20, 20], generator: generator) * 0.2, smooth * -0.5 + randn([400, 1, 20, 20], generator: generator) * 0.3], 1) + 3.0;

        using var model = CnnBuilder.Build([new PatchWhiteningLayer(KernelSize: 2, Epsilon: 1e-6), new FlattenLayer(), new DenseLayer(10, Activation.Linear)], [3, 20, 20]);
        model.InitializeFromData(images);
        using var whitened = model.state_dict()["patch_whitening.weight"] is { } weight
            ? nn.functional.conv2d(images, weight)
            : throw new InvalidOperationException("no weight");

        // The first half of the 24 channels are the 12 whitening directions; the second half their negatives.
        using var channels = whitened.narrow(1, 0, 12).permute(1, 0, 2, 3).reshape(12, -1).to(float64);
        using var centred = channels - channels.mean([1], keepdim: true);
        using var covariance = centred.matmul(centred.t()) / centred.shape[1];
        Assert.True(covariance.allclose(eye(12, dtype: float64), rtol: 0, atol: 1e-3), covariance.ToString(TorchSharp.TensorStringStyle.Numpy));
        Assert.True(whitened.narrow(1, 12, 12).allclose(-whitened.narrow(1, 0, 12), rtol: 0, atol: 0));
    }

    [TorchFact]
    public void Whitening_weights_are_frozen_and_counted_as_non_trainable()
    {
        var plan = LayerPlanner.Plan([new PatchWhiteningLayer(KernelSize: 2), new RescalingLayer(1.0 / 9)], [3, 32, 32]);
        Assert.Equal([24, 31, 31], plan[0].OutputShape);
        Assert.Equal(288, plan[0].Parameters);
        Assert.Equal(0, plan[0].TrainableParameters);

        // The model summary says so, as Keras' does for a layer whose weights are all non-trainable.
        var summary = CnnBuilder.Summarize(plan);
        Assert.False(summary.Layers[0].Trainable);
        Assert.True(summary.Layers[1].Trainable); // no weights: nothing frozen

        using var model = CnnBuilder.Build([new PatchWhiteningLayer(), new FlattenLayer(), new DenseLayer(10, Activation.Linear), new RescalingLayer(0.5)], [3, 8, 8]);
        Assert.DoesNotContain(model.named_parameters(), p => p.name.StartsWith("patch_whitening", StringComparison.Ordinal));
        Assert.True(model.InitializesFromData);
    }

    [TorchFact]
    public void Rescaling_multiplies_and_offsets()
    {
        using var model = CnnBuilder.Build([new FlattenLayer(), new DenseLayer(10, Activation.Linear), new RescalingLayer(0.25, 1)], [3, 4, 4]);
        using var plain = CnnBuilder.Build([new FlattenLayer(), new DenseLayer(10, Activation.Linear)], [3, 4, 4]);
        plain.load_state_dict(model.state_dict());
        using var input = rand(2, 3, 4, 4);
        using var expected = plain.call(input) * 0.25 + 1;
        Assert.True(model.call(input).allclose(expected));
    }
}
