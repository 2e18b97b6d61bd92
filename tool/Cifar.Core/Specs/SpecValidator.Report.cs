using static Cifar.Specs.SpecVocabulary;

namespace Cifar.Specs;

// Issue 11's pictures in the report (report.explain, report.gallery), kept apart from the rest of the validator.
internal sealed partial class SpecValidator
{
    /// <summary>Most maps per class: 50 per class is 500 Grad-CAM maps, already a long page.</summary>
    internal const int MaxExplainedImagesPerClass = 50;

    /// <summary>Most top-loss images: 100 is a long gallery already.</summary>
    internal const int MaxTopLosses = 100;

    /// <summary><c>report.explain</c>; <see cref="ExplainSpec.Default"/> when absent, each key defaulting on its own.</summary>
    private ExplainSpec ReadExplain(SpecMapping report)
    {
        const string P = "report.explain";
        if (Section(report, "report", "explain", required: false) is not { } map) return ExplainSpec.Default;
        CheckKeys(map, P, ExplainKeys, ExplainKeys);
        var method = Choose(map["method"], P + ".method", ExplainMethods) ?? ExplainSpec.Default.Method;
        var perClass = Int(map["images_per_class"], P + ".images_per_class", 1, MaxExplainedImagesPerClass) ?? ExplainSpec.Default.ImagesPerClass;
        return new ExplainSpec(method, perClass);
    }

    /// <summary><c>report.gallery</c>; <see cref="GallerySpec.Default"/> when absent.</summary>
    private GallerySpec ReadGallery(SpecMapping report)
    {
        const string P = "report.gallery";
        if (Section(report, "report", "gallery", required: false) is not { } map) return GallerySpec.Default;
        CheckKeys(map, P, GalleryKeys, GalleryKeys);
        return new GallerySpec(Int(map["top_losses"], P + ".top_losses", 1, MaxTopLosses) ?? GallerySpec.Default.TopLosses);
    }
}
