using Cifar.Evaluation;

namespace Cifar.Tests.Evaluation;

/// <summary>The classification report's inputs that cannot be scored, and the degenerate cases sklearn defines.</summary>
public class ClassificationMetricsEdgeTests
{
    [Fact]
    public void An_empty_test_set_scores_zero_everywhere_instead_of_nan()
    {
        int[][] matrix = [[0, 0], [0, 0]];

        var (accuracy, perClass, macro, weighted) = ClassificationMetrics.FromConfusionMatrix(["x", "y"], matrix);

        Assert.Equal(0, accuracy);
        Assert.All(perClass, m => Assert.Equal((0.0, 0.0, 0.0, 0), (m.Precision, m.Recall, m.F1, m.Support)));
        Assert.Equal(new AveragedMetrics(0, 0, 0), macro);
        Assert.Equal(new AveragedMetrics(0, 0, 0), weighted);
    }

    [Fact]
    public void Weighted_averages_weight_each_class_by_its_support()
    {
        // x: 3 images, all right (P 3/4, R 1, F1 6/7); y: 1 image, predicted x (P 0, R 0, F1 0).
        int[][] matrix = [[3, 0], [1, 0]];

        var (_, _, macro, weighted) = ClassificationMetrics.FromConfusionMatrix(["x", "y"], matrix);

        Assert.Equal(0.75 * 3 / 4, weighted.Precision, 12);
        Assert.Equal(0.75, weighted.Recall, 12);
        Assert.Equal(6.0 / 7 * 3 / 4, weighted.F1, 12);
        Assert.Equal(0.75 / 2, macro.Precision, 12);
    }

    [Fact]
    public void A_class_predicted_but_never_present_has_precision_zero_and_recall_zero()
    {
        int[][] matrix = [[1, 1], [0, 0]];

        var (_, perClass, _, _) = ClassificationMetrics.FromConfusionMatrix(["x", "y"], matrix);

        Assert.Equal(new ClassMetrics("y", 0, 0, 0, 0), perClass[1]);
        Assert.Equal((1.0, 0.5, 2), (perClass[0].Precision, perClass[0].Recall, perClass[0].Support));
        Assert.Equal(2.0 / 3, perClass[0].F1, 12);
    }

    [Fact]
    public void The_matrix_counts_each_label_prediction_pair_in_its_cell()
    {
        var matrix = ClassificationMetrics.ConfusionMatrix([0, 1, 1, 2, 2, 2], [0, 2, 1, 0, 2, 2], 3);

        Assert.Equal([[1, 0, 0], [0, 1, 1], [1, 0, 2]], matrix);
    }

    [Fact]
    public void Labels_and_predictions_must_pair_up()
    {
        var error = Assert.Throws<ArgumentException>(() => ClassificationMetrics.ConfusionMatrix([0, 1, 2], [0, 1], 3));

        Assert.StartsWith("3 labels but 2 predictions.", error.Message, StringComparison.Ordinal);
        Assert.Equal("predictions", error.ParamName);
    }

    [Fact]
    public void A_prediction_outside_the_classes_is_rejected_too()
    {
        var error = Assert.Throws<ArgumentException>(() => ClassificationMetrics.ConfusionMatrix([0, 2], [0, 3], 3));

        Assert.StartsWith("Example 1: label 2 or prediction 3 is not a class below 3.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_highest_class_index_is_accepted()
    {
        var matrix = ClassificationMetrics.ConfusionMatrix([2], [2], 3);

        Assert.Equal(1, matrix[2][2]);
    }

    [Fact]
    public void At_least_one_class_is_needed()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ClassificationMetrics.ConfusionMatrix([], [], 0));
        Assert.Single(ClassificationMetrics.ConfusionMatrix([], [], 1));
    }

    [Fact]
    public void Missing_inputs_are_argument_errors()
    {
        Assert.Throws<ArgumentNullException>(() => ClassificationMetrics.ConfusionMatrix(null!, [], 1));
        Assert.Throws<ArgumentNullException>(() => ClassificationMetrics.ConfusionMatrix([], null!, 1));
        Assert.Throws<ArgumentNullException>(() => ClassificationMetrics.Report(null!, [], [], 0));
        Assert.Throws<ArgumentNullException>(() => ClassificationMetrics.FromConfusionMatrix(null!, []));
        Assert.Throws<ArgumentNullException>(() => ClassificationMetrics.FromConfusionMatrix(["x"], null!));
    }

    [Theory]
    [InlineData(1, 2)] // one row for two classes
    [InlineData(2, 1)] // two rows of one column
    [InlineData(3, 2)]
    [InlineData(2, -1)] // two rows, the second one short
    public void The_matrix_must_be_square_with_one_row_and_column_per_class(int rows, int columns)
    {
        var matrix = columns < 0
            ? [new int[2], new int[1]]
            : Enumerable.Range(0, rows).Select(_ => new int[columns]).ToArray();

        var error = Assert.Throws<ArgumentException>(() => ClassificationMetrics.FromConfusionMatrix(["x", "y"], matrix));

        Assert.StartsWith("The confusion matrix must be 2x2, one row and column per class.", error.Message, StringComparison.Ordinal);
    }
}
