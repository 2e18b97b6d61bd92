using Cifar.Explain;

namespace Cifar.Tests.Explain;

public class ExplainSelectionTests
{
    [Fact]
    public void Each_class_gets_correct_images_first_then_wrong_ones_the_same_every_time()
    {
        // 3 classes, 12 images: class 0 all correct, class 1 half wrong, class 2 all wrong.
        byte[] labels = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2];
        byte[] predictions = [0, 0, 0, 0, 1, 0, 1, 2, 0, 1, 0, 1];
        var rows = ExplainSelection.Rows(labels, predictions, 3, perClass: 2, seed: 4);

        Assert.Equal(rows, ExplainSelection.Rows(labels, predictions, 3, perClass: 2, seed: 4));
        Assert.Equal(6, rows.Count);
        Assert.All(rows.Take(2), r => Assert.Equal(0, labels[r])); // class 0: two correct (no wrong one to take)
        Assert.Equal(labels[rows[2]], predictions[rows[2]]); // class 1: one correct
        Assert.NotEqual(labels[rows[3]], predictions[rows[3]]); // then one wrong
        Assert.All(rows.Skip(4), r => Assert.Equal(2, labels[r])); // class 2: two wrong (no correct one)
        Assert.Equal(rows.Count, rows.Distinct().Count());
    }

    [Fact]
    public void Another_seed_picks_other_images()
    {
        var labels = Enumerable.Range(0, 200).Select(i => (byte)(i % 2)).ToArray();
        var picks = Enumerable.Range(0, 5).Select(seed => string.Join(',', ExplainSelection.Rows(labels, labels, 2, 3, seed))).Distinct();
        Assert.True(picks.Count() > 1);
    }
}
