using System.Diagnostics;
using Cifar.Data;
using Cifar.Evaluation;
using Cifar.Models;
using Cifar.Models.Transfer;
using System.Globalization;
using Cifar.Reports;
using Cifar.Reports.Comparison;
using Cifar.Reproducibility;
using Cifar.Training;
using TorchSharp;
using static TorchSharp.torch;

using Cifar.Specs;

namespace Cifar.Running;

/// <summary>
/// Runs validated specs end to end: seed -> data -> model -> train -> evaluate -> report. One experiment at a time;
/// each one's report folder appears only once it is complete.
/// </summary>
public sealed class ExperimentRunner(RunOptions options, IRunObserver observer)
{
    private readonly Cifar10Download _download = new();

    /// <summary>For tests: a downloader that accepts generated archives (their own md5 list and batch size).</summary>
    internal ExperimentRunner(RunOptions options, IRunObserver observer, Cifar10Download download)
        : this(options, observer) => _download = download;

    /// <summary>Runs every spec in order and returns where each report went.</summary>
    public IReadOnlyList<RunOutcome> RunAll(IReadOnlyList<ExperimentSpec> specs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var outcomes = new List<RunOutcome>(specs.Count);
        foreach (var spec in specs) outcomes.Add(Run(spec, cancellationToken));
        if (outcomes.Count > 1)
        {
            var comparison = ComparisonReport.Write(options.OutputRoot, outcomes.Select(o => o.Folder).ToList());
            observer.Info($"comparison of {outcomes.Count} experiments in {comparison.Markdown}");
        }
        return outcomes;
    }

    /// <summary>Runs one experiment and writes its report folder under <see cref="RunOptions.OutputRoot"/>.</summary>
    public RunOutcome Run(ExperimentSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var clock = Stopwatch.StartNew();
        // Seeds libtorch and fixes its thread count for the whole run (training reuses it: no per-fit override).
        int threads = RunSeeding.Configure(spec.Seed, options.Threads);
        var environment = EnvironmentInfo.Capture();

        var files = _download
            .EnsureAsync(spec.Data, options.CacheDir, new DownloadProgressAdapter(observer, $"{spec.Name}: CIFAR-10 from"), cancellationToken)
            .GetAwaiter().GetResult();
        observer.Info($"{spec.Name}: CIFAR-10 {(files.FromCache ? "found in the cache" : "downloaded and verified")} ({files.Folder})");

        // The raw uint8 images are only needed to prepare the splits (which never alias them): free them before training.
        PreparedData data;
        using (var dataset = Cifar10Dataset.Load(files))
            data = DataPreparation.Prepare(dataset, spec.Data, spec.Seed, (spec.Model as TransferModelSpec) is { } t ? PretrainedBases.Plan(t).InputNormalization : null);

        Trained trained;
        using (data)
        {
            trained = spec.Model switch
            {
                CnnModelSpec cnn => TrainCnn(spec, cnn, data, cancellationToken),
                TransferModelSpec transfer => TrainTransfer(spec, transfer, data, files.ContentHash, cancellationToken),
                _ => throw new InvalidOperationException($"No training for model type '{spec.Model.Type}'."),
            };
        }
        var datasetInfo = new DatasetInfo("CIFAR-10", files.Source, files.ContentHash, trained.TrainImages, trained.ValidationImages, trained.TestImages);

        // The spec is copied into the report, so a mirror URL in it loses its credentials first (UrlRedaction).
        var specText = UrlRedaction.Redact(spec.SourceText);
        var result = new ExperimentResult(
            spec.Name, spec.Description, spec.Seed, specText, Hashing.Sha256Hex(specText), environment, datasetInfo,
            spec.Model.Type, SpecDescriptions.ModelDescription(spec.Model), trained.Summary, SpecDescriptions.Setup(spec), trained.History, trained.Evaluation,
            Timing(trained, clock.Elapsed.TotalSeconds), Repeatability(threads));

        string folder = Path.Combine(options.OutputRoot, spec.Name);
        var reportOptions = ReportOptions.From(spec.Report);
        if (options.TemplatesFolder is not null) reportOptions = reportOptions with { TemplatesFolder = Path.GetFullPath(options.TemplatesFolder) };
        ReportWriter.Write(result, folder, reportOptions);
        observer.Info($"{spec.Name}: test accuracy {100 * trained.Evaluation.Accuracy:F2}%, report in {folder}");
        return new RunOutcome(spec.Name, folder, trained.Evaluation.Accuracy);
    }

    private Trained TrainCnn(ExperimentSpec spec, CnnModelSpec cnn, PreparedData data, CancellationToken cancellationToken)
    {
        int imageSize = spec.Data.EffectiveImageSize;
        using var model = CnnBuilder.Build(cnn, imageSize, spec.Seed);
        // The splits hold uint8 32x32 pixels: each batch is normalized, then resized to other sizes, since a float32
        // copy of the set takes 4x its memory and a resized one may not fit at all.
        var normalization = data.Normalization;
        Func<Tensor, Tensor> input = imageSize == 32
            ? normalization.Apply
            : batch => ImageBatches.Resize(normalization.Apply(batch), imageSize);

        var fit = new FitOptions(spec.Training.Epochs, spec.Data.BatchSize, spec.Training.Optimizer, spec.Seed)
        {
            InputTransform = input,
        };
        var history = Trainer.Fit(model, data.Train.Images, data.Train.Labels, data.Validation.Images, data.Validation.Labels, fit,
            Callbacks(spec, spec.Training.Epochs), cancellationToken);
        var evaluation = Evaluator.Evaluate(model, data.Test.Images, data.Test.Labels, data.Classes, spec.Data.BatchSize, input, cancellationToken);
        return new Trained(model.Summary, history, evaluation, data.Train.Count, data.Validation.Count, data.Test.Count, FeatureExtractionSeconds: null);
    }

