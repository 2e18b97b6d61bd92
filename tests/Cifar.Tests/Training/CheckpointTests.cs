using Cifar.Models;
using Cifar.Specs;
using Cifar.Tests.Infra;
using Cifar.Tests.Models;
using Cifar.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Monitor = Cifar.Specs.Monitor;

namespace Cifar.Tests.Training;

/// <summary>Epoch-end checkpoints: what a file holds comes back exactly, and a fit resumed from one ends as an uninterrupted fit.</summary>
[Collection("libtorch")]
public sealed class CheckpointTests : IDisposable
{
    private static readonly LayerSpec[] Layers =
        [new FlattenLayer(), new DenseLayer(32, Activation.Relu), new DropoutLayer(0.3), new DenseLayer(10, Activation.Softmax)];

    private readonly TempFolder _temp = new("checkpoint-test");

    public void Dispose() => _temp.Dispose();

    [TorchFact]
    public void A_written_checkpoint_reads_back_with_identical_weights_optimizer_state_generators_and_history()
    {
        using var model = CnnBuilder.Build(Layers, [3, 8, 8], new Generator(5, CPU));
        using var optimizer = Optimizers.Create(new OptimizerSpec(OptimizerType.Adam, 0.01), model.parameters());
        var (x, y) = SyntheticImages.Make(16, 8, seed: 1);
        optimizer.zero_grad();
        nn.functional.cross_entropy(model.call(x), y).backward();
        optimizer.step(); // Adam's moments and step count are now non-trivial
        using var generator = new Generator(42, CPU);
        randperm(10, generator: generator).Dispose();
        var optimizerBytes = OptimizerBytes(optimizer);
        using var defaultState = Generator.Default.get_state();
        using var shuffleState = generator.get_state();
        var earlyStopping = new CheckpointState();
        earlyStopping.Set("wait", 2L);
        earlyStopping.Set("best", 1.25);
        earlyStopping.Set("reason", (string?)null);
        using var kept = ones(3);
        earlyStopping.SetTensor("best_weights/w", kept);
        EpochLog[] epochs = [new(1, "train", 2.0 / 3, 0.1, Math.PI, 0.2, 1.5, 100), new(2, "train", 1e-300, 0.3, 1.0, 0.4, 1.25, 200)];
        string path = _temp.Combine("a.checkpoint");

        using (var saving = new TrainingCheckpoint("train", 1, 5, 2, false, null, epochs, [.. model.state_dict()], optimizerBytes,
            defaultState, shuffleState, [new("EarlyStopping", earlyStopping)], ownsTensors: false))
        {
            CheckpointFile.Write(path, "identity", saving);
        }
        using var loaded = CheckpointFile.TryRead(path, "identity", out var problem);

        Assert.Null(problem);
        Assert.NotNull(loaded);
        Assert.Equal(("train", 1, 5, 2, false), (loaded.Phase, loaded.FirstEpoch, loaded.LastEpoch, loaded.Epoch, loaded.StopRequested));
        Assert.Equal(epochs, loaded.Epochs); // records compare every double by value: exact bits survive
        var weights = model.state_dict();
        Assert.Equal(weights.Keys, loaded.Weights.Select(kv => kv.Key));
        foreach (var (name, tensor) in loaded.Weights) Assert.True(TensorAssert.Identical(weights[name], tensor), name);
        Assert.Equal(optimizerBytes, loaded.OptimizerState);
        using (var fresh = Optimizers.Create(new OptimizerSpec(OptimizerType.Adam, 0.01), model.parameters()))
        {
            using (var reader = new BinaryReader(new MemoryStream(loaded.OptimizerState))) fresh.load_state_dict(reader);
            Assert.Equal(optimizerBytes, OptimizerBytes(fresh));
        }
        using var replay = new Generator(0, CPU);
        replay.set_state(loaded.ShuffleGeneratorState);
        using var expected = randperm(1000, generator: generator);
        using var actual = randperm(1000, generator: replay);
        Assert.True(TensorAssert.Identical(expected, actual), "the shuffle stream goes on where it was");
        Assert.True(TensorAssert.Identical(defaultState, loaded.DefaultGeneratorState));
        var (callbackName, state) = Assert.Single(loaded.Callbacks);
        Assert.Equal("EarlyStopping", callbackName);
        Assert.Equal(2, state.GetInt32("wait"));
        Assert.Equal(1.25, state.GetDouble("best"));
        Assert.Null(state.GetString("reason"));
        Assert.True(TensorAssert.Identical(kept, state.TensorsUnder("best_weights/")["w"]));
        x.Dispose();
        y.Dispose();
    }

