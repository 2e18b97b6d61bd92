using System.Globalization;
using Cifar.Evaluation;
using Cifar.Reports.Charts;
using Cifar.Reports.Files;
using Cifar.Reports.Formatting;
using Cifar.Reports.Statistics;

namespace Cifar.Reports.Comparison;

/// <summary>The lab's question: was the model trained from scratch or did it transfer ImageNet features?</summary>
public enum ModelOrigin
{
    /// <summary>metrics.json names a model type this version does not know.</summary>
    Unknown,
    /// <summary>A CNN from scratch (<c>model.type: cnn</c>, or a transfer architecture with <c>weights: none</c>).</summary>
    Scratch,
    /// <summary>Transfer learning from pretrained weights (<c>model.type: transfer</c>).</summary>
    Transfer,
}

/// <summary>One experiment in a comparison.</summary>
/// <param name="Model">What was trained, in words: "CNN from scratch", "transfer learning (resnet18)".</param>
/// <param name="Colour">Its colour in the learning-curve charts.</param>
/// <param name="AccuracyInterval">95% interval of its test accuracy: for a multi-seed report, Student's t interval of
/// the mean over its seeds (the one seeds.json records; <see cref="IntervalOverSeeds"/>); otherwise the bootstrap over
/// the test images; null without predictions.txt.</param>
/// <param name="AccuracyGap">Training minus validation accuracy (fraction) at the best epoch (metrics.json's
/// <c>overfitting.accuracy_gap</c>).</param>
public sealed record ComparedExperiment(
    ReportSnapshot Report,
    ModelOrigin Origin,
    string Model,
    string Colour,
    AccuracyInterval? AccuracyInterval,
    double AccuracyGap)
{
    public string Name => Report.Name;
    public MetricsFile Metrics => Report.Metrics;

    /// <summary>True when <see cref="AccuracyInterval"/> is over seeds, not over test images.</summary>
    public bool IntervalOverSeeds => Report.Seeds.Count >= 2;

    /// <summary>The kinds of its <c>data.augmentation</c> steps in order (<c>random_crop</c>, ...), empty without
    /// augmentation; null when its spec.yaml is missing or unreadable, so whether it augmented is unknown.</summary>
    public IReadOnlyList<string>? Augmentation { get; init; }

    /// <summary>The overfitting analysis of its history (the rule every report uses); null for an empty history.</summary>
    public OverfittingAnalysis? Overfitting { get; init; }
}

/// <summary>One class's F1 in every experiment (in experiment order) and the spread between best and worst.</summary>
public sealed record ClassF1Spread(string Class, IReadOnlyList<double?> F1, double Spread, string? Best, string? Worst);

/// <summary>Everything a comparison report shows, as plain data.</summary>
/// <param name="Experiments">In the order given.</param>
/// <param name="ClassF1">One row per class, in the first experiment's class order.</param>
/// <param name="LargestSpreads">The classes whose F1 differs most between experiments (at most 3), largest first.</param>
/// <param name="Conclusion">One plain-language sentence: which is better, CNN from scratch or transfer learning, by how much.</param>
/// <param name="ConclusionTest">McNemar's test behind the conclusion, when the two compared reports have paired predictions.</param>
public sealed record ComparisonResult(
    IReadOnlyList<ComparedExperiment> Experiments,
    IReadOnlyList<ClassF1Spread> ClassF1,
    IReadOnlyList<ClassF1Spread> LargestSpreads,
    string Conclusion,
    PairedTest? ConclusionTest,
    int BootstrapResamples)
{
    /// <summary>True when the experiments include runs with and runs without augmentation: then the comparison shows
    /// each one's gap at its best epoch beside whether it augmented.</summary>
    public bool ComparesAugmentation =>
        Experiments.Any(e => e.Augmentation is { Count: > 0 }) && Experiments.Any(e => e.Augmentation is { Count: 0 });

    /// <summary>What augmentation did to the gap, one entry per augmented experiment that has a same-model partner
    /// without augmentation (<see cref="AugmentationPairing.Pair"/>).</summary>
    public IReadOnlyList<AugmentationEffect> AugmentationEffects { get; init; } = [];
}

