using Cifar.Running;
using Cifar.Specs;
using static Cifar.Tests.Specs.SpecTestFiles;

namespace Cifar.Tests.Specs;

/// <summary>Issue 11's report.explain and report.gallery.</summary>
public class ReportPicturesSpecTests
{
    // Line numbers below refer to this spec, which loads.
    private const string Valid =
        """
        name: t
        seed: 1
        data:
          dataset: cifar10
        model:
          type: cnn
          layers:
            - conv2d: {filters: 8, kernel_size: 3}
            - flatten: {}
            - dense: {units: 10}
        training:
          epochs: 2
          optimizer: {type: adam}
        report:
          explain: {method: gradcam, images_per_class: 6}
          gallery: {top_losses: 8}
        """;

    private static ExperimentSpec Load(string yaml) => ExperimentSpecs.Loader.Parse(yaml, "spec.yaml");

    [Fact]
    public void Both_keys_load_into_the_spec_and_default_when_absent()
    {
        var spec = Load(Valid);
        Assert.Equal(new ExplainSpec(ExplainMethod.GradCam, 6), spec.Report.Explain);
        Assert.Equal(new GallerySpec(8), spec.Report.Gallery);

        var defaults = Load(MinimalSpec);
        Assert.Equal(new ExplainSpec(ExplainMethod.GradCam, 4), defaults.Report.Explain);
        Assert.Equal(new GallerySpec(16), defaults.Report.Gallery);
        Assert.Equal(new ExplainSpec(ExplainMethod.None, 4), Load(Edited(Valid, "{method: gradcam, images_per_class: 6}", "{method: none}")).Report.Explain);
        Assert.Equal(ExplainSpec.Default, Load(Edited(Valid, "{method: gradcam, images_per_class: 6}", "{}")).Report.Explain);
    }

    public static TheoryData<string, string, string> Problems() => new()
    {
        { "method: gradcam", "method: gradcm",
            "spec.yaml:15:21: `report.explain.method` is 'gradcm'; expected one of gradcam, none. Did you mean 'gradcam'?" },
        { "images_per_class: 6", "images_per_class: 0",
            "spec.yaml:15:48: `report.explain.images_per_class` is '0'; expected an integer from 1 to 50" },
        { "images_per_class: 6", "images_per_class: 51",
            "spec.yaml:15:48: `report.explain.images_per_class` is '51'; expected an integer from 1 to 50" },
        { "images_per_class: 6", "image_per_class: 6",
            "spec.yaml:15:30: `report.explain.image_per_class` is an unknown key; expected one of method, images_per_class. Did you mean 'images_per_class'?" },
        { "top_losses: 8", "top_losses: 101",
            "spec.yaml:16:25: `report.gallery.top_losses` is '101'; expected an integer from 1 to 100" },
        { "top_losses: 8", "toplosses: 8",
            "spec.yaml:16:13: `report.gallery.toplosses` is an unknown key; expected one of top_losses. Did you mean 'top_losses'?" },
        { "  gallery:", "  galery:",
            "spec.yaml:16:3: `report.galery` is an unknown key; expected one of formats, templates, explain, gallery. Did you mean 'gallery'?" },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void A_bad_value_is_one_line_at_its_position(string from, string to, string expected) =>
        Assert.Equal([expected], SpecTestFiles.Problems(Edited(Valid, from, to)));
}
