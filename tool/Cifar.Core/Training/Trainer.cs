using System.Diagnostics;
using System.Globalization;
using Cifar.Augmentation;
using static TorchSharp.torch;

namespace Cifar.Training;

/// <summary>Keras' model.fit on in-memory tensors, for any module that maps a batch of inputs to class logits.</summary>
public static partial class Trainer
{
    /// <summary>
    /// Trains <paramref name="model"/> for <see cref="FitOptions.Epochs"/> epochs: every epoch a seeded shuffle, mini-batch
    /// steps of softmax cross-entropy on the model's logits (the last partial batch included, as Keras does), then a
    /// validation pass in eval mode without gradients. Only parameters that require gradients are optimised. Each batch
    /// runs in its own dispose scope, so memory stays flat across epochs. With <see cref="FitOptions.Ema"/>, the model holds
    /// the moving average of its weights at every validation pass and epoch-end callback, and when the fit returns.
    /// </summary>
    /// <param name="train">Inputs and labels to learn from; see <see cref="LabeledExamples"/>.</param>
    /// <param name="validation">Inputs and labels of the validation pass after every epoch.</param>
    /// <returns>This fit's epochs (numbered from EpochOffset + 1), the epoch whose weights the model holds, and where it stopped.</returns>
    /// <exception cref="OperationCanceledException">Cancelled; checked before every training and validation batch.</exception>
    public static TrainingHistory Fit(
        nn.Module<Tensor, Tensor> model, LabeledExamples train, LabeledExamples validation, FitOptions options,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(options);
        var (trainInputs, trainLabels) = train;
        var (validationInputs, validationLabels) = validation;
        CheckExamples(trainInputs, trainLabels, nameof(train));
        CheckExamples(validationInputs, validationLabels, nameof(validation));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Epochs, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BatchSize, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.EpochOffset, nameof(options));
        var callbacks = options.Callbacks;
        var augmentation = options.Augmentation;

        // Dropout draws from torch's default generator; reseeding it per fit makes a phase independent of what ran before.
        manual_seed(Seeds.Derive(options.Seed, Seeds.Dropout, options.EpochOffset));
        using var shuffleGenerator = new Generator(unchecked((ulong)Seeds.Derive(options.Seed, Seeds.Shuffle, options.EpochOffset)), CPU);

