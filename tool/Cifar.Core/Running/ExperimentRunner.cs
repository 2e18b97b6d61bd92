using System.Diagnostics;
using Cifar.Augmentation;
using Cifar.Data;
using Cifar.Evaluation;
using Cifar.Models;
using Cifar.Models.Transfer;
using Cifar.Reports;
using Cifar.Reports.Comparison;
using Cifar.Reproducibility;
using Cifar.Specs;
using Cifar.Training;
using static TorchSharp.torch;

namespace Cifar.Running;

/// <summary>
/// Runs validated specs end to end: seed -> data -> model -> train -> evaluate -> report. One experiment at a time;
/// each one's report folder appears only once it is complete.
/// </summary>
/// <remarks>
/// Cancellation (the command line's Ctrl+C) is checked between the steps and inside every long one: each download
/// chunk, extraction batch and training or validation batch. Each step cleans up after itself, so a cancelled run leaves
/// the report folders of experiments it had not finished exactly as they were. The last check is just before the
/// finished report replaces the previous one; that swap, once started, completes.
/// </remarks>
public sealed partial class ExperimentRunner(RunOptions options, IRunObserver observer)
{
    private readonly Cifar10Download _download = new();

    /// <summary>For tests: a downloader that accepts generated archives (their own md5 list and batch size).</summary>
    internal ExperimentRunner(RunOptions options, IRunObserver observer, Cifar10Download download)
        : this(options, observer) => _download = download;

