using System.Globalization;
using Cifar.Reports.Charts;
using Cifar.Reports.Files;
using Cifar.Reports.Formatting;
using Cifar.Reports.Images;

namespace Cifar.Reports.Analysis;

/// <summary>A PNG of the report folder: its path there (forward slashes; the Markdown links it) and its <c>data:</c>
/// URI (the HTML embeds it, so the page is one self-contained file).</summary>
public sealed record Picture(string File, string DataUri);

/// <summary>A test image shown with how the model did on it.</summary>
public sealed record ShownImage(TestOutcome Outcome, Picture Picture);

public sealed record ConfusedPairImages(ConfusedPair Pair, IReadOnlyList<ShownImage> Examples);

public sealed record ClassConfidenceImages(byte Class, IReadOnlyList<ShownImage> MostConfident, IReadOnlyList<ShownImage> LeastConfident);

/// <summary>A test image and its Grad-CAM map drawn over it.</summary>
public sealed record ExplainedImage(TestOutcome Outcome, Picture Image, Picture Map);

/// <summary>The picture sections of a report, resolved to files: what the templates show and the PNGs behind it.</summary>
/// <param name="Samples">Per class, one PNG of its sample images side by side (null for a class without any);
/// <paramref name="Augmented"/> likewise.</param>
/// <param name="Files">Every PNG and the reliability diagram, by path in the report folder.</param>
public sealed record PictureReport(
    DatasetOverview Overview,
    IReadOnlyList<Picture?> Samples,
    IReadOnlyList<Picture?>? Augmented,
    IReadOnlyList<ConfusedPairImages> Confused,
    IReadOnlyList<ShownImage> TopLosses,
    IReadOnlyList<ClassConfidenceImages> Confidence,
    CalibrationResult Calibration,
    string ReliabilitySvg,
    GradCamResult? GradCam,
    IReadOnlyList<ExplainedImage> Explained,
    IReadOnlyList<(string Name, byte[] Bytes)> Files);

/// <summary>
/// Turns the plain pictures of a run and its test outcomes into the report's picture sections and their files. 32x32
/// images are enlarged with nearest-neighbour scaling so pixels stay crisp; labels are text in the report, never pixels.
/// </summary>
public static class PictureSections
{
    /// <summary>Test images are shown 4x (128x128 pixels), overview tiles 3x (96x96).</summary>
    public const int TestScale = 4;

    public const int OverviewScale = 3;

    /// <summary>Confused pairs listed, and example images per pair.</summary>
    public const int ConfusedPairs = 5;

    public const int ExamplesPerPair = 4;

    /// <summary>Most and least confident correct images per class.</summary>
    public const int ConfidenceImages = 3;

    /// <summary>The folder of test images, <c>test-NNNNN.png</c> by test-set index.</summary>
    public const string TestFolder = "images/test";

    /// <summary>The folder of Grad-CAM maps over test images, named as in <see cref="TestFolder"/>.</summary>
    public const string GradCamFolder = "images/gradcam";

    public const string OverviewFolder = "images/overview";

    /// <summary>The file name of test image <paramref name="testIndex"/> (5 digits, so names sort by index).</summary>
    public static string TestImageName(int testIndex) => "test-" + testIndex.ToString("D5", CultureInfo.InvariantCulture) + ".png";

    public static PictureReport Build(ReportPictures pictures, IReadOnlyList<TestOutcome> outcomes, int classCount)
    {
        ArgumentNullException.ThrowIfNull(pictures);
        ArgumentNullException.ThrowIfNull(outcomes);
        var files = new List<(string Name, byte[] Bytes)>();
        var shown = new Dictionary<string, Picture>(StringComparer.Ordinal);

        Picture Add(string file, RgbImage image)
        {
            if (shown.TryGetValue(file, out var existing)) return existing;
            var png = PngImages.Encode(image);
            files.Add((file, png));
            return shown[file] = new Picture(file, PngImages.DataUri(png));
        }

        ShownImage Show(TestOutcome outcome) => new(outcome,
            Add(TestFolder + "/" + TestImageName(outcome.TestIndex), ImageLayout.Enlarge(pictures.TestImages[outcome.TestIndex], TestScale)));

        var overview = pictures.Overview;
        // A class without training images (a small subset) has no strip.
        Picture? Row(IReadOnlyList<RgbImage> images, string name) => images.Count == 0
            ? null
            : Add(OverviewFolder + "/" + name, ImageLayout.Grid([.. images.Select(i => ImageLayout.Enlarge(i, OverviewScale))], images.Count));
        var samples = overview.Samples.Select((images, c) => Row(images, Invariant($"class-{c}.png"))).ToList();
        var augmented = overview.Augmented?.Select((images, c) => Row(images, Invariant($"class-{c}-augmented.png"))).ToList();

        var confused = ErrorAnalysis.MostConfused(outcomes, ConfusedPairs, ExamplesPerPair)
            .Select(p => new ConfusedPairImages(p, [.. p.Examples.Select(Show)])).ToList();
        var topLosses = ErrorAnalysis.TopLosses(outcomes, pictures.TopLosses).Select(Show).ToList();
        var confidence = ErrorAnalysis.ConfidenceExtremes(outcomes, classCount, ConfidenceImages)
            .Select(c => new ClassConfidenceImages(c.Class, [.. c.MostConfident.Select(Show)], [.. c.LeastConfident.Select(Show)])).ToList();

        var calibration = Calibration.Measure(outcomes);
        var reliability = ReliabilityDiagram.Svg(calibration.Bins,
            $"Reliability diagram ({Calibration.Bins} bins), expected calibration error {Fixed(calibration.ExpectedCalibrationError * 100, 2)}%");
        files.Add((ReportFiles.ReliabilityChart, ReportWriterText.Utf8(reliability)));

        var explained = new List<ExplainedImage>();
        if (pictures.GradCam is { } gradCam)
        {
            var byIndex = outcomes.ToDictionary(o => o.TestIndex);
            foreach (var map in gradCam.Maps)
            {
                var outcome = byIndex[map.TestIndex];
                var image = Show(outcome);
                var large = ImageLayout.Enlarge(pictures.TestImages[map.TestIndex], TestScale);
                var overlay = Add(GradCamFolder + "/" + TestImageName(map.TestIndex), Heatmap.Overlay(large, map.Values, map.Width, map.Height));
                explained.Add(new ExplainedImage(outcome, image.Picture, overlay));
            }
        }

        // Files in path order, so the manifest lists them the same way whatever the sections' order.
        files.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return new PictureReport(overview, samples, augmented, confused, topLosses, confidence, calibration, reliability,
            pictures.GradCam, explained, files);
    }

    private static string Fixed(double value, int decimals) => ReportNumbers.Fixed(value, decimals) ?? "n/a";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

/// <summary>UTF-8 without a byte-order mark, as every text file of a report folder.</summary>
internal static class ReportWriterText
{
    public static byte[] Utf8(string text) => new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
}