        var trainY = AsInt64(trainLabels);
        var validationY = AsInt64(validationLabels);
        try
        {
            var n = trainInputs.Count;
            var batchSize = options.BatchSize;
            var batchCount = (int)((n + batchSize - 1) / batchSize);
            var context = new TrainingContext(model, options.Phase, options.EpochOffset + 1, options.EpochOffset + options.Epochs,
                batchCount, n, validationInputs.Count);
            using var optimizer = Optimizers.Create(options.Optimizer, model.parameters());
            using var average = options.Ema is { } ema ? new ExponentialMovingAverage(model, ema.Decay) : null;

            foreach (var callback in callbacks) callback.OnTrainBegin(context);
            var lastEpoch = context.FirstEpoch - 1;
            if (options.Checkpoints is { } store && store.TryLoad(options.Phase) is { } checkpoint)
            {
                using (checkpoint)
                {
                    try
                    {
                        lastEpoch = Resume(checkpoint, context, optimizer, shuffleGenerator, callbacks, average);
                        store.Resumed(checkpoint);
                    }
                    catch (InvalidDataException e)
                    {
                        store.Rejected(options.Phase, e.Message);
                    }
                }
            }
            for (var epoch = lastEpoch + 1; epoch <= context.LastEpoch && !context.StopRequested; epoch++)
            {
                // The live weights train (the optimizer's momentum belongs to them); the average was in the model since
                // the previous epoch's validation.
                average?.UseLiveWeights();
                foreach (var callback in callbacks) callback.OnEpochBegin(context, epoch);
                var epochClock = Stopwatch.StartNew();
                model.train();
                double lossSum = 0;
                long correct = 0, seen = 0;
                var learningRates = new double[batchCount];
                using (var order = randperm(n, generator: shuffleGenerator))
                {
                    for (var batch = 0; batch < batchCount; batch++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        using var scope = NewDisposeScope();
                        var start = batch * (long)batchSize;
                        var size = Math.Min(batchSize, n - start);
                        var indices = order.narrow(0, start, size);
                        var x = trainInputs.Gather(indices);
                        // The augmentation draws are keyed by each image's row in the training split, not its place in the batch.
                        var rows = augmentation is null ? null : indices.data<long>().ToArray();
                        if (augmentation is not null) x = augmentation.Augment(x, rows!, epoch);
                        if (options.InputTransform is { } transform) x = transform(x);
                        var y = trainY.index_select(0, indices);
                        var mix = augmentation is { MixesBatch: true } ? augmentation.Mix(x, rows!, epoch) : null;
                        if (mix is not null) x = mix.Inputs;

                        if (options.LearningRateSchedule is { } schedule)
                        {
                            var rate = options.Optimizer.LearningRate
                                * LearningRateSchedule.Factor(schedule, (epoch - context.FirstEpoch) * (long)batchCount + batch, batchCount, options.Epochs);
                            foreach (var group in optimizer.ParamGroups) group.LearningRate = rate;
                        }
                        // What the optimizer holds (every group gets the same rate), not what the schedule meant to set.
                        learningRates[batch] = optimizer.ParamGroups.First().LearningRate;

                        optimizer.zero_grad();
                        var logits = model.call(x);
                        // libtorch's cross-entropy takes class indices or, under batch mixing, class probabilities,
                        // and applies Keras' label smoothing to either: (1 - s) * target + s / classes.
                        var loss = nn.functional.cross_entropy(logits, mix is null ? y : MixedTargets(y, mix, logits.shape[1]),
                            label_smoothing: options.LabelSmoothing);
                        loss.backward();
                        optimizer.step();
                        average?.Update();

                        // Keras' epoch loss and accuracy: means over the epoch's examples, i.e. batch means weighted by size.
                        lossSum += loss.item<float>() * (double)size;
                        correct += logits.argmax(1).eq(y).sum().item<long>();
                        seen += size;
                        var logs = new BatchLogs(lossSum / seen, (double)correct / seen, seen);
                        foreach (var callback in callbacks) callback.OnBatchEnd(context, batch + 1, batchCount, logs);
                    }
                }
                var trainSeconds = epochClock.Elapsed.TotalSeconds;
                // With an average, validation, the epoch-end callbacks (early stopping's snapshot of the best weights) and,
                // after the last epoch, whatever follows the fit see it instead of the live weights: Keras'
                // SwapEMAWeights(swap_on_epoch=True). The epoch's loss and accuracy stay the live weights' running means.
                average?.UseAverage();
                var (valLoss, valAccuracy) = Validate(model, validationInputs, validationY,
                    batchSize, options.InputTransform, cancellationToken);
                var log = new EpochLog(epoch, options.Phase, lossSum / seen, (double)correct / seen, valLoss, valAccuracy,
                    epochClock.Elapsed.TotalSeconds, trainSeconds > 0 ? seen / trainSeconds : 0)
                {
                    LearningRates = learningRates,
                };
                context.Add(log);
                lastEpoch = epoch;
                foreach (var callback in callbacks) callback.OnEpochEnd(context, log);
                if (options.Checkpoints is { } saving) SaveCheckpoint(saving, epoch, context, optimizer, shuffleGenerator, callbacks, average);
            }
            foreach (var callback in callbacks) callback.OnTrainEnd(context);
            return new TrainingHistory(context.Epochs.ToList(), context.RestoredEpoch ?? lastEpoch,
                context.StopRequested ? lastEpoch : null);
        }
        finally
        {
            if (!ReferenceEquals(trainY, trainLabels)) trainY.Dispose();
            if (!ReferenceEquals(validationY, validationLabels)) validationY.Dispose();
        }
    }

    /// <summary>Each row's target distribution under batch mixing: its one-hot label mixed with its partner's by the mix weights.</summary>
    internal static Tensor MixedTargets(Tensor labels, BatchMix mix, long classes)
    {
        var targets = nn.functional.one_hot(labels, classes).to_type(ScalarType.Float32);
        var own = mix.OwnWeight.unsqueeze(1);
        return targets.mul(own).add_(targets.index_select(0, mix.Partner).mul(own.neg().add(1)));
    }

    /// <summary>Mean softmax cross-entropy and accuracy over <paramref name="inputs"/>, in eval mode without gradients; restores train mode.</summary>
    private static (double Loss, double Accuracy) Validate(
        nn.Module<Tensor, Tensor> model, IExampleRows inputs, Tensor labels, int batchSize, Func<Tensor, Tensor>? transform,
        CancellationToken cancellationToken)
    {
        model.eval();
        try
        {
            using var noGrad = no_grad();
            var n = inputs.Count;
            double lossSum = 0;
            long correct = 0;
            for (long start = 0; start < n; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var size = Math.Min(batchSize, n - start);
                var x = inputs.Slice(start, size);
                if (transform is not null) x = transform(x);
                var y = labels.narrow(0, start, size);
                var logits = model.call(x);
                lossSum += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
                correct += logits.argmax(1).eq(y).sum().item<long>();
            }
            return (lossSum / n, (double)correct / n);
        }
        finally
        {
            model.train();
        }
    }

    private static void CheckExamples(IExampleRows inputs, Tensor labels, string name)
    {
        ArgumentNullException.ThrowIfNull(inputs, name);
        ArgumentNullException.ThrowIfNull(labels, name);
        if (inputs.Count == 0)
        {
            var shape = inputs is TensorRows rows ? $"[{string.Join(", ", rows.Tensor.shape)}]" : "[0]";
            throw new ArgumentException($"{name} must hold at least one example; its shape is {shape}.", name);
        }
        if (labels.dim() != 1 || labels.shape[0] != inputs.Count)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"{name}: labels must be one class index per example ([{inputs.Count}]); their shape is [{string.Join(", ", labels.shape)}]."), name);
        }

        if (labels.dtype is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64 or ScalarType.Bool)
            throw new ArgumentException($"{name}: labels must be integer class indices; their type is {labels.dtype}.", name);
    }

    private static Tensor AsInt64(Tensor labels) => labels.dtype == ScalarType.Int64
        ? labels
        : labels.to_type(ScalarType.Int64).DetachFromDisposeScope();
}