/// <summary>Builds a <see cref="ComparisonResult"/> from report snapshots.</summary>
internal static class ExperimentComparison
{
    internal const int SpreadsShown = 3;

    internal static ComparisonResult Build(IReadOnlyList<ReportSnapshot> reports, int resamples)
    {
        if (reports.Count == 0)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, "nothing to compare: no report folders given");
        }
        var duplicate = reports.GroupBy(r => r.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"two report folders are named '{duplicate.Key}'; a comparison needs distinct names");
        }
        var experiments = reports.Select((r, i) =>
        {
            var (origin, model) = Classify(r);
            return new ComparedExperiment(r, origin, model, SvgLineChart.Palette[i % SvgLineChart.Palette.Count],
                IntervalOf(r, resamples), r.Metrics.Overfitting.AccuracyGap)
            {
                Augmentation = AugmentationPairing.StepsOf(r),
                Overfitting = AugmentationPairing.Analyze(r.Metrics),
            };
        }).ToList();

        var classes = experiments.SelectMany(e => e.Metrics.Classes).Distinct(StringComparer.Ordinal).ToList();
        var rows = classes.Select(c =>
        {
            var f1 = experiments.Select(e => e.Metrics.F1Of(c)).ToList();
            var present = experiments.Zip(f1).Where(x => x.Second is not null).Select(x => (x.First.Name, F1: x.Second!.Value)).ToList();
            if (present.Count < 2)
            {
                return new ClassF1Spread(c, f1, 0, null, null);
            }
            // First in experiment order wins ties, so the names never flip between reruns.
            var best = present.Aggregate((a, b) => b.F1 > a.F1 ? b : a);
            var worst = present.Aggregate((a, b) => b.F1 < a.F1 ? b : a);
            return new ClassF1Spread(c, f1, Math.Round(best.F1 - worst.F1, 12), best.Name, worst.Name);
        }).ToList();
        var largest = experiments.Count < 2
            ? []
            : rows.Select((r, i) => (r, i)).Where(x => x.r.Spread > 0)
                .OrderByDescending(x => x.r.Spread).ThenBy(x => x.i).Take(SpreadsShown).Select(x => x.r).ToList();

        var (conclusion, test) = Conclude(experiments);
        return new ComparisonResult(experiments, rows, largest, conclusion, test, resamples)
        {
            AugmentationEffects = AugmentationPairing.Pair(experiments),
        };
    }

    // A multi-seed report's predictions are its seeds' majority vote, an ensemble more accurate than any one seed: a
    // bootstrap over them would put the interval above the mean accuracy the row shows. Its interval is the seeds'.
    private static AccuracyInterval? IntervalOf(ReportSnapshot report, int resamples)
    {
        if (report.Seeds.Count >= 2)
        {
            var seeds = SeedSummary.Of([.. report.Seeds.Select(s => s.Metrics.Test.Accuracy)]);
            return new AccuracyInterval(seeds.Mean, seeds.Lower, seeds.Upper);
        }
        return report.Predictions is null ? null : Bootstrap.AccuracyInterval(report.Predictions.Correct(), resamples);
    }

    private static (ModelOrigin, string) Classify(ReportSnapshot report)
    {
        IReadOnlyList<KeyValuePair<string, string>> spec = [];
        if (report.SpecText is not null)
        {
            try
            {
                spec = SpecKeys.Flatten(report.SpecText, report.Location + "/" + ReportFiles.Spec);
            }
            catch (CifarUserException)
            {
                // The base name is a convenience; a spec that does not parse still leaves metrics.json to go by.
            }
        }
        var type = report.Metrics.Model.Type;
        var baseName = SpecKeys.Get(spec, "model.base");
        var weights = SpecKeys.Get(spec, "model.weights");
        return type.ToLowerInvariant() switch
        {
            "cnn" => (ModelOrigin.Scratch, "CNN from scratch"),
            "transfer" when string.Equals(weights, "none", StringComparison.OrdinalIgnoreCase) =>
                (ModelOrigin.Scratch, $"{baseName ?? "transfer model"} from scratch (no pretrained weights)"),
            "transfer" => (ModelOrigin.Transfer, baseName is null ? "transfer learning" : $"transfer learning ({baseName})"),
            _ => (ModelOrigin.Unknown, type),
        };
    }

    private static (string, PairedTest?) Conclude(List<ComparedExperiment> experiments)
    {
        static ComparedExperiment? Best(IEnumerable<ComparedExperiment> list) =>
            list.Aggregate((ComparedExperiment?)null, (a, b) => a is null || b.Metrics.Test.Accuracy > a.Metrics.Test.Accuracy ? b : a);
        var scratch = Best(experiments.Where(e => e.Origin == ModelOrigin.Scratch));
        var transfer = Best(experiments.Where(e => e.Origin == ModelOrigin.Transfer));
        if (scratch is not null && transfer is not null)
        {
            var test = PairedTest.TryCreate(scratch.Report.Predictions, transfer.Report.Predictions, out _);
            var (t, s) = (transfer.Metrics.Test.Accuracy, scratch.Metrics.Test.Accuracy);
            var label = (string text, ComparedExperiment e) => $"{text} ({e.Name}, {ReportNumbers.Percent(e.Metrics.Test.Accuracy)})";
            if (ReportNumbers.Rounded(Math.Abs(t - s) * 100, 2) == "0.00")
            {
                return ($"Transfer learning ({transfer.Name}) and the CNN from scratch ({scratch.Name}) are tied at {ReportNumbers.Percent(t)} test accuracy.", test);
            }
            var (winner, loser) = t > s
                ? (label("Transfer learning", transfer), label("the CNN from scratch", scratch))
                : (label("The CNN from scratch", scratch), label("transfer learning", transfer));
            var (wAcc, lAcc) = (Math.Max(t, s), Math.Min(t, s));
            var fewerErrors = 1 - lAcc < 1e-12 ? 0 : (wAcc - lAcc) / (1 - lAcc);
            var sentence = $"{winner} beats {loser} by {ReportNumbers.Rounded((wAcc - lAcc) * 100, 2)} percentage points of test accuracy, "
                + $"making {ReportNumbers.Rounded(fewerErrors * 100, 0)}% fewer test errors";
            sentence += test is null
                ? "; no paired predictions, so not tested for chance."
                : test.IsSignificant
                    ? string.Create(CultureInfo.InvariantCulture,
                        $", a difference significant at 5% (McNemar exact test on {ReportNumbers.Count(test.Images)} test images, {ReportNumbers.PValue(test.PValue)}).")
                    : string.Create(CultureInfo.InvariantCulture,
                        $", but the difference is within chance (McNemar exact test on {ReportNumbers.Count(test.Images)} test images, {ReportNumbers.PValue(test.PValue)}).");
            return (sentence, test);
        }
        var missing = scratch is null && transfer is null
            ? "neither a CNN from scratch nor a transfer-learning model is identified"
            : scratch is null ? "no CNN from scratch" : "no transfer-learning model";
        if (experiments.Count == 1)
        {
            var only = experiments[0];
            return ($"Only one experiment ({only.Name}, {ReportNumbers.Percent(only.Metrics.Test.Accuracy)} test accuracy), so there is nothing to compare it with.", null);
        }
        var ranked = experiments.Select((e, i) => (e, i)).OrderByDescending(x => x.e.Metrics.Test.Accuracy).ThenBy(x => x.i).Select(x => x.e).ToList();
        var (first, second) = (ranked[0], ranked[1]);
        return ($"There is {missing} to answer CNN-from-scratch versus transfer learning; the best is {first.Name} "
            + $"({ReportNumbers.Percent(first.Metrics.Test.Accuracy)} test accuracy), "
            + $"{ReportNumbers.Rounded((first.Metrics.Test.Accuracy - second.Metrics.Test.Accuracy) * 100, 2)} percentage points ahead of {second.Name}.", null);
    }
}
