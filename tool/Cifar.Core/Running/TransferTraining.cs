using System.Diagnostics;
using System.Globalization;
using Cifar.Data;
using Cifar.Evaluation;
using Cifar.Models.Transfer;
using Cifar.Specs;
using Cifar.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Running;

/// <summary>
/// Transfer learning as in Keras' guide, in its phases: a pretrained base plus a head. A frozen base gives the same
/// features every epoch, so they are extracted once (and cached on disk) and only the head trains on them; a base
/// trainable from the start trains with the head on images instead. An optional fine-tuning phase
/// (<c>training.fine_tune</c>) then unfreezes the base's top stages and trains the whole model on images at a low
/// learning rate.
/// </summary>
/// <param name="cacheRoot">The resolved cache folder: ImageNet weights below it, base features in <c>features/</c>.</param>
/// <param name="checkpoints">Where each phase keeps its epoch-end checkpoint (one per phase, so a kill while fine-tuning
/// resumes the first phase at its end and the second where it was); null keeps none.</param>
/// <param name="shard">Which chunks of a missing feature or activation extraction this worker takes first (<c>--shard</c>).</param>
internal sealed class TransferTraining(IRunObserver observer, string cacheRoot, ICheckpointStore? checkpoints = null, ExtractionShard? shard = null)
{
    /// <summary>Runs every phase <paramref name="transfer"/> asks for and evaluates the result on the test split.</summary>
    /// <param name="datasetHash">The dataset's content hash: part of the feature cache's key.</param>
    public TrainingOutcome Train(
        ExperimentSpec spec, TransferModelSpec transfer, PreparedData data, string datasetHash, CancellationToken cancellationToken)
    {
        int imageSize = spec.Data.EffectiveImageSize;
        var featureCache = new FeatureCache(Path.Combine(cacheRoot, "features"));
        bool frozen = transfer.TrainableLayers == 0;

        // ONNX Runtime extracts from its own copy of the bundled base: do that before loading the TorchSharp copy, so
        // the two (about 0.4 and 0.6 GB) are never in memory together.
        FrozenFeatures? features = null;
        if (frozen && FeatureExtractors.TryCreateWithoutBase(PretrainedBases.Plan(transfer), imageSize) is { } onnx)
        {
            using (onnx) features = ExtractFeatures(spec, onnx, featureCache, data, datasetHash, cancellationToken);
        }

        using var pretrained = PretrainedBases
            .CreateAsync(transfer, new ArtifactCache(cacheRoot), new DownloadProgressAdapter(observer, $"{spec.Name}: ImageNet weights from"), cancellationToken)
            .GetAwaiter().GetResult();
        observer.Info($"{spec.Name}: base {pretrained.Description.Architecture} ({pretrained.Description.Weights})");
        if (frozen && features is null)
        {
            using var extractor = FeatureExtractors.Create(pretrained, imageSize);
            features = ExtractFeatures(spec, extractor, featureCache, data, datasetHash, cancellationToken);
        }

        using var headGenerator = new Generator(unchecked((ulong)spec.Seed), CPU);
        using var model = TransferModel.Create(transfer, pretrained, imageSize, headGenerator);
        var summary = model.Summary();
        // The whole model gets the splits' uint8 batches normalized here (TransferModel upsamples them itself); the
        // head alone gets features, which need nothing.
        Func<Tensor, Tensor> input = data.Normalization.Apply;

        TrainingHistory history;
        if (features is not null)
        {
            using (features)
            {
                history = TrainHead(spec, model, features, data, cancellationToken);
                if (spec.Training.FineTune is null)
                {
                    // Same numbers as the whole model on the test images (the base is frozen), without a second pass through it.
                    var headEvaluation = Evaluator.Evaluate(model.Head, features.Test, data.Test.Labels, data.Classes, spec.Data.BatchSize, cancellationToken: cancellationToken);
                    // Grad-CAM needs the base itself: it runs in TorchSharp, on the chosen test images only.
                    var headExplained = RunPictures.ExplainTransfer(spec, transfer, model, data, input, headEvaluation);
                    return new TrainingOutcome(summary, history, headEvaluation, data.Train.Count, data.Validation.Count, data.Test.Count, features.Seconds, pretrained.Description)
                    {
                        Explanation = headExplained?.Explanation,
                        ExplainedRows = headExplained?.Rows,
                    };
                }
            }
        }
        else
        {
            history = TrainWholeModel(spec, model, data, datasetHash, input, cancellationToken);
        }

        if (spec.Training.FineTune is { } fineTune)
        {
            history = FineTune(spec, fineTune, model, history, data, datasetHash, input, cancellationToken);
            summary = model.Summary();
        }
        var evaluation = Evaluator.Evaluate(model, data.Test.Images, data.Test.Labels, data.Classes, spec.Data.BatchSize, input,
            ExperimentRunner.TestTimeAugmentationOf(spec), cancellationToken);

        var explained = RunPictures.ExplainTransfer(spec, transfer, model, data, input, evaluation);
        return new TrainingOutcome(summary, history, evaluation, data.Train.Count, data.Validation.Count, data.Test.Count, features?.Seconds, pretrained.Description)
        {
            Explanation = explained?.Explanation,
            ExplainedRows = explained?.Rows,
        };
    }

