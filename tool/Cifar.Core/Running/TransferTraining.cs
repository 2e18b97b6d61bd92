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
internal sealed class TransferTraining(IRunObserver observer, string cacheRoot, ICheckpointStore? checkpoints = null)
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
            history = TrainWholeModel(spec, model, data, input, cancellationToken);
        }

        if (spec.Training.FineTune is { } fineTune)
        {
            history = FineTune(spec, fineTune, model, history, data, input, cancellationToken);
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
            extractor, cache, ImageSubset.Of(split, name, datasetHash), split.Images, data.Normalization, progress, cancellationToken);
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
        ExperimentSpec spec, TransferModel model, PreparedData data, Func<Tensor, Tensor> input, CancellationToken cancellationToken)
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
        return Trainer.Fit(model, Examples(data.Train), Examples(data.Validation), fit, cancellationToken);
    }

    /// <summary>Phase 2: the top stages of the base unfrozen, the whole model trained on images at a low learning rate.</summary>
    /// <returns>Both phases' epochs; best and stopped epochs are the fine-tuning phase's.</returns>
    private TrainingHistory FineTune(
        ExperimentSpec spec, FineTuneSpec fineTune, TransferModel model, TrainingHistory firstPhase, PreparedData data,
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
        var second = Trainer.Fit(model, Examples(data.Train), Examples(data.Validation), fit, cancellationToken);
        return new TrainingHistory([.. firstPhase.Epochs, .. second.Epochs], second.BestEpoch, second.StoppedEpoch);
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
