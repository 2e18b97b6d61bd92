using Cifar.Augmentation;
using Cifar.Specs;
using Cifar.Tests.Infra;
using Cifar.Training;
using static TorchSharp.torch;
using Padding = Cifar.Specs.Padding;

namespace Cifar.Tests.Augmentation;

[Collection("libtorch")]
public class AugmentedTrainingTests
{
    private static readonly CnnModelSpec Model = new(
    [
        new Conv2DLayer(4, 3, 1, Padding.Same, Activation.Relu),
        new MaxPooling2DLayer(4, null),
        new FlattenLayer(),
        new DenseLayer(10, Activation.Linear),
    ]);

    /// <summary>Training images are all 200, validation images all 100: what reaches the model says which split it is.</summary>
    [TorchFact]
    public void Validation_batches_are_never_augmented()
    {
        using var scope = NewDisposeScope();
        var train = full(40, 3, 32, 32, 200, dtype: ScalarType.Byte);
        var validation = full(24, 3, 32, 32, 100, dtype: ScalarType.Byte);
        var labels = arange(40, dtype: ScalarType.Int64).remainder(10);
        var seen = new List<Tensor>();
        using var model = Cifar.Models.CnnBuilder.Build(Model, 32, seed: 1);
        var options = new FitOptions(2, 8, new OptimizerSpec(OptimizerType.Sgd, 0.01), Seed: 1)
        {
            Augmentation = new ImageAugmenter([new CutoutStep(16, 2), new MixupStep(1.0, 1.0)], seed: 1),
            InputTransform = batch =>
            {
                seen.Add(batch.clone().DetachFromDisposeScope());
                return batch.to_type(ScalarType.Float32).div(255);
            },
        };
        Trainer.Fit(model, new(train, labels), new(validation, labels.narrow(0, 0, 24)), options);

        var trainBatches = seen.Where(b => b.max().item<byte>() == 200).ToList();
        var validationBatches = seen.Where(b => b.max().item<byte>() == 100).ToList();
        Assert.Equal(2 * 5, trainBatches.Count);
        Assert.Equal(2 * 3, validationBatches.Count);
        Assert.All(trainBatches, b => Assert.True(b.eq(0).any().item<bool>(), "a training batch was not cut out"));
        Assert.All(validationBatches, b => Assert.True(b.eq(100).all().item<bool>(), "a validation batch was augmented"));
        foreach (var b in seen) b.Dispose();
    }

    [TorchFact]
    public void An_augmented_fit_with_a_schedule_and_label_smoothing_repeats_bit_for_bit_and_still_learns()
    {
        var first = Fit();
        var second = Fit();
        Assert.Equal(first, second);
        Assert.True(first[^1].ValAccuracy > 0.5, $"validation accuracy {first[^1].ValAccuracy} after augmented training");
    }

    private static List<(double Loss, double Accuracy, double ValLoss, double ValAccuracy)> Fit()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Cifar.Tests.Training.SyntheticImages.Make(300, 16, seed: 1, noise: 0.1);
        var (valX, valY) = Cifar.Tests.Training.SyntheticImages.Make(100, 16, seed: 2, noise: 0.1);
        static Tensor Bytes(Tensor t) => t.clamp(0, 1).mul(255).round().to_type(ScalarType.Byte);
        var model = Cifar.Models.CnnBuilder.Build(new CnnModelSpec(
        [
            new Conv2DLayer(8, 3, 1, Padding.Same, Activation.Relu),
            new MaxPooling2DLayer(2, null),
            new FlattenLayer(),
            new DenseLayer(10, Activation.Linear),
        ]), 16, seed: 3);
        var options = new FitOptions(6, 32, new OptimizerSpec(OptimizerType.Sgd, 0.05, Momentum: 0.9, Nesterov: true, WeightDecay: 5e-4), Seed: 3)
        {
            Augmentation = new ImageAugmenter([new RandomCropStep(2, CropFill.Reflect), new CutMixStep(1.0, 0.5)], seed: 3),
            InputTransform = batch => batch.to_type(ScalarType.Float32).div(255),
            LearningRateSchedule = new LearningRateScheduleSpec(LearningRateScheduleType.Cosine, WarmupEpochs: 1),
            LabelSmoothing = 0.1,
        };
        var history = Trainer.Fit(model, new(Bytes(x), y), new(Bytes(valX), valY), options);
        model.Dispose();
        return [.. history.Epochs.Select(e => (e.Loss, e.Accuracy, e.ValLoss, e.ValAccuracy))];
    }
}