    /// <summary>Features of every split from a frozen base, from the on-disk cache where a previous run left them.</summary>
    private FrozenFeatures ExtractFeatures(
        ExperimentSpec spec, IFeatureExtractor extractor, FeatureCache cache, PreparedData data, string datasetHash, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var progress = new ExtractionProgressAdapter(observer, spec.Name);
        Tensor Of(Split split, string name) => FeatureExtraction.GetOrExtract(
            extractor, cache, ImageSubset.Of(split, name, datasetHash), split.Images, data.Normalization, progress, shard, cancellationToken);
        var features = new FrozenFeatures(Of(data.Train, "train"), Of(data.Validation, "validation"), Of(data.Test, "test"), clock.Elapsed.TotalSeconds);
        observer.Info(string.Create(CultureInfo.InvariantCulture,
            $"{spec.Name}: base features ready in {features.Seconds:F1} s ({(progress.ExtractedImages == 0 ? "all from the feature cache" : $"{progress.ExtractedImages} images extracted, the rest from the feature cache")})"));
        return features;
    }

    /// <summary>Phase 1 with a frozen base: the head alone, on the base's features.</summary>
    private TrainingHistory TrainHead(
        ExperimentSpec spec, TransferModel model, FrozenFeatures features, PreparedData data, CancellationToken cancellationToken)
    {
        var fit = new FitOptions(spec.Training.Epochs, spec.Data.BatchSize, spec.Training.Optimizer, spec.Seed)
        {
            Callbacks = RunCallbacks.For(spec, observer, PlannedEpochs(spec)),
            LearningRateSchedule = spec.Training.LearningRateSchedule,
            LabelSmoothing = spec.Training.LabelSmoothing,
            Ema = spec.Training.Ema,
            Checkpoints = checkpoints,
        };
        return Trainer.Fit(model.Head, new(features.Train, data.Train.Labels), new(features.Validation, data.Validation.Labels), fit, cancellationToken);
    }

    /// <summary>Phase 1 with a base trainable from the start: the whole model, on images.</summary>
    private TrainingHistory TrainWholeModel(
        ExperimentSpec spec, TransferModel model, PreparedData data, string datasetHash, Func<Tensor, Tensor> input, CancellationToken cancellationToken)
    {
        var fit = new FitOptions(spec.Training.Epochs, spec.Data.BatchSize, spec.Training.Optimizer, spec.Seed)
        {
            InputTransform = input,
            Callbacks = [.. RunCallbacks.For(spec, observer, PlannedEpochs(spec)), new NativeHeapTrim()],
            LearningRateSchedule = spec.Training.LearningRateSchedule,
            LabelSmoothing = spec.Training.LabelSmoothing,
            Ema = spec.Training.Ema,
            Checkpoints = checkpoints,
        };
        return FitAboveCut(spec, model, data, datasetHash, fit, cancellationToken);
    }

    /// <summary>Phase 2: the top stages of the base unfrozen, the whole model trained on images at a low learning rate.</summary>
    /// <returns>Both phases' epochs; best and stopped epochs are the fine-tuning phase's.</returns>
    private TrainingHistory FineTune(
        ExperimentSpec spec, FineTuneSpec fineTune, TransferModel model, TrainingHistory firstPhase, PreparedData data, string datasetHash,
        Func<Tensor, Tensor> input, CancellationToken cancellationToken)
    {
        model.SetTrainableStages(fineTune.TrainableLayers);
        observer.Info($"{spec.Name}: fine-tuning the top {fineTune.TrainableLayers} stage(s) of the base, learning_rate {fineTune.LearningRate.ToString(CultureInfo.InvariantCulture)}");
        var fit = new FitOptions(fineTune.Epochs, spec.Data.BatchSize, spec.Training.Optimizer with { LearningRate = fineTune.LearningRate }, spec.Seed)
        {
            InputTransform = input,
            Phase = "fine_tune",
            EpochOffset = firstPhase.Epochs.Count,
            Callbacks = [.. RunCallbacks.For(spec, observer, PlannedEpochs(spec, firstPhase.Epochs.Count)), new NativeHeapTrim()],
            Ema = spec.Training.Ema,
            Checkpoints = checkpoints,
        };
        var second = FitAboveCut(spec, model, data, datasetHash, fit, cancellationToken);
        return new TrainingHistory([.. firstPhase.Epochs, .. second.Epochs], second.BestEpoch, second.StoppedEpoch);
    }

