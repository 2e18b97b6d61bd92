using Cifar.Evaluation;

namespace Cifar.Tests.Evaluation;

public class ClassificationMetricsTests
{
    // Rows are true classes, columns predictions; class c is never predicted.
    private static readonly int[][] Matrix = [[2, 1, 0], [1, 3, 0], [0, 2, 0]];
    private static readonly string[] Classes = ["a", "b", "c"];

    [Fact]
    public void Per_class_and_averages_match_hand_computed_values()
    {
        var (accuracy, perClass, macro, weighted) = ClassificationMetrics.FromConfusionMatrix(Classes, Matrix);

        // a: P 2/3 R 2/3 F1 2/3 n 3; b: P 3/6 R 3/4 F1 0.6 n 4; c: never predicted, P 0 (zero_division=0), R 0, F1 0, n 2.
        Assert.Equal(5.0 / 9, accuracy, 12);
        Assert.Equal(["a", "b", "c"], perClass.Select(m => m.ClassName));
        Assert.Equal([2.0 / 3, 0.5, 0], perClass.Select(m => Math.Round(m.Precision, 12)), Comparer(12));
        Assert.Equal([2.0 / 3, 0.75, 0], perClass.Select(m => m.Recall), Comparer(12));
        Assert.Equal([2.0 / 3, 0.6, 0], perClass.Select(m => m.F1), Comparer(12));
        Assert.Equal([3, 4, 2], perClass.Select(m => m.Support));
        Assert.Equal((2.0 / 3 + 0.5) / 3, macro.Precision, 12);
        Assert.Equal((2.0 / 3 + 0.75) / 3, macro.Recall, 12);
        Assert.Equal((2.0 / 3 + 0.6) / 3, macro.F1, 12);
        Assert.Equal((3 * 2.0 / 3 + 4 * 0.5) / 9, weighted.Precision, 12);
        Assert.Equal(5.0 / 9, weighted.Recall, 12); // weighted recall is always the accuracy
        Assert.Equal((3 * 2.0 / 3 + 4 * 0.6) / 9, weighted.F1, 12);
    }

    [Fact]
    public void Report_from_labels_and_predictions_keeps_test_order_and_builds_the_matrix()
    {
        byte[] labels = [0, 0, 0, 1, 1, 1, 1, 2, 2];
        byte[] predictions = [0, 1, 0, 0, 1, 1, 1, 1, 1];

        var report = ClassificationMetrics.Report(Classes, labels, predictions, loss: 0.25);

        Assert.Equal(Matrix.Select(r => r.ToList()), report.ConfusionMatrix.Select(r => r.ToList()));
        Assert.Equal(labels, report.Labels);
        Assert.Equal(predictions, report.Predictions);
        Assert.Equal(0.25, report.Loss);
        Assert.Equal(5.0 / 9, report.Accuracy, 12);
        Assert.Equal(Classes, report.Classes);
    }

    [Fact]
    public void Class_absent_from_labels_and_predictions_scores_zero_and_still_counts_in_the_macro_average()
    {
        int[][] matrix = [[1, 0], [0, 0]];

        var (accuracy, perClass, macro, weighted) = ClassificationMetrics.FromConfusionMatrix(["x", "y"], matrix);

        Assert.Equal(1, accuracy);
        Assert.Equal(new ClassMetrics("y", 0, 0, 0, 0), perClass[1]);
        Assert.Equal(new AveragedMetrics(0.5, 0.5, 0.5), macro);
        Assert.Equal(new AveragedMetrics(1, 1, 1), weighted);
    }

    [Fact]
    public void Out_of_range_class_is_rejected()
    {
        var error = Assert.Throws<ArgumentException>(() => ClassificationMetrics.ConfusionMatrix([0, 3], [0, 1], 3));

        Assert.Contains("label 3", error.Message, StringComparison.Ordinal);
    }

    private static EqualityComparer<double> Comparer(int digits) =>
        EqualityComparer<double>.Create((a, b) => Math.Round(a, digits) == Math.Round(b, digits), x => Math.Round(x, digits).GetHashCode());
}
