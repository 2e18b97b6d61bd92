using Cifar.Evaluation;
using Cifar.Models;
using Cifar.Specs;
using Cifar.Tests.Infra;
using Cifar.Training;
using TorchSharp;
using static TorchSharp.torch;
using Padding = Cifar.Specs.Padding;

namespace Cifar.Tests.Training;

// libtorch's thread count is process-wide: tests that train run one at a time, each with one thread (OpenMP threads
// spin badly when the machine's cores are oversubscribed).
[Collection("libtorch")]
public class TrainerTests
{
    internal static readonly CnnModelSpec SmallCnn = new(
    [
        new Conv2DLayer(16, 3, 1, Padding.Same, Activation.Relu),
        new MaxPooling2DLayer(2, null),
        new Conv2DLayer(32, 3, 1, Padding.Valid, Activation.Relu),
        new MaxPooling2DLayer(2, null),
        new FlattenLayer(),
        new DenseLayer(32, Activation.Relu),
        new DenseLayer(10, Activation.Softmax),
    ]);

    private static readonly string[] Classes = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"];

    [TorchFact]
    public void Small_cnn_learns_generated_images_to_over_90_percent_test_accuracy()
    {
        var (trainX, trainY) = SyntheticImages.Make(1000, 16, seed: 1);
        var (valX, valY) = SyntheticImages.Make(300, 16, seed: 2);
        var (testX, testY) = SyntheticImages.Make(500, 16, seed: 3);
        using var model = CnnBuilder.Build(SmallCnn, 16, seed: 4);
        var options = new FitOptions(Epochs: 3, BatchSize: 32, new OptimizerSpec(OptimizerType.Adam, 0.003), Seed: 5);

        var history = Trainer.Fit(model, new(trainX, trainY), new(valX, valY), options);
        var report = Evaluator.Evaluate(model, testX, testY, Classes, batchSize: 128);

        Assert.Equal([1, 2, 3], history.Epochs.Select(e => e.Epoch));
        Assert.All(history.Epochs, e => Assert.Equal("train", e.Phase));
        Assert.Equal(3, history.BestEpoch);
        Assert.Null(history.StoppedEpoch);
        Assert.True(history.Epochs[^1].Loss < history.Epochs[0].Loss, "training loss falls");
        Assert.True(report.Accuracy >= 0.9, $"test accuracy {report.Accuracy}");
        Assert.True(history.Epochs[^1].ValAccuracy >= 0.9, $"validation accuracy {history.Epochs[^1].ValAccuracy}");
        Assert.True(history.Epochs[^1].ImagesPerSecond > 0);
        foreach (var t in new[] { trainX, trainY, valX, valY, testX, testY }) t.Dispose();
    }

    [TorchFact]
    public void Batch_logs_are_running_means_and_the_epoch_log_is_the_last_of_them()
    {
        var (x, y) = SyntheticImages.Make(100, 8, seed: 1);
        using var model = CnnBuilder.Build([new FlattenLayer(), new DenseLayer(10, Activation.Softmax)], [3, 8, 8]);
        var recorder = new Recorder();

        Trainer.Fit(model, new(x, y), new(x, y), new FitOptions(2, 32, new OptimizerSpec(OptimizerType.Sgd, 0.1, Momentum: 0.9), 1) { Callbacks = [recorder] });

        // 100 examples in batches of 32: 4 batches, the last one of 4 examples, every epoch.
        Assert.Equal(["train_begin", "epoch_begin 1", "batch 1/4 32", "batch 2/4 64", "batch 3/4 96", "batch 4/4 100", "epoch_end 1",
            "epoch_begin 2", "batch 1/4 32", "batch 2/4 64", "batch 3/4 96", "batch 4/4 100", "epoch_end 2", "train_end"], recorder.Events);
        Assert.Equal(recorder.LastBatch[0].Loss, recorder.Logs[0].Loss, 12);
        Assert.Equal(recorder.LastBatch[0].Accuracy, recorder.Logs[0].Accuracy, 12);
        x.Dispose();
        y.Dispose();
    }

