using System.Globalization;
using Cifar.Reports.Analysis;
using Cifar.Reports.Files;
using Cifar.Reports.Formatting;
using Cifar.Reports.Statistics;
using Scriban.Runtime;

namespace Cifar.Reports;

/// <summary>
/// The <c>pictures</c> object of the report templates (templates/README.md): the dataset overview, the error analysis,
/// calibration and Grad-CAM, each image as its file (Markdown) and its data URI (HTML), labels as text.
/// </summary>
internal static class PicturesModel
{
    public static StrictScriptObject? Build(PictureReport? report, IReadOnlyList<string> classes)
    {
        if (report is null) return null;
        string Name(int c) => c < classes.Count ? classes[c] : ReportNumbers.WholeNumber(c);

        var countRows = new ScriptArray();
        foreach (var split in report.Overview.Counts)
        {
            countRows.Add(Obj(
                ("split", split.Split),
                ("counts", new ScriptArray(split.Counts.Select(n => (object)ReportNumbers.Count(n)))),
                ("total", ReportNumbers.Count(split.Counts.Sum()))));
        }
        var sampleRows = new ScriptArray();
        for (var c = 0; c < report.Samples.Count; c++)
        {
            if (report.Samples[c] is not { } sample) continue;
            sampleRows.Add(Obj(
                ("class", Name(c)),
                ("image", Image(sample)),
                ("augmented", report.Augmented?[c] is { } augmented ? Image(augmented) : null)));
        }

        StrictScriptObject Shown(ShownImage shown) => Obj(
            ("index", ReportNumbers.WholeNumber(shown.Outcome.TestIndex)),
            ("actual", Name(shown.Outcome.Label)),
            ("predicted", Name(shown.Outcome.Prediction)),
            ("correct", shown.Outcome.Correct),
            ("confidence", ReportNumbers.Percent(shown.Outcome.Confidence)),
            ("label_probability", ReportNumbers.Percent(shown.Outcome.LabelProbability)),
            ("loss", ReportNumbers.Loss(shown.Outcome.Loss)),
            ("image", Image(shown.Picture)));
        ScriptArray List(IEnumerable<ShownImage> images) => new(images.Select(i => (object)Shown(i)));

        var confused = new ScriptArray(report.Confused.Select(p => (object)Obj(
            ("actual", Name(p.Pair.True)),
            ("predicted", Name(p.Pair.Predicted)),
            ("count", ReportNumbers.WholeNumber(p.Pair.Count)),
            ("examples", List(p.Examples)))));
        var confidence = new ScriptArray(report.Confidence.Select(c => (object)Obj(
            ("class", Name(c.Class)),
            ("most", List(c.MostConfident)),
            ("least", List(c.LeastConfident)))));

        var bins = new ScriptArray(report.Calibration.Bins.Select(b => (object)Obj(
            ("range", $"{ReportNumbers.Fixed(b.Low, 2)}–{ReportNumbers.Fixed(b.High, 2)}"),
            ("count", ReportNumbers.WholeNumber(b.Count)),
            ("confidence", b.Count > 0 ? ReportNumbers.Percent(b.Confidence) : ReportNumbers.Dash),
            ("accuracy", b.Count > 0 ? ReportNumbers.Percent(b.Accuracy) : ReportNumbers.Dash))));

        return Obj(
            ("classes", new ScriptArray(classes)),
            ("test_outcomes_file", ReportFiles.TestOutcomes),
            ("counts", countRows),
            ("samples_per_class", ReportNumbers.WholeNumber(report.Overview.Samples.Count > 0 ? report.Overview.Samples[0].Count : 0)),
            ("samples", sampleRows),
            ("has_augmented", report.Augmented is not null),
            ("augmentation_note", report.Overview.AugmentationNote),
            ("confused", confused),
            ("top_losses", List(report.TopLosses)),
            ("confidence", confidence),
            ("calibration", Obj(
                ("ece", ReportNumbers.Percent(report.Calibration.ExpectedCalibrationError)),
                ("bins", ReportNumbers.WholeNumber(Calibration.Bins)),
                ("rows", bins),
                ("file", ReportFiles.ReliabilityChart),
                ("svg", report.ReliabilitySvg))),
            ("gradcam", GradCam(report, Name)));
    }

    private static StrictScriptObject? GradCam(PictureReport report, Func<int, string> name)
    {
        if (report.GradCam is not { } gradCam) return null;
        var items = new ScriptArray(report.Explained.Select(e => (object)Obj(
            ("index", ReportNumbers.WholeNumber(e.Outcome.TestIndex)),
            ("actual", name(e.Outcome.Label)),
            ("predicted", name(e.Outcome.Prediction)),
            ("correct", e.Outcome.Correct),
            ("confidence", ReportNumbers.Percent(e.Outcome.Confidence)),
            ("image", Image(e.Image)),
            ("map", Image(e.Map)))));
        return Obj(
            ("layer", gradCam.Layer),
            ("images_per_class", ReportNumbers.WholeNumber(gradCam.ImagesPerClass)),
            ("items", items),
            ("spearman", ReportNumbers.Fixed(gradCam.RandomizationSpearman, 3) ?? "n/a"),
            ("spearman_images", ReportNumbers.WholeNumber(gradCam.RandomizationImages)),
            ("deleted_percent", ReportNumbers.Fixed(gradCam.DeletedFraction * 100, 0)),
            ("highlighted_drop", ReportNumbers.Fixed(gradCam.HighlightedDrop * 100, 1) ?? "n/a"),
            ("random_drop", ReportNumbers.Fixed(gradCam.RandomDrop * 100, 1) ?? "n/a"),
            ("map_size", gradCam.Maps.Count == 0 ? "n/a" : $"{ReportNumbers.WholeNumber(gradCam.Maps[0].Width)}x{ReportNumbers.WholeNumber(gradCam.Maps[0].Height)}"),
            ("deletion_verdict", DeletionVerdict(gradCam)));
    }

    // The reader should not have to compare two means to learn whether the maps passed, nor take a difference that
    // chance explains for a pass: the exact sign test over the images (McNemar's exact test is that binomial test).
    internal static string DeletionVerdict(GradCamResult gradCam)
    {
        var (wins, losses) = (gradCam.DeletionWins, gradCam.DeletionLosses);
        if (wins + losses == 0) return "skipped: no images to compare";
        var p = McNemar.ExactPValue(wins, losses);
        var counts = string.Create(CultureInfo.InvariantCulture,
            $"masking the map's pixels hurt more on {wins} images, masking the random map's on {losses}; sign test {ReportNumbers.PValue(p)}");
        return p >= McNemar.Alpha
            ? $"inconclusive: {counts}, within chance, so these maps are no better than a random region of the same size here"
            : wins > losses
                ? $"passed: {counts}; what the maps highlight matters more to the model than a random region of the same size"
                : $"failed: {counts}; what the maps highlight matters less to the model than a random region, so read them with doubt";
    }

    private static StrictScriptObject Image(Picture picture) => Obj(("file", picture.File), ("uri", picture.DataUri));

    private static StrictScriptObject Obj(params (string Key, object? Value)[] members)
    {
        var obj = new StrictScriptObject();
        foreach (var (key, value) in members) obj[key] = value;
        return obj;
    }
}
