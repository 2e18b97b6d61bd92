namespace Cifar.Evaluation;

/// <summary>
/// scikit-learn's confusion_matrix and classification_report (zero_division=0) from labels and predictions, as plain
/// arithmetic: no libtorch, so reports and tests can use it anywhere.
/// </summary>
public static class ClassificationMetrics
{
    /// <summary>Counts [true class][predicted class] over all examples.</summary>
    /// <exception cref="ArgumentException">Lengths differ, or a class index is not below <paramref name="classCount"/>.</exception>
    public static int[][] ConfusionMatrix(IReadOnlyList<byte> labels, IReadOnlyList<byte> predictions, int classCount)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(predictions);
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        if (labels.Count != predictions.Count)
            throw new ArgumentException($"{labels.Count} labels but {predictions.Count} predictions.", nameof(predictions));
        var matrix = Enumerable.Range(0, classCount).Select(_ => new int[classCount]).ToArray();
        for (var i = 0; i < labels.Count; i++)
        {
            if (labels[i] >= classCount || predictions[i] >= classCount)
                throw new ArgumentException($"Example {i}: label {labels[i]} or prediction {predictions[i]} is not a class below {classCount}.", nameof(labels));
            matrix[labels[i]][predictions[i]]++;
        }
        return matrix;
    }

    /// <summary>The full report from per-example labels and predictions (test order), with the mean loss computed elsewhere.</summary>
    public static ClassificationReport Report(
        IReadOnlyList<string> classes, IReadOnlyList<byte> labels, IReadOnlyList<byte> predictions, double loss)
    {
        ArgumentNullException.ThrowIfNull(classes);
        var matrix = ConfusionMatrix(labels, predictions, classes.Count);
        var (accuracy, perClass, macro, weighted) = FromConfusionMatrix(classes, matrix);
        return new ClassificationReport(classes.ToList(), accuracy, loss, perClass, macro, weighted,
            matrix.Select(row => (IReadOnlyList<int>)row).ToList(), labels.ToArray(), predictions.ToArray());
    }

    /// <summary>
    /// Accuracy, per-class precision, recall, F1 and support, and their macro (unweighted) and weighted (by support)
    /// averages over all classes, as sklearn.metrics.classification_report(labels=all classes, zero_division=0):
    /// a ratio whose denominator is 0 is 0 (a class never predicted has precision 0).
    /// </summary>
    /// <param name="matrix">[true class][predicted class] counts, square, one row per class.</param>
    public static (double Accuracy, IReadOnlyList<ClassMetrics> PerClass, AveragedMetrics Macro, AveragedMetrics Weighted)
        FromConfusionMatrix(IReadOnlyList<string> classes, IReadOnlyList<IReadOnlyList<int>> matrix)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentNullException.ThrowIfNull(matrix);
        var k = classes.Count;
        if (matrix.Count != k || matrix.Any(row => row.Count != k))
            throw new ArgumentException($"The confusion matrix must be {k}x{k}, one row and column per class.", nameof(matrix));

        long total = 0, correct = 0;
        var perClass = new List<ClassMetrics>(k);
        for (var c = 0; c < k; c++)
        {
            long truePositives = matrix[c][c], support = 0, predicted = 0;
            for (var j = 0; j < k; j++)
            {
                support += matrix[c][j];
                predicted += matrix[j][c];
            }
            total += support;
            correct += truePositives;
            var precision = Ratio(truePositives, predicted);
            var recall = Ratio(truePositives, support);
            // sklearn >= 1.3 computes F1 as 2tp / (2tp + fp + fn) = 2tp / (predicted + support), which is 2PR / (P + R)
            // whenever that is defined, and 0 when the class is neither present nor predicted.
            var f1 = Ratio(2 * truePositives, predicted + support);
            perClass.Add(new ClassMetrics(classes[c], precision, recall, f1, checked((int)support)));
        }

        var macro = new AveragedMetrics(
            perClass.Average(m => m.Precision), perClass.Average(m => m.Recall), perClass.Average(m => m.F1));
        var weighted = total == 0
            ? new AveragedMetrics(0, 0, 0)
            : new AveragedMetrics(
                perClass.Sum(m => m.Precision * m.Support) / total,
                perClass.Sum(m => m.Recall * m.Support) / total,
                perClass.Sum(m => m.F1 * m.Support) / total);
        return (Ratio(correct, total), perClass, macro, weighted);
    }

    private static double Ratio(long numerator, long denominator) => denominator == 0 ? 0 : (double)numerator / denominator;
}
