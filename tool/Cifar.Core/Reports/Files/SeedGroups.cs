using System.Text;

namespace Cifar.Reports.Files;

/// <summary>
/// A multi-seed report folder read as one experiment, for <c>compare</c> and <c>diff</c>: its seeds' metrics averaged
/// into one metrics.json shape, and its seeds' test predictions combined into one majority vote per image. The
/// seed-level figures (spread, intervals, Welch's t test) come from the seeds themselves (<see cref="ReportSnapshot.Seeds"/>).
/// </summary>
public static class SeedGroups
{
    /// <summary>
    /// The seeds' metrics as one: every score (test accuracy and loss, per-class and average precision, recall and F1,
    /// the overfitting figures, each epoch of the history the seeds share) is the mean over the seeds; a confusion
    /// cell is the mean count, rounded; best and stopped epochs are the (lower) median; the overfitting verdict is the
    /// most frequent one (ties: the earliest seed's).
    /// </summary>
    /// <exception cref="CifarUserException">InvalidInput when the seeds do not share their classes and model
    /// (<paramref name="source"/> names the folder).</exception>
    public static MetricsFile MeanMetrics(string name, IReadOnlyList<MetricsFile> seeds, string source)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count == 0) throw new ArgumentException("A seed group needs seeds.", nameof(seeds));
        var first = seeds[0];
        if (seeds.Any(s => !s.Classes.SequenceEqual(first.Classes) || s.Model.Type != first.Model.Type
            || s.Model.TotalParameters != first.Model.TotalParameters || s.TestSamples != first.TestSamples))
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"{source}: the seed folders differ in classes, model or test images; expected runs of one spec");
        }
        double Mean(Func<MetricsFile, double> value) => seeds.Average(value);
        var classes = first.Classes.Count;
        var perClass = first.PerClass.Select((row, i) => new ClassScores(row.Class,
            Mean(s => s.PerClass[i].Precision), Mean(s => s.PerClass[i].Recall), Mean(s => s.PerClass[i].F1), row.Support)).ToList();
        var confusion = Enumerable.Range(0, classes).Select(t => (IReadOnlyList<int>)[.. Enumerable.Range(0, classes)
            .Select(p => (int)Math.Round(seeds.Average(s => (double)s.ConfusionMatrix[t][p]), MidpointRounding.AwayFromZero))]).ToList();
        var sharedEpochs = seeds.Min(s => s.History.Count);
        var history = Enumerable.Range(0, sharedEpochs).Select(i => new EpochMetrics(first.History[i].Epoch, first.History[i].Phase,
            Mean(s => s.History[i].Loss), Mean(s => s.History[i].Accuracy), Mean(s => s.History[i].ValLoss), Mean(s => s.History[i].ValAccuracy))).ToList();
        var stopped = seeds.Where(s => s.StoppedEpoch is not null).Select(s => s.StoppedEpoch!.Value).ToList();
        var verdict = seeds.Select((s, i) => (s.Overfitting.Verdict, i)).GroupBy(v => v.Verdict)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Min(v => v.i)).First().Key;
        var ratios = seeds.Select(s => s.Overfitting.ValTrainLossRatio).ToList();
        var divergence = seeds.Select(s => s.Overfitting.DivergenceEpoch).Distinct().ToList();
        var overfitting = new OverfittingMetrics(verdict, Mean(s => s.Overfitting.TrainAccuracy), Mean(s => s.Overfitting.ValAccuracy),
            Mean(s => s.Overfitting.AccuracyGap), ratios.All(r => r is not null) ? ratios.Average() : null,
            (int)Math.Round(seeds.Average(s => s.Overfitting.RisingValLossEpochs), MidpointRounding.AwayFromZero),
            divergence.Count == 1 ? divergence[0] : null);
        var datasets = seeds.Select(s => s.DatasetSha256).Distinct().ToList();
        return new MetricsFile(name, first.Seed, first.Model, new TestScores(Mean(s => s.Test.Accuracy), Mean(s => s.Test.Loss)),
            first.TestSamples, first.Classes, perClass,
            new AverageScores(Mean(s => s.MacroAvg.Precision), Mean(s => s.MacroAvg.Recall), Mean(s => s.MacroAvg.F1)),
            new AverageScores(Mean(s => s.WeightedAvg.Precision), Mean(s => s.WeightedAvg.Recall), Mean(s => s.WeightedAvg.F1)),
            confusion, history, LowerMedian([.. seeds.Select(s => s.BestEpoch)]), stopped.Count > 0 ? LowerMedian(stopped) : null,
            overfitting, SpecSha256: null, DatasetSha256: datasets.Count == 1 ? datasets[0] : null);
    }

    /// <summary>
    /// Per test image, the class most seeds predicted (a tie goes to the lowest class index), so two multi-seed runs
    /// can be paired image by image with McNemar's test. Null when a seed has no predictions.txt or the seeds did not
    /// predict the same test images.
    /// </summary>
    public static PredictionsFile? MajorityVote(IReadOnlyList<PredictionsFile?> seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        if (seeds.Count == 0 || seeds.Any(s => s is null) || seeds.Any(s => s!.TrueLabels != seeds[0]!.TrueLabels)) return null;
        var labels = seeds[0]!.TrueLabels;
        var votes = new StringBuilder(labels.Length);
        Span<int> counts = stackalloc int[10];
        for (var i = 0; i < labels.Length; i++)
        {
            counts.Clear();
            foreach (var seed in seeds) counts[seed!.Predicted[i] - '0']++;
            var best = 0;
            for (var c = 1; c < counts.Length; c++)
            {
                if (counts[c] > counts[best]) best = c;
            }
            votes.Append((char)('0' + best));
        }
        return new PredictionsFile(labels, votes.ToString());
    }

    private static int LowerMedian(List<int> values)
    {
        values.Sort();
        return values[(values.Count - 1) / 2];
    }
}
