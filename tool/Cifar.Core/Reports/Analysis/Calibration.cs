using Cifar.Reports.Charts;
using Cifar.Reports.Files;

namespace Cifar.Reports.Analysis;

/// <summary>How well the model's confidence matches its accuracy.</summary>
/// <param name="Bins">Equal-width confidence bins from 0 to 1, empty ones included.</param>
/// <param name="ExpectedCalibrationError">Sum over bins of (images in bin / images) x |accuracy - mean confidence|.</param>
public sealed record CalibrationResult(IReadOnlyList<CalibrationBin> Bins, double ExpectedCalibrationError);

/// <summary>The reliability diagram's numbers and the expected calibration error (Guo et al. 2017, "On Calibration of
/// Modern Neural Networks", arXiv:1706.04599, eq. 3), over the confidence of each image's prediction.</summary>
public static class Calibration
{
    /// <summary>15 bins, as Guo et al. use.</summary>
    public const int Bins = 15;

    /// <summary>Bin b holds confidences in (b/15, (b+1)/15]; a confidence of exactly 0 goes in the first bin.</summary>
    public static CalibrationResult Measure(IReadOnlyList<TestOutcome> outcomes, int bins = Bins)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        var counts = new int[bins];
        var correct = new int[bins];
        var confidence = new double[bins];
        foreach (var o in outcomes)
        {
            var b = Math.Clamp((int)Math.Ceiling(o.Confidence * bins) - 1, 0, bins - 1);
            counts[b]++;
            if (o.Correct) correct[b]++;
            confidence[b] += o.Confidence;
        }
        var result = new List<CalibrationBin>(bins);
        double error = 0;
        for (var b = 0; b < bins; b++)
        {
            double accuracy = counts[b] > 0 ? correct[b] / (double)counts[b] : double.NaN;
            double meanConfidence = counts[b] > 0 ? confidence[b] / counts[b] : double.NaN;
            if (counts[b] > 0) error += counts[b] / (double)outcomes.Count * Math.Abs(accuracy - meanConfidence);
            result.Add(new CalibrationBin(b / (double)bins, (b + 1) / (double)bins, counts[b], meanConfidence, accuracy));
        }
        return new CalibrationResult(result, outcomes.Count > 0 ? error : double.NaN);
    }
}
