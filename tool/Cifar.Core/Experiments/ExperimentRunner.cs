using System.Diagnostics;
using Cifar.Data;
using Cifar.Evaluation;
using Cifar.Models;
using Cifar.Reports;
using Cifar.Reports.Comparison;
using Cifar.Reproducibility;
using Cifar.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Experiments;

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
        int threads = RunSeeding.Configure(spec.Seed, options.Threads);
        var environment = EnvironmentInfo.Capture();

        var files = _download
            .EnsureAsync(spec.Data, options.CacheDir, new DownloadProgressAdapter(observer, $"{spec.Name}: CIFAR-10 from"), cancellationToken)
            .GetAwaiter().GetResult();
        observer.Info($"{spec.Name}: CIFAR-10 {(files.FromCache ? "found in the cache" : "downloaded and verified")} ({files.Folder})");

        Trained trained;
        DatasetInfo datasetInfo;
        using (var dataset = Cifar10Dataset.Load(files))
        {
            trained = spec.Model switch
            {
                CnnModelSpec cnn => TrainCnn(spec, cnn, dataset, threads, cancellationToken),
                _ => throw new CifarUserException(UserErrorKind.InvalidInput,
                    $"{spec.SourcePath}: model type '{spec.Model.Type}' cannot be trained by this version"),
            };
            datasetInfo = new DatasetInfo("CIFAR-10", files.Source, files.ContentHash, trained.TrainImages, trained.ValidationImages, trained.TestImages);
        }

        var result = new ExperimentResult(
            spec.Name, spec.Description, spec.Seed, spec.SourceText, Hashing.Sha256Hex(spec.SourceText), environment, datasetInfo,
            SpecDescriptions.ModelType(spec.Model), trained.Summary, SpecDescriptions.Setup(spec), trained.History, trained.Evaluation,
            Timing(trained, clock.Elapsed.TotalSeconds), Repeatability(threads));

        string folder = Path.Combine(options.OutputRoot, spec.Name);
        var reportOptions = ReportOptions.From(spec.Report);
        if (options.TemplatesFolder is not null) reportOptions = reportOptions with { TemplatesFolder = Path.GetFullPath(options.TemplatesFolder) };
        ReportWriter.Write(result, folder, reportOptions);
        observer.Info($"{spec.Name}: test accuracy {100 * trained.Evaluation.Accuracy:F2}%, report in {folder}");
        return new RunOutcome(spec.Name, folder, trained.Evaluation.Accuracy);
    }

    private Trained TrainCnn(ExperimentSpec spec, CnnModelSpec cnn, Cifar10Dataset dataset, int threads, CancellationToken cancellationToken)
    {
        using var data = DataPreparation.Prepare(dataset, spec.Data, spec.Seed);
        int imageSize = spec.Data.EffectiveImageSize;
        using var model = CnnBuilder.Build(cnn, imageSize, spec.Seed);
        // CIFAR-10 images are 32x32; other sizes are resized per batch, since a resized copy of the set may not fit in memory.
        Func<Tensor, Tensor>? resize = imageSize == 32 ? null : batch => ImageBatches.Resize(batch, imageSize);

        var fit = new FitOptions(spec.Training.Epochs, spec.Data.BatchSize, spec.Training.Optimizer, spec.Seed)
        {
            InputTransform = resize,
            Threads = threads,
        };
        var history = Trainer.Fit(model, data.Train.Images, data.Train.Labels, data.Validation.Images, data.Validation.Labels, fit,
            Callbacks(spec, spec.Training.Epochs), cancellationToken);
        var evaluation = Evaluator.Evaluate(model, data.Test.Images, data.Test.Labels, data.Classes, spec.Data.BatchSize, resize, cancellationToken);
        return new Trained(model.Summary, history, evaluation, data.Train.Count, data.Validation.Count, data.Test.Count, FeatureExtractionSeconds: null);
    }

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
