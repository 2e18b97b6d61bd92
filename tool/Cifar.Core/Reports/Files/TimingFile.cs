using System.Text.Json.Serialization;

namespace Cifar.Reports.Files;

/// <summary>
/// timing.json: every machine-dependent figure of a run, per epoch and in total. Shown in reports and comparisons,
/// never compared as a regression. Seconds have 3 fixed decimals, images per second 1.
/// </summary>
/// <param name="TotalSeconds">Wall time of the whole run (loading, training, evaluation).</param>
/// <param name="TrainingSeconds">Wall time of all epochs (training and validation passes).</param>
/// <param name="MeanSecondsPerEpoch">TrainingSeconds / epochs run.</param>
/// <param name="TrainingImagesPerSecond">Training images processed per second of training passes, over all epochs.</param>
/// <param name="PeakWorkingSetBytes">Peak working set of the process.</param>
/// <param name="FeatureExtractionSeconds">Time spent precomputing frozen-base features; null when the run did not.</param>
public sealed record TimingFile(
    string Name,
    [property: JsonConverter(typeof(ThreeDecimals))] double TotalSeconds,
    [property: JsonConverter(typeof(ThreeDecimals))] double TrainingSeconds,
    [property: JsonConverter(typeof(ThreeDecimals))] double MeanSecondsPerEpoch,
    [property: JsonConverter(typeof(OneDecimal))] double TrainingImagesPerSecond,
    long PeakWorkingSetBytes,
    [property: JsonConverter(typeof(ThreeDecimals))] double? FeatureExtractionSeconds,
    IReadOnlyList<EpochTiming> Epochs);

/// <summary>One epoch of timing.json.</summary>
public sealed record EpochTiming(
    int Epoch,
    string Phase,
    [property: JsonConverter(typeof(ThreeDecimals))] double Seconds,
    [property: JsonConverter(typeof(OneDecimal))] double ImagesPerSecond);
