using Cifar.Reports.Files;

namespace Cifar.Reports.Analysis;

/// <summary>A pair of classes the model mixes up: images of <see cref="True"/> predicted as <see cref="Predicted"/>.</summary>
/// <param name="Examples">The pair's mistakes the model was surest of, highest confidence first.</param>
public sealed record ConfusedPair(byte True, byte Predicted, int Count, IReadOnlyList<TestOutcome> Examples);

/// <summary>One class's correctly classified images at both ends of the confidence scale.</summary>
public sealed record ClassConfidence(byte Class, IReadOnlyList<TestOutcome> MostConfident, IReadOnlyList<TestOutcome> LeastConfident);

/// <summary>
/// fastai's interpretation views (<c>most_confused</c>, <c>plot_top_losses</c>) on the per-image test outcomes. Every
/// ordering breaks ties by test index, so the same outcomes always pick the same images.
/// </summary>
public static class ErrorAnalysis
{
    /// <summary>The <paramref name="count"/> off-diagonal cells of the confusion matrix with the most images (at least
    /// one), each with up to <paramref name="examples"/> of its images.</summary>
    public static IReadOnlyList<ConfusedPair> MostConfused(IReadOnlyList<TestOutcome> outcomes, int count, int examples)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        return [.. outcomes.Where(o => !o.Correct)
            .GroupBy(o => (o.Label, o.Prediction))
            .Select(g => new ConfusedPair(g.Key.Label, g.Key.Prediction, g.Count(),
                [.. g.OrderByDescending(o => o.Confidence).ThenBy(o => o.TestIndex).Take(examples)]))
            .OrderByDescending(p => p.Count).ThenBy(p => p.True).ThenBy(p => p.Predicted)
            .Take(count)];
    }

    /// <summary>The <paramref name="count"/> images with the highest loss (the true class's probability lowest).</summary>
    public static IReadOnlyList<TestOutcome> TopLosses(IReadOnlyList<TestOutcome> outcomes, int count)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        return [.. outcomes.OrderByDescending(o => o.Loss).ThenBy(o => o.TestIndex).Take(count)];
    }

    /// <summary>Per class (index order, classes with a correct image only), its <paramref name="count"/> most and least
    /// confident correct images; a class with few correct images may show one in both.</summary>
    public static IReadOnlyList<ClassConfidence> ConfidenceExtremes(IReadOnlyList<TestOutcome> outcomes, int classCount, int count)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        var result = new List<ClassConfidence>();
        for (var c = 0; c < classCount; c++)
        {
            var correct = outcomes.Where(o => o.Correct && o.Label == c).ToList();
            if (correct.Count == 0) continue;
            result.Add(new ClassConfidence((byte)c,
                [.. correct.OrderByDescending(o => o.Confidence).ThenBy(o => o.TestIndex).Take(count)],
                [.. correct.OrderBy(o => o.Confidence).ThenBy(o => o.TestIndex).Take(count)]));
        }
        return result;
    }
}