    /// <summary>
    /// Trains <paramref name="model"/> with <paramref name="fit"/> on the images; when stages at the bottom of its base are
    /// frozen, on their cached activations instead (see <see cref="ActivationCache"/>), computed first where missing, so
    /// every epoch runs only the trainable stages and the head. Turned off by <see cref="ActivationCache.DisableVariable"/>.
    /// </summary>
    private TrainingHistory FitAboveCut(
        ExperimentSpec spec, TransferModel model, PreparedData data, string datasetHash, FitOptions fit, CancellationToken cancellationToken)
    {
        var top = model.Base.TrainableStages;
        if (top < 1 || top >= model.Base.StagesFromTop.Count || !ActivationCache.Enabled)
            return Trainer.Fit(model, Examples(data.Train), Examples(data.Validation), fit, cancellationToken);

        var folder = Path.Combine(cacheRoot, ActivationCache.FolderName);
        var progress = new ExtractionProgressAdapter(observer, spec.Name);
        var clock = Stopwatch.StartNew();
        ChunkedTensorCache Filled(Split split, string name)
        {
            var cache = ActivationCache.For(folder, model, top, ImageSubset.Of(split, name, datasetHash), data.Normalization);
            ActivationCache.Fill(cache, model, top, split.Images, data.Normalization, $"{name} activations below {model.Base.StagesFromTop[top - 1].Name}",
                progress, shard, cancellationToken);
            return cache;
        }
        var train = Filled(data.Train, "train");
        var validation = Filled(data.Validation, "validation");
        // Checksums once per fit: a chunk changed on disk is computed again rather than trained on.
        foreach (var cache in new[] { train, validation })
        {
            try
            {
                cache.Verify();
            }
            catch (InvalidDataException e)
            {
                observer.Info($"{spec.Name}: {e.Message} Computing it again.");
                cache.Invalidate();
                ActivationCache.Fill(cache, model, top, (cache == train ? data.Train : data.Validation).Images, data.Normalization, "activations", progress, shard, cancellationToken);
                cache.Verify();
            }
        }
        observer.Info(string.Create(CultureInfo.InvariantCulture,
            $"{spec.Name}: activations below {model.Base.StagesFromTop[top - 1].Name} ready in {clock.Elapsed.TotalSeconds:F1} s: [{string.Join('x', train.RowShape)}] {ActivationCache.StoredType} per image, {CacheInventory.FormatBytes(train.DataBytes + validation.DataBytes)} on disk for {train.Rows + validation.Rows} images ({(progress.ExtractedImages == 0 ? "all from the activation cache" : $"{progress.ExtractedImages} images computed")}); each epoch runs only the top {top} stage(s) and the head"));

        using var trainRows = new CachedRows(train.OpenReader());
        using var validationRows = new CachedRows(validation.OpenReader());
        model.InputIsActivationsBelowTopStages = top;
        try
        {
            // Cached activations need no transform: they are float32 when read.
            return Trainer.Fit(model, new(trainRows, data.Train.Labels), new(validationRows, data.Validation.Labels),
                fit with { InputTransform = null }, cancellationToken);
        }
        finally
        {
            model.InputIsActivationsBelowTopStages = null;
        }
    }

    /// <summary>Training rows read from an activation cache, batch by batch.</summary>
    private sealed class CachedRows(ChunkRowReader reader) : IExampleRows, IDisposable
    {
        public long Count => reader.Count;

        public Tensor Gather(Tensor indices) => reader.Read(indices.data<long>().ToArray());

        public Tensor Slice(long start, long count) => reader.ReadRange(start, count);

        public void Dispose() => reader.Dispose();
    }

    private static LabeledExamples Examples(Split split) => new(split.Images, split.Labels);

    /// <summary>Epochs the run may take: the first phase's, plus the fine-tuning phase's once the first is done.</summary>
    private static int PlannedEpochs(ExperimentSpec spec, int? firstPhaseEpochs = null) =>
        (firstPhaseEpochs ?? spec.Training.Epochs) + (spec.Training.FineTune?.Epochs ?? 0);

    private sealed record FrozenFeatures(Tensor Train, Tensor Validation, Tensor Test, double Seconds) : IDisposable
    {
        public void Dispose()
        {
            Train.Dispose();
            Validation.Dispose();
            Test.Dispose();
        }
    }
}
