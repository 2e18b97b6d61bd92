using Cifar.Reports.Diff;
using Cifar.Reports.Files;
using Cifar.Reports.Statistics;
using Cifar.Tests.Reports.Comparison;

namespace Cifar.Tests.Reports.Diff;

public sealed class FlippedImagesTests
{
    private static readonly string[] Classes = FakeReports.Classes;

    // Twelve hand-made test images. Position: 0 1 2 3 4 5 6 7 8 9 10 11
    //   base right:                          y y n n y n y n y y n  n
    //   head right:                          y n y n n y y n n y y  n
    // Only the base right: positions 1, 4, 8 (b = 3); only the head right: 2, 5, 10 (c = 3).
    private const string Labels = "012345678901";
    private const string BasePredicted = "015648608934"; // wrong at 2, 3, 5, 7, 10, 11
    private const string HeadPredicted = "092675601904"; // wrong at 1, 3, 4, 7, 8, 11

    private static PredictionsFile Predictions(string predicted) => PredictionsFile.Parse(
        $"{ReportFiles.PredictionsHeader}\n{Labels}\n{predicted}\n", "hand-made");

    [Fact]
    public void The_flipped_lists_are_exactly_the_McNemar_off_diagonal_cells()
    {
        var (b, h) = (Predictions(BasePredicted), Predictions(HeadPredicted));
        var paired = PairedTest.TryCreate(b, h, out _)!;
        var flipped = FlippedImages.Find(b, h, Classes, null, null, shown: 100)!;

        Assert.Equal(paired.BaseRightHeadWrong, flipped.NowWrongTotal);
        Assert.Equal(paired.BaseWrongHeadRight, flipped.NowRightTotal);
        Assert.Equal([1, 4, 8], flipped.NowWrong.Select(f => f.Position));
        Assert.Equal([2, 5, 10], flipped.NowRight.Select(f => f.Position));
        // Position 1: an automobile the base got right and the head called a truck.
        var first = flipped.NowWrong[0];
        Assert.Equal(("automobile", "automobile", "truck"), (first.TrueClass, first.BasePrediction, first.HeadPrediction));
        Assert.All(flipped.NowWrong, f => Assert.True(f.BasePrediction == f.TrueClass && f.HeadPrediction != f.TrueClass));
        Assert.All(flipped.NowRight, f => Assert.True(f.BasePrediction != f.TrueClass && f.HeadPrediction == f.TrueClass));
    }

    [Fact]
    public void Without_test_outcomes_the_list_is_in_test_order_and_says_so_and_a_subset_has_no_test_index()
    {
        var flipped = FlippedImages.Find(Predictions(BasePredicted), Predictions(HeadPredicted), Classes, null, null, shown: 2)!;
        Assert.Equal(FlippedRanking.TestIndex, flipped.Ranking);
        Assert.Contains("neither side has test-outcomes.csv", flipped.RankingNote, StringComparison.Ordinal);
        Assert.Equal([1, 4], flipped.NowWrong.Select(f => f.Position));
        Assert.Equal(3, flipped.NowWrongTotal); // the totals stay the cells' counts when the list is cut
        // 12 images are not the whole test set, so nothing says which test images they are.
        Assert.All(flipped.NowWrong, f => Assert.Null(f.TestIndex));
        Assert.All(flipped.NowWrong, f => Assert.Null(f.BaseConfidence));

        var whole = FlippedImages.Find(Predictions(BasePredicted), Predictions(HeadPredicted), Classes, null, null, shown: 2, testSetSize: 12)!;
        Assert.Equal([1, 4], whole.NowWrong.Select(f => f.TestIndex));
    }

    [Fact]
    public void With_both_sides_outcomes_images_are_ranked_by_loss_change_and_named_by_test_index()
    {
        var (b, h) = (Predictions(BasePredicted), Predictions(HeadPredicted));
        // Test indices 100 + 7i (a subset run); the head's loss on image i rises by i / 10.
        var baseOutcomes = Outcomes(b, i => 0.5);
        var headOutcomes = Outcomes(h, i => 0.5 + i / 10.0);
        var flipped = FlippedImages.Find(b, h, Classes, baseOutcomes, headOutcomes, shown: 100)!;

        Assert.Equal(FlippedRanking.LossChange, flipped.Ranking);
        Assert.Null(flipped.RankingNote);
        Assert.Equal([8, 4, 1], flipped.NowWrong.Select(f => f.Position)); // the loss that rose most first
        Assert.Equal([2, 5, 10], flipped.NowRight.Select(f => f.Position)); // the loss that fell most (rose least) first
        Assert.Equal(156, flipped.NowWrong[0].TestIndex);
        Assert.Equal(0.8, flipped.NowWrong[0].LossChange!.Value, 9);
        Assert.Equal(0.6, flipped.NowWrong[0].HeadConfidence);
    }

    [Fact]
    public void Outcomes_that_do_not_match_predictions_are_not_used()
    {
        var (b, h) = (Predictions(BasePredicted), Predictions(HeadPredicted));
        var stale = Outcomes(h, i => 1).Select((o, i) => i == 3 ? o with { Prediction = (byte)((o.Prediction + 1) % 10) } : o).ToList();
        var flipped = FlippedImages.Find(b, h, Classes, Outcomes(b, i => 1), stale, shown: 100)!;
        Assert.Equal(FlippedRanking.TestIndex, flipped.Ranking);
        Assert.Contains("does not match its predictions.txt", flipped.RankingNote, StringComparison.Ordinal);
        Assert.Equal(3, flipped.NowWrongTotal);
    }

    [Fact]
    public void Sides_that_cannot_be_paired_have_no_flipped_list()
    {
        var other = PredictionsFile.Parse($"{ReportFiles.PredictionsHeader}\n{string.Concat(Labels.Reverse())}\n{HeadPredicted}\n", "other");
        Assert.Null(FlippedImages.Find(Predictions(BasePredicted), other, Classes, null, null, 20));
        Assert.Null(FlippedImages.Find(null, Predictions(HeadPredicted), Classes, null, null, 20));
    }

    /// <summary>One outcome per image of <paramref name="p"/>: test index 100 + 7i, confidence 0.6, the given loss.</summary>
    internal static List<TestOutcome> Outcomes(PredictionsFile p, Func<int, double> loss) =>
        [.. p.TrueLabels.Select((label, i) => new TestOutcome(100 + 7 * i, (byte)(label - '0'), (byte)(p.Predicted[i] - '0'), 0.6, 0.3, loss(i)))];
}
