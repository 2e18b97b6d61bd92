using Cifar.Models;
using Cifar.Specs;
using Cifar.Tests.Infra;
using Cifar.Tests.Models;
using Cifar.Training;
using static TorchSharp.torch;
using Monitor = Cifar.Specs.Monitor;

namespace Cifar.Tests.Training;

[Collection("libtorch")]
public class EarlyStoppingTests
{
    private static readonly LayerSpec[] Memoriser =
        [new FlattenLayer(), new DenseLayer(128, Activation.Relu), new DenseLayer(10, Activation.Softmax)];

    [TorchFact]
    public void Stops_when_val_loss_rises_and_restores_the_best_epochs_weights()
    {
        // Half the training labels are random: validation loss falls while the model learns the pattern, then rises as it
        // memorises the noise (best epoch 8 of 11 with this seed).
        var (trainX, trainY) = SyntheticImages.WithNoisyLabels(100, 8, seed: 1, noisyFraction: 0.5);
        var (valX, valY) = SyntheticImages.Make(100, 8, seed: 2);
        using var model = CnnBuilder.Build(Memoriser, [3, 8, 8], name: "memoriser");
        var snapshots = new WeightsPerEpoch();
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, Patience: 3, RestoreBestWeights: true));

        var history = Trainer.Fit(model, new(trainX, trainY), new(valX, valY),
            new FitOptions(40, 16, new OptimizerSpec(OptimizerType.Adam, 0.003), 1) { Callbacks = [snapshots, earlyStopping] });

        var valLosses = history.Epochs.Select(e => e.ValLoss).ToList();
        var best = valLosses.IndexOf(valLosses.Min()) + 1;
        Assert.True(history.Epochs.Count < 40, "stopped early");
        Assert.Equal(best, earlyStopping.BestEpoch);
        Assert.Equal(best + 3, earlyStopping.StoppedEpoch);
        Assert.Equal(best + 3, history.StoppedEpoch);
        Assert.Equal(best + 3, history.Epochs.Count);
        Assert.Equal(best, history.BestEpoch);
        Assert.Equal(valLosses.Min(), earlyStopping.Best);
        foreach (var (name, weight) in model.state_dict())
        {
            Assert.True(TensorAssert.Identical(snapshots.Weights[best - 1][name], weight), $"{name} is epoch {best}'s");
            Assert.False(TensorAssert.Identical(snapshots.Weights[^1][name], weight), $"{name} is not the last epoch's");
        }
        snapshots.Dispose();
        foreach (var t in new[] { trainX, trainY, valX, valY }) t.Dispose();
    }

    [TorchFact]
    public void Restores_the_best_weights_also_when_training_runs_all_epochs()
    {
        var (trainX, trainY) = SyntheticImages.WithNoisyLabels(100, 8, seed: 1, noisyFraction: 0.5);
        var (valX, valY) = SyntheticImages.Make(100, 8, seed: 2);
        using var model = CnnBuilder.Build(Memoriser, [3, 8, 8], name: "memoriser");
        var snapshots = new WeightsPerEpoch();
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, Patience: 100, RestoreBestWeights: true));

        var history = Trainer.Fit(model, new(trainX, trainY), new(valX, valY),
            new FitOptions(10, 16, new OptimizerSpec(OptimizerType.Adam, 0.003), 1) { Callbacks = [snapshots, earlyStopping] });

        var valLosses = history.Epochs.Select(e => e.ValLoss).ToList();
        var best = valLosses.IndexOf(valLosses.Min()) + 1;
        Assert.True(best < 10, "the case overfits within 10 epochs");
        Assert.Null(history.StoppedEpoch);
        Assert.Null(earlyStopping.StoppedEpoch);
        Assert.Equal(best, history.BestEpoch);
        foreach (var (name, weight) in model.state_dict())
            Assert.True(TensorAssert.Identical(snapshots.Weights[best - 1][name], weight), name);
        snapshots.Dispose();
        foreach (var t in new[] { trainX, trainY, valX, valY }) t.Dispose();
    }

    [TorchFact]
    public void Accuracy_is_maximised_in_auto_mode_and_min_delta_counts_as_no_improvement()
    {
        using var model = nn.Linear(2, 2);
        var context = new TrainingContext(model, "train", 1, 10, 1, 1, 1);
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValAccuracy, MinDelta: 0.02, Patience: 1));

        earlyStopping.OnTrainBegin(context);
        foreach (var (epoch, accuracy) in new[] { (1, 0.50), (2, 0.60), (3, 0.61) })
        {
            earlyStopping.OnEpochEnd(context, Log(epoch, valAccuracy: accuracy));
            if (context.StopRequested) break;
        }

        Assert.True(context.StopRequested);
        Assert.Equal(2, earlyStopping.BestEpoch);
        Assert.Equal(0.60, earlyStopping.Best);
        Assert.Equal(3, earlyStopping.StoppedEpoch);
        Assert.Equal("val_accuracy did not improve on 0.6 (epoch 2) for 1 epoch(s)", context.StopReason);
    }

    [TorchFact]
    public void Patience_zero_stops_at_the_first_epoch_without_improvement_and_state_resets_on_train_begin()
    {
        using var model = nn.Linear(2, 2);
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.Loss, MonitorMode.Auto));

        var first = new TrainingContext(model, "train", 1, 10, 1, 1, 1);
        earlyStopping.OnTrainBegin(first);
        earlyStopping.OnEpochEnd(first, Log(1, loss: 2.0));
        earlyStopping.OnEpochEnd(first, Log(2, loss: 1.5));
        earlyStopping.OnEpochEnd(first, Log(3, loss: 1.5));
        Assert.Equal(3, earlyStopping.StoppedEpoch);

        var second = new TrainingContext(model, "fine_tune", 4, 10, 1, 1, 1);
        earlyStopping.OnTrainBegin(second);
        Assert.Null(earlyStopping.StoppedEpoch);
        Assert.Null(earlyStopping.BestEpoch);
        earlyStopping.OnEpochEnd(second, Log(4, loss: 9.0));
        Assert.False(second.StopRequested);
        Assert.Equal(4, earlyStopping.BestEpoch);
    }

    private static EpochLog Log(int epoch, double loss = 1, double valAccuracy = 0.5) =>
        new(epoch, "train", loss, 0.5, 1, valAccuracy, 0, 0);

    private sealed class WeightsPerEpoch : Callback, IDisposable
    {
        public List<Dictionary<string, Tensor>> Weights { get; } = [];

        public override void OnEpochEnd(TrainingContext context, EpochLog log)
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