    [TorchFact]
    public void Fine_tune_phase_continues_the_epoch_numbering_and_leaves_frozen_parameters_alone()
    {
        var (x, y) = SyntheticImages.Make(64, 8, seed: 1);
        using var model = CnnBuilder.Build(
            [new FlattenLayer(), new DenseLayer(16, Activation.Relu), new DenseLayer(10, Activation.Softmax)], [3, 8, 8]);
        var frozen = model.state_dict()["dense.weight"];
        frozen.requires_grad = false;
        using var before = frozen.clone();

        var history = Trainer.Fit(model, new(x, y), new(x, y),
            new FitOptions(2, 16, new OptimizerSpec(OptimizerType.Adam, 0.01), 1) { Phase = "fine_tune", EpochOffset = 3 });

        Assert.Equal([4, 5], history.Epochs.Select(e => e.Epoch));
        Assert.All(history.Epochs, e => Assert.Equal("fine_tune", e.Phase));
        Assert.Equal(5, history.BestEpoch);
        Assert.True(Cifar.Tests.Models.TensorAssert.Identical(before, frozen));
        x.Dispose();
        y.Dispose();
    }

    [TorchFact]
    public void Input_transform_runs_on_every_batch_and_memory_stays_flat_across_epochs()
    {
        var (x, y) = SyntheticImages.Make(96, 8, seed: 1);
        using var model = CnnBuilder.Build(
            [new Conv2DLayer(4, 3, 1, Padding.Same, Activation.Relu), new BatchNormalizationLayer(), new FlattenLayer(),
             new DropoutLayer(0.2), new DenseLayer(10, Activation.Softmax)], [3, 16, 16]);
        var live = new LiveTensorCounter();
        var transformed = 0;

        Trainer.Fit(model, new(x, y), new(x, y),
            new FitOptions(4, 16, new OptimizerSpec(OptimizerType.Adam, 0.01), 1)
            {
                InputTransform = batch => { transformed++; return nn.functional.interpolate(batch, [16, 16], mode: InterpolationMode.Bilinear, align_corners: false); },
                Callbacks = [live],
            });

        Assert.Equal(4 * (6 + 6), transformed);
        // A tensor leaked per batch would add 12 per epoch here (checked by leaking one on purpose).
        Assert.Equal(live.AtEpochEnd[0], live.AtEpochEnd[1]);
        Assert.Equal(live.AtEpochEnd[0], live.AtEpochEnd[3]);
        x.Dispose();
        y.Dispose();
    }

    [TorchFact]
    public void Callback_can_ask_to_stop()
    {
        var (x, y) = SyntheticImages.Make(32, 8, seed: 1);
        using var model = CnnBuilder.Build([new FlattenLayer(), new DenseLayer(10, Activation.Softmax)], [3, 8, 8]);

        var history = Trainer.Fit(model, new(x, y), new(x, y), new FitOptions(10, 16, new OptimizerSpec(OptimizerType.Adam, 0.01), 1) { Callbacks = [new StopAfter(2)] });

        Assert.Equal(2, history.Epochs.Count);
        Assert.Equal(2, history.StoppedEpoch);
        Assert.Equal(2, history.BestEpoch);
        x.Dispose();
        y.Dispose();
    }

    private sealed class StopAfter(int epochs) : Callback
    {
        public override void OnEpochEnd(TrainingContext context, EpochLog log)
        {
            if (log.Epoch == epochs) context.RequestStop("enough");
        }
    }

    private sealed class Recorder : Callback
    {
        public List<string> Events { get; } = [];
        public List<EpochLog> Logs { get; } = [];
        public List<BatchLogs> LastBatch { get; } = [];

        public override void OnTrainBegin(TrainingContext context) => Events.Add("train_begin");
        public override void OnEpochBegin(TrainingContext context, int epoch) => Events.Add($"epoch_begin {epoch}");
        public override void OnBatchEnd(TrainingContext context, int batch, int batchCount, BatchLogs logs)
        {
            Events.Add($"batch {batch}/{batchCount} {logs.Samples}");
            if (batch == batchCount) LastBatch.Add(logs);
        }
        public override void OnEpochEnd(TrainingContext context, EpochLog log)
        {
            Events.Add($"epoch_end {log.Epoch}");
            Logs.Add(log);
        }
        public override void OnTrainEnd(TrainingContext context) => Events.Add("train_end");
    }

    private sealed class LiveTensorCounter : Callback
    {
        public List<long> AtEpochEnd { get; } = [];

        public override void OnEpochEnd(TrainingContext context, EpochLog log) =>
            AtEpochEnd.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }
}