    /// <summary>Runs every spec in order and returns where each report went.</summary>
    public IReadOnlyList<RunOutcome> RunAll(IReadOnlyList<ExperimentSpec> specs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(specs);
        DeterminismGuard.RequireOneLevel(specs);
        RunPreflight.Check(specs, options);
        var outcomes = new List<RunOutcome>(specs.Count);
        foreach (var spec in specs) outcomes.Add(Run(spec, cancellationToken));
        if (outcomes.Count > 1)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var comparison = ComparisonReport.Write(options.OutputRoot, outcomes.Select(o => o.Folder).ToList());
            observer.Info($"comparison of {outcomes.Count} experiments in {comparison.Markdown}");
        }
        return outcomes;
    }

    /// <summary>Runs one experiment and writes its report folder under <see cref="RunOptions.OutputRoot"/>; a
    /// multi-seed spec runs once per seed (<see cref="RunSeeds"/>).</summary>
    public RunOutcome Run(ExperimentSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return SeedRuns.IsMultiSeed(spec)
            ? RunSeeds(spec, cancellationToken)
            : RunOne(spec, Path.Combine(options.OutputRoot, spec.Name), cancellationToken);
    }

    /// <summary>Runs a single-seed spec and writes its report into <paramref name="folder"/>.</summary>
    private RunOutcome RunOne(ExperimentSpec spec, string folder, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        RunPreflight.Check([spec], options);
        var clock = Stopwatch.StartNew();
        DeterminismGuard.Enter(spec.Determinism); // before libtorch's first use: its CPU code is chosen when it loads
        // Seeds libtorch and fixes its thread count for the whole run (training reuses it: no per-fit override).
        int threads = RunSeeding.Configure(spec.Seed, options.Threads);
        var environment = EnvironmentInfo.Capture() with { Determinism = DeterminismGuard.Name(spec.Determinism) };

        var files = _download
            .EnsureAsync(spec.Data, options.CacheDir, new DownloadProgressAdapter(observer, $"{spec.Name}: CIFAR-10 from"), cancellationToken)
            .GetAwaiter().GetResult();
        observer.Info($"{spec.Name}: CIFAR-10 {(files.FromCache ? "found in the cache" : "downloaded and verified")} ({files.Folder})");
        cancellationToken.ThrowIfCancellationRequested();

        // The spec is copied into the report, so a mirror URL in it loses its credentials first (UrlRedaction).
        var specText = RecordedSpec.Text(spec);
        var specHash = RecordedSpec.Sha256(spec);
        var checkpoints = options.Checkpoints == CheckpointMode.None
            ? null
            : RunCheckpoints.For(CacheLocation.Resolve(options.CacheDir), spec.Name, specHash, files.ContentHash, environment, threads, spec.Seed, observer);
        if (options.Checkpoints == CheckpointMode.Restart) checkpoints!.Clear();

        // The raw uint8 images are only needed to prepare the splits (which never alias them): free them before training.
        PreparedData data;
        using (var dataset = Cifar10Dataset.Load(files))
            data = DataPreparation.Prepare(dataset, spec.Data, spec.Seed, (spec.Model as TransferModelSpec) is { } t ? PretrainedBases.Plan(t).InputNormalization : null);

        TrainingOutcome trained;
        Reports.Analysis.ReportPictures pictures;
        IReadOnlyList<Reports.Files.TestOutcome> testOutcomes;
        using (data)
        {
            trained = spec.Model switch
            {
                CnnModelSpec cnn => TrainCnn(spec, cnn, data, checkpoints, cancellationToken),
                TransferModelSpec transfer => new TransferTraining(observer, CacheLocation.Resolve(options.CacheDir), checkpoints, options.Shard)
                    .Train(spec, transfer, data, files.ContentHash, cancellationToken),
                _ => throw new InvalidOperationException($"No training for model type '{spec.Model.Type}'."),
            };
            cancellationToken.ThrowIfCancellationRequested();
            pictures = RunPictures.Build(spec, data, trained.Explanation, trained.ExplainedRows);
            testOutcomes = RunPictures.Outcomes(trained.Evaluation, data.Test.SourceIndices);
        }
        var datasetInfo = new DatasetInfo("CIFAR-10", files.Source, files.ContentHash, trained.TrainImages, trained.ValidationImages, trained.TestImages,
            files.Checksums ?? new Dictionary<string, string>());
        var weights = trained.Base is { } pretrained
            ? new WeightsInfo(pretrained.Weights, pretrained.WeightsSha256.Length > 0 ? pretrained.WeightsSha256 : null)
            : null;

        var result = new ExperimentResult(
            spec.Name, spec.Description, spec.Seed, specText, specHash, environment, datasetInfo, weights,
            spec.Model.Type, SpecDescriptions.ModelDescription(spec.Model), trained.Summary, SpecDescriptions.Setup(spec), trained.History, trained.Evaluation,
            Timing(trained, clock.Elapsed.TotalSeconds), DeterminismGuard.Repeatability(threads, spec.Determinism, environment))
        {
            TestOutcomes = testOutcomes,
            Pictures = pictures,
        };

        var reportOptions = RunPreflight.ReportOptionsFor(spec, options);
        cancellationToken.ThrowIfCancellationRequested();
        ReportWriter.Write(result, folder, reportOptions);
        // Only now: a kill while the report was being written resumes after the last epoch and writes it again.
        checkpoints?.Clear();
        observer.Info($"{spec.Name}: test accuracy {100 * trained.Evaluation.Accuracy:F2}%, report in {folder}");
        return new RunOutcome(spec.Name, folder, trained.Evaluation.Accuracy);
    }

    private TrainingOutcome TrainCnn(
        ExperimentSpec spec, CnnModelSpec cnn, PreparedData data, ICheckpointStore? checkpoints, CancellationToken cancellationToken)
    {
        int imageSize = spec.Data.EffectiveImageSize;
        using var model = CnnBuilder.Build(cnn, imageSize, spec.Seed);
        // The splits hold uint8 32x32 pixels: each batch is normalized, then resized to other sizes, since a float32
        // copy of the set takes 4x its memory and a resized one may not fit at all.
        var normalization = data.Normalization;
        Func<Tensor, Tensor> input = imageSize == 32
            ? normalization.Apply
            : batch => ImageBatches.Resize(normalization.Apply(batch), imageSize);

        // Layers set from data (patch_whitening) see the first images of the seeded training split, un-augmented.
        Tensor WhiteningSample() => input(data.Train.Images.narrow(0, 0, Math.Min(WhiteningSampleImages, data.Train.Count)));
        if (model.InitializesFromData)
        {
            using var scope = NewDisposeScope();
            model.InitializeFromData(WhiteningSample());
        }

        var fit = new FitOptions(spec.Training.Epochs, spec.Data.BatchSize, spec.Training.Optimizer, spec.Seed)
        {
            InputTransform = input,
            Callbacks = RunCallbacks.For(spec, observer, spec.Training.Epochs),
            Augmentation = spec.Data.Augmentation.Count > 0 ? new ImageAugmenter(spec.Data.Augmentation, spec.Seed) : null,
            LearningRateSchedule = spec.Training.LearningRateSchedule,
            LabelSmoothing = spec.Training.LabelSmoothing,
            Ema = spec.Training.Ema,
            Checkpoints = checkpoints,
        };
        var history = Trainer.Fit(model, new(data.Train.Images, data.Train.Labels), new(data.Validation.Images, data.Validation.Labels), fit, cancellationToken);
        var evaluation = Evaluator.Evaluate(model, data.Test.Images, data.Test.Labels, data.Classes, spec.Data.BatchSize, input,
            TestTimeAugmentationOf(spec), cancellationToken);
        var explained = RunPictures.ExplainCnn(spec, cnn, model, data, input, evaluation, WhiteningSample);
        return new TrainingOutcome(model.Summary, history, evaluation, data.Train.Count, data.Validation.Count, data.Test.Count, FeatureExtractionSeconds: null)
        {
            Explanation = explained?.Explanation,
            ExplainedRows = explained?.Rows,
        };
    }

    /// <summary><c>evaluation.tta</c> for the test evaluation (never for validation); null when the spec has none.</summary>
    internal static TestTimeAugmentation? TestTimeAugmentationOf(ExperimentSpec spec) =>
        spec.Evaluation.TestTimeAugmentation is { } tta ? new TestTimeAugmentation(tta) : null;

    /// <summary>Images that data-initialised layers are set from: 5,000 give about 4.8 million 2x2 patches.</summary>
    private const int WhiteningSampleImages = 5000;

    private static RunTiming Timing(TrainingOutcome trained, double totalSeconds)
    {
        var epochs = trained.History.Epochs;
        double trainingSeconds = epochs.Sum(e => e.Seconds);
        double imagesPerSecond = trainingSeconds > 0 ? epochs.Count * (double)trained.TrainImages / trainingSeconds : 0;
        return new RunTiming(totalSeconds, trainingSeconds, epochs.Count > 0 ? trainingSeconds / epochs.Count : 0, imagesPerSecond,
            PeakMemory.WorkingSetBytes(), trained.FeatureExtractionSeconds);
    }
}
