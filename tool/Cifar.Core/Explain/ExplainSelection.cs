using Cifar.Data;

namespace Cifar.Explain;

/// <summary>Which test images a report explains: a fixed, seeded choice of correct and wrong ones per class.</summary>
public static class ExplainSelection
{
    /// <summary>
    /// Per true class, in class order, up to <paramref name="perClass"/> test rows: half of them (rounded up) correctly
    /// classified and the rest wrong, each kind drawn from one seeded permutation of the test rows, and topped up from
    /// the other kind where a class has too few. The same seed and outcomes give the same rows.
    /// </summary>
    /// <returns>Rows of the evaluated test split, grouped by class, correct ones first within a class.</returns>
    public static IReadOnlyList<int> Rows(IReadOnlyList<byte> labels, IReadOnlyList<byte> predictions, int classCount, int perClass, int seed)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentOutOfRangeException.ThrowIfLessThan(perClass, 1);
        if (labels.Count != predictions.Count) throw new ArgumentException("One prediction per label.", nameof(predictions));
        var order = SeededSampling.Permutation(labels.Count, seed, SeededSampling.Stream.ExplainSelection);
        var rows = new List<int>();
        for (var c = 0; c < classCount; c++)
        {
            var inClass = order.Where(r => labels[r] == c).ToList();
            var correct = inClass.Where(r => predictions[r] == c).ToList();
            var wrong = inClass.Where(r => predictions[r] != c).ToList();
            int wantCorrect = (perClass + 1) / 2, wantWrong = perClass - wantCorrect;
            int takeCorrect = Math.Min(correct.Count, wantCorrect + Math.Max(0, wantWrong - wrong.Count));
            int takeWrong = Math.Min(wrong.Count, perClass - takeCorrect);
            rows.AddRange(correct.Take(takeCorrect));
            rows.AddRange(wrong.Take(takeWrong));
        }
        return rows;
    }
}