    /// <summary>
    /// Transfer learning as in Keras' guide: a pretrained base plus a head. A frozen base gives the same features every
    /// epoch, so they are extracted once (and cached on disk) and only the head trains on them; an optional second
    /// phase (training.fine_tune) unfreezes the top stages and trains the whole model on images at a low learning rate.
    /// </summary>
    private Trained TrainTransfer(ExperimentSpec spec, TransferModelSpec transfer, PreparedData data, string datasetHash, CancellationToken cancellationToken)
    {
        int imageSize = spec.Data.EffectiveImageSize;
        string cacheRoot = CacheLocation.Resolve(options.CacheDir);
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
        var fit = new FitOptions(spec.Training.Epochs, spec.Data.BatchSize, spec.Training.Optimizer, spec.Seed);
        // The whole model gets the splits' uint8 batches normalized here (TransferModel upsamples them itself); the
        // head alone gets features, which need nothing.
        Func<Tensor, Tensor> input = data.Normalization.Apply;

        TrainingHistory history;
        if (features is not null)
        {
            using (features)
            {
                history = Trainer.Fit(model.Head, features.Train, data.Train.Labels, features.Validation, data.Validation.Labels, fit,
                    Callbacks(spec, PlannedEpochs(spec)), cancellationToken);
                if (spec.Training.FineTune is null)
                {
                    // Same numbers as the whole model on the test images (the base is frozen), without a second pass through it.
                    var headEvaluation = Evaluator.Evaluate(model.Head, features.Test, data.Test.Labels, data.Classes, spec.Data.BatchSize, null, cancellationToken);
                    return new Trained(summary, history, headEvaluation, data.Train.Count, data.Validation.Count, data.Test.Count, features.Seconds);
                }
            }
        }
        else
        {
            history = Trainer.Fit(model, data.Train.Images, data.Train.Labels, data.Validation.Images, data.Validation.Labels, fit with { InputTransform = input },
                [.. Callbacks(spec, PlannedEpochs(spec)), new NativeHeapTrim()], cancellationToken);
        }

        if (spec.Training.FineTune is { } fineTune)
        {
            model.SetTrainableStages(fineTune.TrainableLayers);
            summary = model.Summary();
            observer.Info($"{spec.Name}: fine-tuning the top {fineTune.TrainableLayers} stage(s) of the base, learning_rate {fineTune.LearningRate.ToString(CultureInfo.InvariantCulture)}");
            var fineTuneFit = new FitOptions(fineTune.Epochs, spec.Data.BatchSize, spec.Training.Optimizer with { LearningRate = fineTune.LearningRate }, spec.Seed)
            {
                InputTransform = input,
                Phase = "fine_tune",
                EpochOffset = history.Epochs.Count,
            };
            var second = Trainer.Fit(model, data.Train.Images, data.Train.Labels, data.Validation.Images, data.Validation.Labels, fineTuneFit,
                [.. Callbacks(spec, PlannedEpochs(spec, history.Epochs.Count)), new NativeHeapTrim()], cancellationToken);
            history = new TrainingHistory([.. history.Epochs, .. second.Epochs], second.BestEpoch, second.StoppedEpoch);
        }
        var evaluation = Evaluator.Evaluate(model, data.Test.Images, data.Test.Labels, data.Classes, spec.Data.BatchSize, input, cancellationToken);

        return new Trained(summary, history, evaluation, data.Train.Count, data.Validation.Count, data.Test.Count, features?.Seconds);
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

    private sealed record FrozenFeatures(Tensor Train, Tensor Validation, Tensor Test, double Seconds) : IDisposable
    {
        public void Dispose()
        {
            Train.Dispose();
            Validation.Dispose();
            Test.Dispose();
        }
    }

    /// <summary>Epochs the run may take: the first phase's, plus the fine-tuning phase's once the first is done.</summary>
    private static int PlannedEpochs(ExperimentSpec spec, int? firstPhaseEpochs = null) =>
        (firstPhaseEpochs ?? spec.Training.Epochs) + (spec.Training.FineTune?.Epochs ?? 0);

    private List<Callback> Callbacks(ExperimentSpec spec, int plannedEpochs)
    {
        var callbacks = new List<Callback>();
        if (spec.Training.EarlyStopping is { } earlyStopping) callbacks.Add(new EarlyStopping(earlyStopping));
        // After EarlyStopping, so the progress line can say why training stopped and which epoch was restored.
        callbacks.Add(new ProgressCallback(observer, spec.Name, plannedEpochs));
        return callbacks;
    }

    private static RunTiming Timing(Trained trained, double totalSeconds)
    {
        var epochs = trained.History.Epochs;
        double trainingSeconds = epochs.Sum(e => e.Seconds);
        double imagesPerSecond = trainingSeconds > 0 ? epochs.Count * (double)trained.TrainImages / trainingSeconds : 0;
        return new RunTiming(totalSeconds, trainingSeconds, epochs.Count > 0 ? trainingSeconds / epochs.Count : 0, imagesPerSecond,
            PeakMemory.WorkingSetBytes(), trained.FeatureExtractionSeconds);
    }

    private static string Repeatability(int threads) =>
        $"CPU run with {threads} libtorch thread{(threads == 1 ? "" : "s")} and every random source seeded from the spec: " +
        "rerunning this spec with the same tool version and thread count on the same machine gives a byte-identical metrics.json " +
        "and the same report outside the timing section. A different thread count or CPU can change the last digits.";

    private sealed record Trained(
        ModelSummary Summary, TrainingHistory History, ClassificationReport Evaluation,
        int TrainImages, int ValidationImages, int TestImages, double? FeatureExtractionSeconds);
}
