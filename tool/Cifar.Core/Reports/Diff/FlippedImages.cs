using Cifar.Reports.Files;

namespace Cifar.Reports.Diff;

/// <summary>How a list of flipped images is ordered.</summary>
public enum FlippedRanking
{
    /// <summary>Largest change in the image's cross-entropy loss first (both sides have test-outcomes.csv).</summary>
    LossChange,
    /// <summary>By position in the test set: a side has no per-image losses, so there is nothing better to rank by.</summary>
    TestIndex,
}

/// <summary>A test image that one side got right and the other wrong.</summary>
/// <param name="Position">The image's position in predictions.txt (evaluation order).</param>
/// <param name="TestIndex">Its index in the CIFAR-10 test set, or null when no file says which image it is (a subset
/// run without test-outcomes.csv).</param>
/// <param name="BaseConfidence">Softmax probability of the base's prediction; null without the base's test-outcomes.csv.</param>
/// <param name="BaseLoss">The base's cross-entropy on the image; null without its test-outcomes.csv.</param>
public sealed record FlippedImage(
    int Position,
    int? TestIndex,
    string TrueClass,
    string BasePrediction,
    string HeadPrediction,
    double? BaseConfidence,
    double? HeadConfidence,
    double? BaseLoss,
    double? HeadLoss)
{
    /// <summary>Head loss minus base loss, rounded to 1e-9; null unless both sides have it.</summary>
    public double? LossChange => BaseLoss is { } b && HeadLoss is { } h ? Math.Round(h - b, 9) : null;

    /// <summary>The file-name stem of the image's pictures in a report folder, <c>test-00042</c>.</summary>
    public string? PictureStem => TestIndex is { } i ? $"test-{i:D5}" : null;
}

/// <summary>
/// The two off-diagonal cells of the McNemar table as lists of images: <see cref="NowWrong"/> (the base was right,
/// the head is wrong) and <see cref="NowRight"/> (the reverse), each cut to the first <c>--flipped</c> images of its
/// ranking. The totals are the cells' counts, so they always equal McNemar's b and c.
/// </summary>
/// <param name="NowWrongTotal">b: images only the base got right.</param>
/// <param name="NowRightTotal">c: images only the head got right.</param>
/// <param name="RankingNote">Why the ranking is by test index; null when it is by loss change.</param>
public sealed record FlippedImages(
    int NowWrongTotal,
    int NowRightTotal,
    IReadOnlyList<FlippedImage> NowWrong,
    IReadOnlyList<FlippedImage> NowRight,
    FlippedRanking Ranking,
    string? RankingNote)
{
    /// <summary>How many flipped images a diff lists per direction unless <c>--flipped</c> says otherwise.</summary>
    public const int DefaultShown = 20;

    /// <summary>
    /// Pairs two predictions files image by image and lists those whose correctness changed. Per-image outcomes
    /// (test-outcomes.csv rows in evaluation order) add confidences, losses and test indices; a side's outcomes are
    /// used only when they describe the same images and predictions as its predictions.txt.
    /// </summary>
    /// <param name="testSetSize">Images in the full test set: when predictions.txt has that many, position i is test
    /// image i even without test-outcomes.csv.</param>
    /// <returns>null when the sides cannot be paired (the same rule as McNemar's test).</returns>
    public static FlippedImages? Find(
        PredictionsFile? basePredictions, PredictionsFile? headPredictions, IReadOnlyList<string> classes,
        IReadOnlyList<TestOutcome>? baseOutcomes, IReadOnlyList<TestOutcome>? headOutcomes, int shown,
        int testSetSize = 10_000)
    {
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentOutOfRangeException.ThrowIfNegative(shown);
        if (basePredictions is null || headPredictions is null || basePredictions.TrueLabels != headPredictions.TrueLabels)
        {
            return null;
        }
        var b = Matching(basePredictions, baseOutcomes);
        var h = Matching(headPredictions, headOutcomes);
        // Both sides' outcomes must name the same test image at each position, or the pairing itself is in doubt.
        if (b is not null && h is not null && b.Where((o, i) => o.TestIndex != h[i].TestIndex).Any())
        {
            (b, h) = (null, null);
        }
        var indices = b ?? h;
        var fullTestSet = basePredictions.TrueLabels.Length == testSetSize;
        string ClassName(char digit) => digit - '0' is var c && c < classes.Count ? classes[c] : digit.ToString();

        var nowWrong = new List<FlippedImage>();
        var nowRight = new List<FlippedImage>();
        var labels = basePredictions.TrueLabels;
        for (var i = 0; i < labels.Length; i++)
        {
            var baseRight = basePredictions.Predicted[i] == labels[i];
            var headRight = headPredictions.Predicted[i] == labels[i];
            if (baseRight == headRight) continue;
            var image = new FlippedImage(
                i,
                indices?[i].TestIndex ?? (fullTestSet ? i : null),
                ClassName(labels[i]),
                ClassName(basePredictions.Predicted[i]),
                ClassName(headPredictions.Predicted[i]),
                b?[i].Confidence, h?[i].Confidence, b?[i].Loss, h?[i].Loss);
            (baseRight ? nowWrong : nowRight).Add(image);
        }

        var byLoss = b is not null && h is not null;
        // Now-wrong images: the loss that rose most first; now-right ones: the loss that fell most first. Ties (and
        // the ranking without losses) in test-set order, so the list never reshuffles.
        IReadOnlyList<FlippedImage> Top(List<FlippedImage> images, int sign) => byLoss
            ? [.. images.OrderByDescending(f => sign * f.LossChange!.Value).ThenBy(f => f.Position).Take(shown)]
            : [.. images.Take(shown)];
        string? note = byLoss ? null : (baseOutcomes, headOutcomes) switch
        {
            (null, null) => "neither side has test-outcomes.csv, so the images are listed by test index, without confidences or losses",
            (null, _) => "the base has no test-outcomes.csv, so the images are listed by test index",
            (_, null) => "the head has no test-outcomes.csv, so the images are listed by test index",
            _ => "a side's test-outcomes.csv does not match its predictions.txt, so the images are listed by test index",
        };
        return new FlippedImages(nowWrong.Count, nowRight.Count, Top(nowWrong, +1), Top(nowRight, -1),
            byLoss ? FlippedRanking.LossChange : FlippedRanking.TestIndex, note);
    }

    /// <summary>The outcomes when they are one per image of <paramref name="predictions"/> with its label and
    /// prediction; null otherwise (a file from another run, or none).</summary>
    private static IReadOnlyList<TestOutcome>? Matching(PredictionsFile predictions, IReadOnlyList<TestOutcome>? outcomes)
    {
        if (outcomes is null || outcomes.Count != predictions.TrueLabels.Length) return null;
        for (var i = 0; i < outcomes.Count; i++)
        {
            if (outcomes[i].Label != predictions.TrueLabels[i] - '0' || outcomes[i].Prediction != predictions.Predicted[i] - '0')
            {
                return null;
            }
        }
        return outcomes;
    }
}
