using Cifar.Models;
using Cifar.Reproducibility;
using Cifar.Specs;
using Cifar.Tests.Infra;
using Cifar.Tests.Models;
using Cifar.Training;
using Padding = Cifar.Specs.Padding;

namespace Cifar.Tests.Training;

[Collection("libtorch")]
public class DeterminismTests
{
    // Every random source: initialisation, shuffle, dropout; batch normalization for state that carries over.
    private static readonly CnnModelSpec Spec = new(
    [
        new Conv2DLayer(8, 3, 1, Padding.Same, Activation.Relu),
        new BatchNormalizationLayer(),
        new MaxPooling2DLayer(2, null),
        new FlattenLayer(),
        new DropoutLayer(0.3),
        new DenseLayer(10, Activation.Softmax),
    ]);

    [TorchFact]
    public void Same_seed_gives_bit_identical_weights_and_history()
    {
        var (first, firstHistory) = Train(seed: 7);
        var (second, secondHistory) = Train(seed: 7);
        var (other, otherHistory) = Train(seed: 8);

        foreach (var (name, weight) in first.state_dict())
            Assert.True(TensorAssert.Identical(weight, second.state_dict()[name]), name);
        Assert.Equal(Comparable(firstHistory), Comparable(secondHistory));
        Assert.NotEqual(Comparable(firstHistory), Comparable(otherHistory));
        Assert.False(TensorAssert.Identical(first.state_dict()["dense.weight"], other.state_dict()["dense.weight"]));
        first.Dispose();
        second.Dispose();
        other.Dispose();
    }

    private static (KerasSequential Model, TrainingHistory History) Train(int seed)
    {
        // As a run does (RunSeeding, the one place): bit-for-bit repeats hold at a fixed thread count.
        RunSeeding.Configure(seed, threads: 1);
        var (x, y) = SyntheticImages.Make(200, 8, seed: 1);
        var (valX, valY) = SyntheticImages.Make(50, 8, seed: 2);
        var model = CnnBuilder.Build(Spec, 8, seed);
        var history = Trainer.Fit(model, new(x, y), new(valX, valY),
            new FitOptions(2, 32, new OptimizerSpec(OptimizerType.Adam, 0.01), seed));
        foreach (var t in new[] { x, y, valX, valY }) t.Dispose();
        return (model, history);
    }

    private static List<(int, string, double, double, double, double)> Comparable(TrainingHistory history) =>
        history.Epochs.Select(e => (e.Epoch, e.Phase, e.Loss, e.Accuracy, e.ValLoss, e.ValAccuracy)).ToList();
}
