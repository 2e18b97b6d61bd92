using Cifar.Evaluation;
using Cifar.Reports.Files;
using Cifar.Reproducibility;
using Cifar.Training;

namespace Cifar.Reports;

/// <summary>
/// A finished run as the records of its report folder's data files (<see cref="MetricsFile"/>, <see cref="TimingFile"/>,
/// <see cref="PredictionsFile"/>, the history rows): the writer serializes these, and every reader reads the same types.
/// </summary>
internal static class DataFiles
{
    /// <summary>metrics.json: results only, no timings, so reruns on any machine give the same bytes.</summary>
    public static MetricsFile Metrics(ExperimentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var report = result.Evaluation;
        var history = result.History;
        var overfitting = result.Overfitting;
        return new MetricsFile(
            Name: result.Name,
            Seed: result.Seed,
            Model: new ModelInfo(result.ModelType, result.ModelSummary.TrainableParameters, result.ModelSummary.TotalParameters,
                result.ModelDescription),
            Test: new TestScores(report.Accuracy, report.Loss),
            TestSamples: report.Labels.Count,
            Classes: report.Classes,
            PerClass: [.. report.PerClass.Select(c => new ClassScores(c.ClassName, c.Precision, c.Recall, c.F1, c.Support))],
            MacroAvg: Averages(report.MacroAverage),
            WeightedAvg: Averages(report.WeightedAverage),
            ConfusionMatrix: report.ConfusionMatrix,
            History: History(history),
            BestEpoch: history.BestEpoch,
            StoppedEpoch: history.StoppedEpoch,
            Overfitting: new OverfittingMetrics(
                VerdictKey(overfitting.Verdict),
                overfitting.TrainAccuracy,
                overfitting.ValAccuracy,
                overfitting.AccuracyGap,
                overfitting.LossRatio,
                overfitting.RisingValLossEpochs,
                overfitting.DivergenceEpoch),
            SpecSha256: result.SpecSha256,
            DatasetSha256: result.Dataset.Sha256);
    }

    /// <summary>timing.json: every machine-dependent figure, per epoch and in total.</summary>
    public static TimingFile Timing(ExperimentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var timing = result.Timing;
        return new TimingFile(
            result.Name,
            timing.TotalSeconds,
            timing.TrainingSeconds,
            timing.MeanSecondsPerEpoch,
            timing.TrainingImagesPerSecond,
            timing.PeakWorkingSetBytes,
            timing.FeatureExtractionSeconds,
            [.. result.History.Epochs.Select(e => new EpochTiming(e.Epoch, e.Phase, e.Seconds, e.ImagesPerSecond))]);
    }

    /// <summary>
    /// manifest.json over <paramref name="files"/>, the folder's other files as written, and the templates that
    /// rendered them. Every map is sorted (ordinal), so the same inputs give the same bytes.
    /// </summary>
    public static ManifestFile Manifest(
        ExperimentResult result, IReadOnlyDictionary<string, ManifestTemplate> templates, IEnumerable<(string Name, byte[] Bytes)> files)
    {
        ArgumentNullException.ThrowIfNull(result);
        var env = result.Environment;
        var dataset = result.Dataset;
        return new ManifestFile(
            ReportFiles.ManifestFormat,
            result.Name,
            result.SpecSha256,
            new ManifestDataset(dataset.Name, dataset.SourceUrl, dataset.Sha256, Sorted(dataset.FileChecksums)),
            result.Weights is { } weights ? new ManifestWeights(weights.Description, weights.Sha256) : null,
            Sorted(templates),
            new ManifestEnvironment(
                env.ToolVersion, env.GitCommit, env.Runtime, env.TorchSharpVersion, env.LibTorchVersion, env.OnnxRuntimeVersion,
                env.OperatingSystem,
                new ManifestCpu(env.Cpu.Model, env.Cpu.Vendor, env.Cpu.Family, env.Cpu.ModelNumber, env.Cpu.Stepping, env.Cpu.InstructionSets),
                env.LogicalCores, env.Threads, Sorted(env.CpuDispatchOverrides))
            {
                Determinism = env.Determinism,
            },
            Sorted(files.ToDictionary(f => f.Name, f => Hashing.Sha256Hex(f.Bytes), StringComparer.Ordinal)));
    }

    private static SortedDictionary<string, T> Sorted<T>(IReadOnlyDictionary<string, T> map) =>
        new(map.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), StringComparer.Ordinal);

    /// <summary>The rows of metrics.json's history and of history.csv.</summary>
    public static IReadOnlyList<EpochMetrics> History(TrainingHistory history)
    {
        ArgumentNullException.ThrowIfNull(history);
        return [.. history.Epochs.Select(e => new EpochMetrics(e.Epoch, e.Phase, e.Loss, e.Accuracy, e.ValLoss, e.ValAccuracy,
            double.IsFinite(e.LearningRate) ? e.LearningRate : null))];
    }

    /// <summary>The inverse of <see cref="History(TrainingHistory)"/> for a folder read back (no timings, no per-step
    /// rates): what the overfitting rule needs to judge a report folder exactly as the run's own report did.</summary>
    public static TrainingHistory TrainingHistoryOf(MetricsFile metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return new TrainingHistory(
            [.. metrics.History.Select(h => new EpochLog(h.Epoch, h.Phase, h.Loss, h.Accuracy, h.ValLoss, h.ValAccuracy, double.NaN, double.NaN))],
            metrics.BestEpoch, metrics.StoppedEpoch);
    }

    /// <summary>predictions.txt: true and predicted class indices of every test image.</summary>
    public static PredictionsFile Predictions(ClassificationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return PredictionsFile.From(report.Labels, report.Predictions);
    }

    internal static string VerdictKey(OverfittingVerdict verdict) => verdict switch
    {
        OverfittingVerdict.None => "none",
        OverfittingVerdict.Mild => "mild",
        OverfittingVerdict.Strong => "strong",
        OverfittingVerdict.Underfitting => "underfitting",
        _ => throw new ArgumentOutOfRangeException(nameof(verdict), verdict, "Unknown overfitting verdict."),
    };

    private static AverageScores Averages(AveragedMetrics metrics) => new(metrics.Precision, metrics.Recall, metrics.F1);
}
