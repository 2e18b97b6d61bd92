using Cifar.Models;
using Cifar.Specs;
using Cifar.Tests.Infra;
using Cifar.Training;

namespace Cifar.Tests.Training;

/// <summary>The history records the learning rate of every step, as the optimizer held it (issue 10, point 4).</summary>
[Collection("libtorch")]
public class LearningRateHistoryTests
{
    [TorchFact]
    public void Each_epoch_records_the_scheduled_rate_of_each_of_its_steps()
    {
        var (x, y) = SyntheticImages.Make(100, 8, seed: 1);
        using var model = CnnBuilder.Build([new FlattenLayer(), new DenseLayer(10, Activation.Softmax)], [3, 8, 8]);
        var schedule = new LearningRateScheduleSpec(LearningRateScheduleType.Cosine, WarmupEpochs: 0.5, Alpha: 0.1);

        var history = Trainer.Fit(model, new(x, y), new(x, y),
            new FitOptions(3, 32, new OptimizerSpec(OptimizerType.Sgd, 0.2, Momentum: 0.9, Nesterov: true), 1) { LearningRateSchedule = schedule });

        // 100 examples in batches of 32: 4 steps an epoch, 12 in all; step 1 of 12 is half-way through warm-up.
        Assert.All(history.Epochs, e => Assert.Equal(4, e.LearningRates.Count));
        var steps = history.Epochs.SelectMany(e => e.LearningRates).ToList();
        for (var step = 0; step < steps.Count; step++)
        {
            Assert.Equal(0.2 * LearningRateSchedule.Factor(schedule, step, 4, 3), steps[step], 12);
        }
        Assert.Equal(0.1, steps[0], 12);
        Assert.Equal(0.2, steps[1], 12);
        Assert.All(history.Epochs, e => Assert.Equal(e.LearningRates[^1], e.LearningRate));
        Assert.True(history.Epochs[0].LearningRate > history.Epochs[1].LearningRate, "cosine decays after warm-up");
        x.Dispose();
        y.Dispose();
    }

    [TorchFact]
    public void Without_a_schedule_every_step_has_the_optimizers_rate_and_a_fine_tuning_phase_its_own()
    {
        var (x, y) = SyntheticImages.Make(64, 8, seed: 1);
        using var model = CnnBuilder.Build([new FlattenLayer(), new DenseLayer(10, Activation.Softmax)], [3, 8, 8]);
        var adam = new OptimizerSpec(OptimizerType.Adam, 0.001);

        var first = Trainer.Fit(model, new(x, y), new(x, y), new FitOptions(2, 16, adam, 1));
        var second = Trainer.Fit(model, new(x, y), new(x, y),
            new FitOptions(1, 16, adam with { LearningRate = 1e-5 }, 1) { Phase = "fine_tune", EpochOffset = 2 });

        Assert.All(first.Epochs, e => Assert.Equal(Enumerable.Repeat(0.001, 4), e.LearningRates));
        Assert.Equal(1e-5, Assert.Single(second.Epochs).LearningRate);
        Assert.True(double.IsNaN(new EpochLog(1, "train", 1, 0.5, 1, 0.5, 1, 1).LearningRate), "a log without steps has no rate");
        x.Dispose();
        y.Dispose();
    }
}
