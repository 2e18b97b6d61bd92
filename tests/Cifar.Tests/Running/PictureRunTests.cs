using Cifar.Data;
using Cifar.Reports.Files;
using Cifar.Running;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Running;

/// <summary>Issue 11 end to end: a tiny run's report folder has its per-image outcomes, PNGs and picture sections, and
/// a second run of the same spec writes the same bytes.</summary>
[Collection("libtorch")]
public sealed class PictureRunTests : IDisposable
{
    private readonly TempFolder _temp = new("picture-run-test");
    private readonly GeneratedCifarArchive _archive = new CifarArchiveBuilder(recordsPerBatch: 40).Learnable().Build();

    public void Dispose() => _temp.Dispose();

    private string WriteSpec(string explain = "{method: gradcam, images_per_class: 2}")
    {
        string archivePath = _archive.WriteTo(_temp.Combine("cifar-10-binary.tar.gz"));
        string yaml = $$"""
            name: pictures
            seed: 11
            data:
              dataset: cifar10
              normalization: standardize
              validation_split: 0.2
              batch_size: 16
              url: {{archivePath}}
              augmentation:
                - random_crop: {padding: 4}
                - horizontal_flip: {}
            model:
              type: cnn
              layers:
                - conv2d: {filters: 4, kernel_size: 3, padding: same, activation: relu}
                - max_pooling2d: {pool_size: 2}
                - flatten: {}
                - dense: {units: 10}
            training:
              epochs: 2
              optimizer: {type: adam, learning_rate: 0.01}
            report:
              explain: {{explain}}
              gallery: {top_losses: 5}
            """;
        string path = _temp.Combine("pictures.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private RunOutcome Run(string specPath, string output) =>
        new ExperimentRunner(new RunOptions(output, CacheDir: _temp.Combine("cache"), Threads: 1), SilentRunObserver.Instance,
                new Cifar10Download(_archive.Md5s, _archive.RecordsPerBatch))
            .Run(ExperimentSpecs.Loader.Load(specPath));

    private static Dictionary<string, byte[]> Images(string folder) =>
        Directory.GetFiles(Path.Combine(folder, "images"), "*.png", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(folder, f).Replace('\\', '/'), File.ReadAllBytes);

    [TorchFact]
    public void A_run_writes_outcomes_pictures_and_grad_cam_maps_and_a_rerun_the_same_bytes()
    {
        string spec = WriteSpec();
        var first = Run(spec, _temp.Combine("first"));
        var second = Run(spec, _temp.Combine("second"));

        var outcomes = TestOutcomesFile.Parse(File.ReadAllText(Path.Combine(first.Folder, ReportFiles.TestOutcomes)), "test-outcomes.csv");
        var predictions = PredictionsFile.Parse(File.ReadAllText(Path.Combine(first.Folder, ReportFiles.Predictions)), "predictions.txt");
        Assert.Equal(predictions.TrueLabels.Length, outcomes.Count);
        Assert.Equal(predictions.TrueLabels, string.Concat(outcomes.Select(o => o.Label)));
        Assert.Equal(predictions.Predicted, string.Concat(outcomes.Select(o => o.Prediction)));
        Assert.All(outcomes, o => Assert.True(o.Confidence >= o.LabelProbability - 1e-6, "the prediction is the most probable class"));

        var images = Images(first.Folder);
        Assert.Contains(images.Keys, k => k.StartsWith("images/overview/class-0-augmented", StringComparison.Ordinal));
        var maps = images.Keys.Where(k => k.StartsWith("images/gradcam/test-", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(maps);
        // Every map sits beside the plain image of the same test index.
        Assert.All(maps, m => Assert.Contains(m.Replace("gradcam", "test", StringComparison.Ordinal), images.Keys));
        Assert.Equal(images, Images(second.Folder));
        Assert.Equal(File.ReadAllBytes(Path.Combine(first.Folder, ReportFiles.TestOutcomes)), File.ReadAllBytes(Path.Combine(second.Folder, ReportFiles.TestOutcomes)));
        Assert.Equal(File.ReadAllBytes(Path.Combine(first.Folder, ReportFiles.ReliabilityChart)), File.ReadAllBytes(Path.Combine(second.Folder, ReportFiles.ReliabilityChart)));

        var manifest = File.ReadAllText(Path.Combine(first.Folder, ReportFiles.Manifest));
        Assert.All(images.Keys, k => Assert.Contains(k, manifest, StringComparison.Ordinal));
        var html = File.ReadAllText(Path.Combine(first.Folder, ReportFiles.HtmlReport));
        Assert.Contains("<h2>Grad-CAM</h2>", html, StringComparison.Ordinal);
        Assert.Contains("src=\"data:image/png;base64,", html, StringComparison.Ordinal);
        Assert.DoesNotContain("src=\"images/", html, StringComparison.Ordinal);
        var markdown = File.ReadAllText(Path.Combine(first.Folder, ReportFiles.MarkdownReport));
        Assert.Contains("](images/gradcam/test-", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("data:image", markdown, StringComparison.Ordinal);
    }

    [TorchFact]
    public void Method_none_leaves_the_grad_cam_section_and_files_out()
    {
        var outcome = Run(WriteSpec("{method: none}"), _temp.Combine("none"));
        Assert.DoesNotContain(Images(outcome.Folder).Keys, k => k.StartsWith("images/gradcam/", StringComparison.Ordinal));
        Assert.DoesNotContain("Grad-CAM", File.ReadAllText(Path.Combine(outcome.Folder, ReportFiles.MarkdownReport)), StringComparison.Ordinal);
        Assert.Contains("## Error analysis", File.ReadAllText(Path.Combine(outcome.Folder, ReportFiles.MarkdownReport)), StringComparison.Ordinal);
    }
}
