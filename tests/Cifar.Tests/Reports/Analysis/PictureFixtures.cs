using Cifar.Reports;
using Cifar.Reports.Analysis;
using Cifar.Reports.Files;
using Cifar.Reports.Images;

namespace Cifar.Tests.Reports.Analysis;

/// <summary>
/// The golden fixture's picture data, generated: per-image outcomes that agree with <see cref="ReportFixtures.Evaluation"/>,
/// 32x32 images made of a class colour and stripes that differ per image (so each PNG differs), an overview of 2 images
/// per class with a flipped "augmented" copy, and a 4x4 Grad-CAM map for one image per class.
/// </summary>
internal static class PictureFixtures
{
    public static ExperimentResult Result()
    {
        var result = ReportFixtures.Result();
        var outcomes = Outcomes(result.Evaluation.Labels, result.Evaluation.Predictions);
        return result with { TestOutcomes = outcomes, Pictures = Pictures(outcomes) };
    }

    /// <summary>Test index 7i (a subset's indices are not 0..n-1); confidences spread over (0.35, 0.95].</summary>
    public static IReadOnlyList<TestOutcome> Outcomes(IReadOnlyList<byte> labels, IReadOnlyList<byte> predictions)
    {
        var outcomes = new List<TestOutcome>();
        for (var i = 0; i < labels.Count; i++)
        {
            var confidence = 0.35 + 0.6 * ((i * 37 % 100) + 1) / 100.0;
            var labelProbability = labels[i] == predictions[i] ? confidence : (1 - confidence) / 2;
            outcomes.Add(new TestOutcome(7 * i, labels[i], predictions[i], confidence, labelProbability, -Math.Log(labelProbability)));
        }
        return outcomes;
    }

    public static RgbImage Image(int seed, int colour)
    {
        var pixels = new byte[32 * 32 * 3];
        for (var y = 0; y < 32; y++)
        {
            for (var x = 0; x < 32; x++)
            {
                var i = (y * 32 + x) * 3;
                pixels[i] = (byte)(colour * 25);
                pixels[i + 1] = (byte)((x + seed) % 8 < 4 ? 200 : 60);
                pixels[i + 2] = (byte)(y * 8);
            }
        }
        return new RgbImage(32, 32, pixels);
    }

    private static RgbImage Flipped(RgbImage image)
    {
        var pixels = new byte[image.Pixels.Length];
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
                Array.Copy(image.Pixels, (y * image.Width + x) * 3, pixels, (y * image.Width + image.Width - 1 - x) * 3, 3);
        }
        return new RgbImage(image.Width, image.Height, pixels);
    }

    public static ReportPictures Pictures(IReadOnlyList<TestOutcome> outcomes)
    {
        var testImages = outcomes.ToDictionary(o => o.TestIndex, o => Image(o.TestIndex, o.Label));
        var samples = Enumerable.Range(0, 10).Select(c => (IReadOnlyList<RgbImage>)[Image(c, c), Image(c + 3, c)]).ToList();
        var overview = new DatasetOverview(
            [new("train", Enumerable.Repeat(360, 10).ToList()), new("validation", Enumerable.Repeat(40, 10).ToList()), new("test", Enumerable.Repeat(20, 10).ToList())],
            samples,
            [.. samples.Select(row => (IReadOnlyList<RgbImage>)[.. row.Select(Flipped)])],
            "mixup and cutmix are not shown (fixture).");
        // One map per class: its first image, a bright top-left corner fading out.
        var maps = Enumerable.Range(0, 10)
            .Select(c => outcomes.First(o => o.Label == c))
            .Select(o => new GradCamMap(o.TestIndex, [1f, 0.75f, 0.5f, 0.25f, 0.75f, 0.5f, 0.25f, 0f, 0.5f, 0.25f, 0f, 0f, 0.25f, 0f, 0f, 0f], 4, 4))
            .ToList();
        var gradCam = new GradCamResult("conv2d_2", 1, maps, 0.123456, 10, 0.2, 0.3125, 0.0625, 9, 1);
        return new ReportPictures(testImages, overview, gradCam, TopLosses: 3);
    }
}
