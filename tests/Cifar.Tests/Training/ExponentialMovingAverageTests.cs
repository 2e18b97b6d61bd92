using Cifar.Evaluation;
using Cifar.Models;
using Cifar.Specs;
using Cifar.Tests.Infra;
using Cifar.Tests.Models;
using Cifar.Training;
using static TorchSharp.torch;
using Monitor = Cifar.Specs.Monitor;

namespace Cifar.Tests.Training;

/// <summary>training.ema: the average the trainer keeps, what it is used for, and that it leaves training alone.</summary>
[Collection("libtorch")]
public sealed class ExponentialMovingAverageTests : IDisposable
{
    private const double Decay = 0.6; // far from 1, so that every step's weights show in the average
    private static readonly string[] Classes = [.. Enumerable.Range(0, 10).Select(i => $"class {i}")];

    // A batch normalization layer, for its running statistics (float buffers) and its num_batches_tracked (an integer one).
    private static readonly LayerSpec[] Layers =
    [
        new Conv2DLayer(4, 3, 1, Padding.Same, Activation.Relu),
        new BatchNormalizationLayer(Momentum: 0.5),
        new FlattenLayer(),
        new DenseLayer(10, Activation.Linear),
    ];

    private readonly (Tensor Images, Tensor Labels) _train = SyntheticImages.Make(24, 8, seed: 3);
    private readonly (Tensor Images, Tensor Labels) _validation = SyntheticImages.Make(20, 8, seed: 4);

    public void Dispose()
    {
        foreach (var t in new[] { _train.Images, _train.Labels, _validation.Images, _validation.Labels }) t.Dispose();
    }

    private static KerasSequential NewModel()
    {
        using var generator = new Generator(11, CPU);
        return CnnBuilder.Build(Layers, [3, 8, 8], generator);
    }

    /// <summary>Batch size 8 on 24 images: 3 optimizer steps per epoch.</summary>
    private TrainingHistory Fit(KerasSequential model, EmaSpec? ema, params Callback[] callbacks) =>
        Trainer.Fit(model, new(_train.Images, _train.Labels), new(_validation.Images, _validation.Labels),
            new FitOptions(2, 8, new OptimizerSpec(OptimizerType.Sgd, 0.1, Momentum: 0.9), Seed: 5) { Ema = ema, Callbacks = callbacks });

    private double ValidationLoss(KerasSequential model) =>
        Evaluator.Evaluate(model, _validation.Images, _validation.Labels, Classes, batchSize: 8).Loss;

    [TorchFact]
    public void The_model_ends_with_the_closed_form_average_of_the_weights_after_every_step()
    {
        using var model = NewModel();
        using var steps = new WeightsAfterEveryStep();

        Fit(model, new EmaSpec(Decay), steps);

        // The first step's weights as they are (Keras), then decay per step: avg_T = d^(T-1) w_1 + sum_t>1 (1 - d) d^(T-t) w_t.
        var w = steps.Weights;
        var last = w.Count;
        Assert.Equal(6, last);
        var state = model.state_dict();
        foreach (var name in new[] { "conv2d.weight", "conv2d.bias", "batch_normalization.weight", "batch_normalization.running_mean", "batch_normalization.running_var", "dense.weight" })
        {
            using var expected = w[0][name].to_type(ScalarType.Float64).mul(Math.Pow(Decay, last - 1));
            for (var t = 2; t <= last; t++) expected.add_(w[t - 1][name].to_type(ScalarType.Float64), alpha: (1 - Decay) * Math.Pow(Decay, last - t));
            using var actual = state[name].to_type(ScalarType.Float64);
            Assert.True(actual.allclose(expected, rtol: 1e-5, atol: 1e-6), $"{name} is the average of the six steps' values");
            Assert.False(TensorAssert.Identical(state[name], w[^1][name]), $"{name} is not the last step's value");
        }
        // A counter is not averaged: the model keeps its own (6 batches seen).
        Assert.Equal(6L, state["batch_normalization.num_batches_tracked"].item<long>());
    }

