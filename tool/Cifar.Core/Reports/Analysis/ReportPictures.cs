using Cifar.Reports.Images;

namespace Cifar.Reports.Analysis;

/// <summary>Images per class of one split.</summary>
/// <param name="Split">train, validation or test.</param>
/// <param name="Counts">Per class index.</param>
public sealed record SplitClassCounts(string Split, IReadOnlyList<int> Counts);

/// <summary>The dataset overview: how many images of each class each split has, and what some of them look like.</summary>
/// <param name="Samples">Per class (index order), the same seeded choice of training images as stored.</param>
/// <param name="Augmented">The same images as the augmentation changed them in epoch 1; null without augmentation.</param>
/// <param name="AugmentationNote">What the augmented grid leaves out (e.g. mixing steps); null when it shows everything.</param>
public sealed record DatasetOverview(
    IReadOnlyList<SplitClassCounts> Counts,
    IReadOnlyList<IReadOnlyList<RgbImage>> Samples,
    IReadOnlyList<IReadOnlyList<RgbImage>>? Augmented,
    string? AugmentationNote = null);

/// <summary>A Grad-CAM map of one test image for its predicted class (values 0..1, row-major, at the layer's resolution).</summary>
public sealed record GradCamMap(int TestIndex, float[] Values, int Width, int Height);

/// <summary>Grad-CAM maps of the chosen test images and the numbers of the two sanity checks.</summary>
/// <param name="Layer">The explained layer's name.</param>
/// <param name="ImagesPerClass">What <c>report.explain.images_per_class</c> asked for.</param>
/// <param name="RandomizationSpearman">Mean Spearman rank correlation of the maps with a randomly initialised copy's (NaN: none counted).</param>
/// <param name="RandomizationImages">How many images that mean is over.</param>
/// <param name="DeletedFraction">Share of pixels the deletion check masks.</param>
/// <param name="HighlightedDrop">Mean drop of the predicted class's probability, the top-ranked pixels masked.</param>
/// <param name="RandomDrop">The same, the top-ranked pixels of a seeded random map of the same resolution masked.</param>
/// <param name="DeletionWins">Images whose probability dropped more with their map's pixels masked than the random map's.</param>
/// <param name="DeletionLosses">Images where it dropped less.</param>
public sealed record GradCamResult(
    string Layer,
    int ImagesPerClass,
    IReadOnlyList<GradCamMap> Maps,
    double RandomizationSpearman,
    int RandomizationImages,
    double DeletedFraction,
    double HighlightedDrop,
    double RandomDrop,
    int DeletionWins,
    int DeletionLosses);

/// <summary>
/// Everything the report's picture sections need, as plain data (pixels, not tensors): the test images by test-set
/// index, the dataset overview, the Grad-CAM maps (null when <c>report.explain.method</c> is none) and the gallery size.
/// </summary>
public sealed record ReportPictures(
    IReadOnlyDictionary<int, RgbImage> TestImages,
    DatasetOverview Overview,
    GradCamResult? GradCam,
    int TopLosses);
