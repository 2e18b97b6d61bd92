using Cifar.Evaluation;
using Cifar.Reports.Files;
using Cifar.Reports.Formatting;

namespace Cifar.Reports.Comparison;

/// <summary>
/// One model trained without and with augmentation, and what that did to its overfitting: the gaps at each run's best
/// epoch, by <see cref="OverfittingAnalysis"/> (the rule every report's overfitting section uses).
/// </summary>
/// <param name="Without">The run without augmentation.</param>
/// <param name="With">The same model (the same <c>model</c> section of the spec) with augmentation.</param>
/// <param name="OtherDifferences">Other spec keys in which the two differ (besides name, description, report and
/// <c>data.augmentation</c>), e.g. <c>training.epochs</c>: what else may have moved the gap.</param>
/// <param name="Sentence">The effect in one plain sentence, e.g. "Augmentation (random_crop, horizontal_flip) shrank ...".</param>
public sealed record AugmentationEffect(
    ComparedExperiment Without, ComparedExperiment With, IReadOnlyList<string> OtherDifferences, string Sentence);

/// <summary>Which compared experiments augmented, and which pairs show the effect of augmentation.</summary>
internal static class AugmentationPairing
{
    private const string AugmentationKey = "data.augmentation";

    /// <summary>The kinds of <paramref name="report"/>'s augmentation steps in order; empty without augmentation; null
    /// when its spec.yaml is missing or does not parse.</summary>
    public static IReadOnlyList<string>? StepsOf(ReportSnapshot report) => Flatten(report) is { } spec ? Steps(spec) : null;

    /// <summary>The overfitting analysis of metrics.json's history, exactly as the run's own report made it.</summary>
    public static OverfittingAnalysis? Analyze(MetricsFile metrics) => metrics.History.Count == 0
        ? null
        : OverfittingAnalysis.Analyze(DataFiles.TrainingHistoryOf(metrics));

    /// <summary>
    /// For each augmented experiment (in order), the experiment without augmentation whose spec has the same
    /// <c>model</c> section and otherwise differs in the fewest keys (the first in order on a tie). An augmented run
    /// with no such partner is left out: comparing it with another model would credit augmentation with the model's
    /// doing.
    /// </summary>
    public static IReadOnlyList<AugmentationEffect> Pair(IReadOnlyList<ComparedExperiment> experiments)
    {
        var effects = new List<AugmentationEffect>();
        foreach (var with in experiments.Where(e => e.Augmentation is { Count: > 0 } && e.Overfitting is not null))
        {
            var partner = experiments
                .Where(e => e.Augmentation is { Count: 0 } && e.Overfitting is not null)
                .Select(e => (Without: e, Changes: SpecKeys.Diff(e.Report.SpecText!, with.Report.SpecText!)))
                .Where(p => !p.Changes.Any(c => IsUnder(c.Key, "model")))
                .Select(p => (p.Without, Others: p.Changes.Select(c => c.Key).Where(IsOtherDifference).Distinct().ToList()))
                .OrderBy(p => p.Others.Count) // stable: the first in order wins a tie
                .FirstOrDefault();
            if (partner.Without is null) continue;
            effects.Add(new AugmentationEffect(partner.Without, with, partner.Others, Describe(partner.Without, with, partner.Others)));
        }
        return effects;
    }

    private static string Describe(ComparedExperiment without, ComparedExperiment with, List<string> others)
    {
        var (before, after) = (without.Overfitting!, with.Overfitting!);
        var (from, to) = (ReportNumbers.PointsChange(before.AccuracyGap), ReportNumbers.PointsChange(after.AccuracyGap));
        var verb = from == to ? "left" : after.AccuracyGap < before.AccuracyGap ? "shrank" : "widened";
        var accuracy = from == to
            ? $"left the train-validation accuracy gap at the best epoch unchanged at {to} ({without.Name} and {with.Name})"
            : $"{verb} the train-validation accuracy gap at the best epoch from {from} ({without.Name}) to {to} ({with.Name})";
        var sentence = $"Augmentation ({string.Join(", ", with.Augmentation!)}) {accuracy}";
        if (double.IsFinite(before.LossGap) && double.IsFinite(after.LossGap))
        {
            sentence += $", and the loss gap (validation minus training loss) from {ReportNumbers.Change(before.LossGap, 4)} to {ReportNumbers.Change(after.LossGap, 4)}";
        }
        sentence += ".";
        if (others.Count > 0)
        {
            const int Shown = 3;
            var keys = string.Join(", ", others.Take(Shown)) + (others.Count > Shown ? $" and {others.Count - Shown} more" : "");
            sentence += $" The two specs also differ in {keys}, which may account for part of it.";
        }
        return sentence;
    }

    private static IReadOnlyList<KeyValuePair<string, string>>? Flatten(ReportSnapshot report)
    {
        if (report.SpecText is null) return null;
        try
        {
            return SpecKeys.Flatten(report.SpecText, report.Location + "/" + ReportFiles.Spec);
        }
        catch (CifarUserException)
        {
            return null; // a spec that does not parse leaves it unknown, not "none"
        }
    }

    /// <summary>The kind of each <c>data.augmentation[i]</c> item: its one key (<c>data.augmentation[0].random_crop.padding</c>).</summary>
    private static List<string> Steps(IReadOnlyList<KeyValuePair<string, string>> spec)
    {
        var steps = new List<(string Index, string Kind)>();
        foreach (var key in spec.Select(p => p.Key).Where(k => k.StartsWith(AugmentationKey + "[", StringComparison.Ordinal)))
        {
            var close = key.IndexOf(']', StringComparison.Ordinal);
            var index = key[..(close + 1)];
            var rest = key[(close + 1)..].TrimStart('.');
            var kind = rest.Split('.')[0];
            if (kind.Length > 0 && !steps.Contains((index, kind))) steps.Add((index, kind));
        }
        return [.. steps.Select(s => s.Kind)];
    }

    private static bool IsOtherDifference(string key) =>
        !IsUnder(key, "name") && !IsUnder(key, "description") && !IsUnder(key, "report") && !IsUnder(key, AugmentationKey);

    private static bool IsUnder(string key, string section) =>
        key == section
        || (key.StartsWith(section, StringComparison.Ordinal) && key.Length > section.Length && key[section.Length] is '.' or '[');
}