    [TorchFact]
    public void The_average_changes_what_is_validated_and_evaluated_but_not_how_the_model_trains()
    {
        using var raw = NewModel();
        using var rawSteps = new WeightsAfterEveryStep();
        var rawHistory = Fit(raw, null, rawSteps);
        using var averaged = NewModel();
        using var averagedSteps = new WeightsAfterEveryStep();
        var averagedHistory = Fit(averaged, new EmaSpec(Decay), averagedSteps);

        // The second epoch trains on from the live weights, not the average the first epoch's validation saw.
        for (var step = 0; step < 6; step++)
        {
            foreach (var (name, weight) in rawSteps.Weights[step])
                Assert.True(TensorAssert.Identical(weight, averagedSteps.Weights[step][name]), $"step {step + 1}: {name}");
        }
        Assert.Equal(rawHistory.Epochs.Select(e => e.Loss), averagedHistory.Epochs.Select(e => e.Loss));
        Assert.Equal(rawHistory.Epochs.Select(e => e.Accuracy), averagedHistory.Epochs.Select(e => e.Accuracy));

        // Validation sees the average: its loss is the one of the model the fit leaves, which is not the raw model's.
        Assert.Equal(ValidationLoss(averaged), averagedHistory.Epochs[^1].ValLoss, 5);
        Assert.Equal(ValidationLoss(raw), rawHistory.Epochs[^1].ValLoss, 5);
        Assert.NotEqual(rawHistory.Epochs[^1].ValLoss, averagedHistory.Epochs[^1].ValLoss);
    }

    [TorchFact]
    public void Early_stopping_restores_the_best_epochs_average()
    {
        using var model = NewModel();
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValAccuracy, Patience: 10, RestoreBestWeights: true));
        var history = Trainer.Fit(model, new(_train.Images, _train.Labels), new(_validation.Images, _validation.Labels),
            new FitOptions(4, 8, new OptimizerSpec(OptimizerType.Sgd, 0.1, Momentum: 0.9), Seed: 5)
            {
                Ema = new EmaSpec(Decay),
                Callbacks = [earlyStopping],
            });

        var best = history.Epochs.Single(e => e.Epoch == history.BestEpoch);
        Assert.Equal(best.ValAccuracy, history.Epochs.Max(e => e.ValAccuracy));
        var report = Evaluator.Evaluate(model, _validation.Images, _validation.Labels, Classes, batchSize: 8);
        Assert.Equal(best.ValAccuracy, report.Accuracy);
        Assert.Equal(best.ValLoss, report.Loss, 5);
    }

    [TorchFact]
    public void The_decay_must_be_in_the_open_unit_interval()
    {
        using var model = NewModel();
        foreach (var decay in new[] { 0, 1, -0.5, 1.5, double.NaN })
            Assert.Throws<ArgumentOutOfRangeException>(() => new ExponentialMovingAverage(model, decay));
    }

    [TorchFact]
    public void Frozen_parameters_and_integer_buffers_are_not_averaged()
    {
        using var model = NewModel();
        foreach (var (name, parameter) in model.named_parameters())
            if (name.StartsWith("conv2d.", StringComparison.Ordinal)) parameter.requires_grad = false;
        using var average = new ExponentialMovingAverage(model, 0.9);
        Assert.Equal(
            ["batch_normalization.weight", "batch_normalization.bias", "dense.weight", "dense.bias", "batch_normalization.running_mean", "batch_normalization.running_var"],
            average.AveragedNames);
    }

    /// <summary>The model's weights after every optimizer step (OnBatchEnd sees the live weights).</summary>
    private sealed class WeightsAfterEveryStep : Callback, IDisposable
    {
        public List<Dictionary<string, Tensor>> Weights { get; } = [];

        public override void OnBatchEnd(TrainingContext context, int batch, int batchCount, BatchLogs logs)
        {
            using (no_grad())
                Weights.Add(context.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope()));
        }

        public void Dispose()
        {
            foreach (var tensor in Weights.SelectMany(w => w.Values)) tensor.Dispose();
        }
    }
}