    [TorchFact]
    public void A_fit_interrupted_after_epoch_2_and_resumed_ends_exactly_as_an_uninterrupted_fit()
    {
        var (trainX, trainY) = SyntheticImages.WithNoisyLabels(96, 8, seed: 1, noisyFraction: 0.3);
        var (valX, valY) = SyntheticImages.Make(48, 8, seed: 2);
        var store = new FileCheckpointStore(_temp.Combine("fit.checkpoint"));

        var (uninterrupted, expectedWeights) = Fit(trainX, trainY, valX, valY, store: null, cancelAfterEpoch: null);
        Assert.Throws<OperationCanceledException>(() => Fit(trainX, trainY, valX, valY, store, cancelAfterEpoch: 2));
        Assert.True(File.Exists(store.Path), "a checkpoint was kept at the end of epoch 2");
        var (resumed, weights) = Fit(trainX, trainY, valX, valY, store, cancelAfterEpoch: null);

        Assert.Equal(2, store.ResumedAfter);
        Assert.Equal(WithoutTimes(uninterrupted.Epochs), WithoutTimes(resumed.Epochs));
        Assert.Equal((uninterrupted.BestEpoch, uninterrupted.StoppedEpoch), (resumed.BestEpoch, resumed.StoppedEpoch));
        foreach (var (name, tensor) in expectedWeights) Assert.True(TensorAssert.Identical(tensor, weights[name]), name);
        foreach (var t in expectedWeights.Values.Concat(weights.Values).Concat([trainX, trainY, valX, valY])) t.Dispose();
    }

    /// <summary>With a moving average of the weights, the checkpoint holds the average, the live weights it displaced and
    /// the update count: a resumed fit validates, stops and ends exactly as the uninterrupted one.</summary>
    [TorchFact]
    public void A_fit_with_a_moving_average_resumes_exactly()
    {
        var (trainX, trainY) = SyntheticImages.WithNoisyLabels(96, 8, seed: 1, noisyFraction: 0.3);
        var (valX, valY) = SyntheticImages.Make(48, 8, seed: 2);
        var store = new FileCheckpointStore(_temp.Combine("ema.checkpoint"));
        var ema = new EmaSpec(0.9);

        var (uninterrupted, expectedWeights) = Fit(trainX, trainY, valX, valY, store: null, cancelAfterEpoch: null, ema);
        Assert.Throws<OperationCanceledException>(() => Fit(trainX, trainY, valX, valY, store, cancelAfterEpoch: 3, ema));
        var (resumed, weights) = Fit(trainX, trainY, valX, valY, store, cancelAfterEpoch: null, ema);

        Assert.Equal(3, store.ResumedAfter);
        Assert.Equal(WithoutTimes(uninterrupted.Epochs), WithoutTimes(resumed.Epochs));
        foreach (var (name, tensor) in expectedWeights) Assert.True(TensorAssert.Identical(tensor, weights[name]), name);

        // A checkpoint with an average does not fit a fit without one: it starts afresh instead.
        File.Delete(store.Path);
        Assert.Throws<OperationCanceledException>(() => Fit(trainX, trainY, valX, valY, store, cancelAfterEpoch: 2, ema));
        var (plain, plainWeights) = Fit(trainX, trainY, valX, valY, store, cancelAfterEpoch: null);
        Assert.Contains(store.Rejections, r => r.Contains("callbacks do not match", StringComparison.Ordinal));
        Assert.Equal(6, plain.Epochs.Count);
        foreach (var t in expectedWeights.Values.Concat(weights.Values).Concat(plainWeights.Values).Concat([trainX, trainY, valX, valY])) t.Dispose();
    }

    /// <summary>A kill after the last epoch (during evaluation or report writing) leaves the final checkpoint: the rerun
    /// trains nothing and ends with the same history and the same (restored best) weights.</summary>
    [TorchFact]
    public void A_fit_resumed_from_its_final_checkpoint_trains_no_epoch_and_ends_the_same()
    {
        var (trainX, trainY) = SyntheticImages.WithNoisyLabels(96, 8, seed: 1, noisyFraction: 0.3);
        var (valX, valY) = SyntheticImages.Make(48, 8, seed: 2);
        var store = new FileCheckpointStore(_temp.Combine("final.checkpoint"));

        var (first, expectedWeights) = Fit(trainX, trainY, valX, valY, store, cancelAfterEpoch: null);
        var (again, weights) = Fit(trainX, trainY, valX, valY, store, cancelAfterEpoch: null);

        Assert.Equal(first.Epochs.Count, store.ResumedAfter);
        Assert.Equal(first.Epochs, again.Epochs); // the very records, times included: none was run again
        Assert.Equal((first.BestEpoch, first.StoppedEpoch), (again.BestEpoch, again.StoppedEpoch));
        foreach (var (name, tensor) in expectedWeights) Assert.True(TensorAssert.Identical(tensor, weights[name]), name);
        foreach (var t in expectedWeights.Values.Concat(weights.Values).Concat([trainX, trainY, valX, valY])) t.Dispose();
    }

    [TorchFact]
    public void A_checkpoint_of_another_plan_is_rejected_and_the_fit_starts_afresh()
    {
        var (trainX, trainY) = SyntheticImages.Make(32, 8, seed: 1);
        var store = new FileCheckpointStore(_temp.Combine("plan.checkpoint"));
        using (var model = CnnBuilder.Build(Layers, [3, 8, 8], new Generator(5, CPU)))
        {
            Trainer.Fit(model, new(trainX, trainY), new(trainX, trainY),
                new FitOptions(2, 16, new OptimizerSpec(OptimizerType.Sgd, 0.01), 1) { Checkpoints = store });
        }
        using (var model = CnnBuilder.Build(Layers, [3, 8, 8], new Generator(5, CPU)))
        {
            var history = Trainer.Fit(model, new(trainX, trainY), new(trainX, trainY),
                new FitOptions(3, 16, new OptimizerSpec(OptimizerType.Sgd, 0.01), 1) { Checkpoints = store });
            Assert.Equal(3, history.Epochs.Count);
        }

        Assert.Null(store.ResumedAfter);
        Assert.Contains("does not fit", Assert.Single(store.Rejections), StringComparison.Ordinal);
        trainX.Dispose();
        trainY.Dispose();
    }

    private static (TrainingHistory History, Dictionary<string, Tensor> Weights) Fit(
        Tensor trainX, Tensor trainY, Tensor valX, Tensor valY, ICheckpointStore? store, int? cancelAfterEpoch, EmaSpec? ema = null)
    {
        // A fresh model each time, as a new process builds one: its initial weights are the checkpoint's business.
        using var model = CnnBuilder.Build(Layers, [3, 8, 8], new Generator(5, CPU));
        using var cancel = new CancellationTokenSource();
        var options = new FitOptions(6, 16, new OptimizerSpec(OptimizerType.Adam, 0.003), 7)
        {
            Callbacks = [new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, Patience: 10, RestoreBestWeights: true)), new CancelAfter(cancelAfterEpoch, cancel)],
            LearningRateSchedule = new LearningRateScheduleSpec(LearningRateScheduleType.Cosine, WarmupEpochs: 1),
            Checkpoints = store,
            Ema = ema,
        };
        var history = Trainer.Fit(model, new(trainX, trainY), new(valX, valY), options, cancel.Token);
        using (no_grad())
            return (history, model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope()));
    }

    private static List<EpochLog> WithoutTimes(IEnumerable<EpochLog> epochs) => [.. epochs.Select(e => e with { Seconds = 0, ImagesPerSecond = 0 })];

    private static byte[] OptimizerBytes(OptimizerHelper optimizer)
    {
        using var bytes = new MemoryStream();
        using (var writer = new BinaryWriter(bytes, System.Text.Encoding.UTF8, leaveOpen: true)) optimizer.save_state_dict(writer);
        return bytes.ToArray();
    }

    /// <summary>Cancels the fit (as Ctrl+C would) once the given epoch has ended and been checkpointed.</summary>
    private sealed class CancelAfter(int? epoch, CancellationTokenSource cancel) : Callback
    {
        public override void OnEpochBegin(TrainingContext context, int current)
        {
            if (current - 1 == epoch) cancel.Cancel();
        }
    }

    /// <summary>One checkpoint file, whatever the phase; records what the fit told it.</summary>
    private sealed class FileCheckpointStore(string path) : ICheckpointStore
    {
        public string Path { get; } = path;

        public int? ResumedAfter { get; private set; }

        public List<string> Rejections { get; } = [];

        public TrainingCheckpoint? TryLoad(string phase) => CheckpointFile.TryRead(Path, "test", out _);

        public void Save(TrainingCheckpoint checkpoint) => CheckpointFile.Write(Path, "test", checkpoint);

        public void Resumed(TrainingCheckpoint checkpoint) => ResumedAfter = checkpoint.Epoch;

        public void Rejected(string phase, string reason) => Rejections.Add(reason);
    }
}
