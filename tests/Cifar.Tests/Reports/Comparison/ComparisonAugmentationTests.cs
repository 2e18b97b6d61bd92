using Cifar.Reports.Comparison;
using Cifar.Reports.Files;

namespace Cifar.Tests.Reports.Comparison;

/// <summary>The comparison's overfitting section with and without augmentation (issue 10, point 4).</summary>
public sealed class ComparisonAugmentationTests : IDisposable
{
    private readonly FakeReports.TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly FakeExperiment Cnn = new("cnn", "cnn", Skill: 0.62, Seed: 1, Epochs: 8, StoppedEpoch: 7, Spec: FakeReports.CnnSpec());

    /// <summary>The same CNN with crop and flip: better on validation, and its training accuracy (measured on augmented
    /// images) hardly above it.</summary>
    private static readonly FakeExperiment Augmented = new("cnn-augmented", "cnn", Skill: 0.66, Seed: 3, Epochs: 8,
        Spec: FakeReports.CnnSpec(augmentation: FakeReports.CropAndFlip), TrainAccuracyLead: 0.01, TrainLossOffset: 0.3);

    private static readonly FakeExperiment Transfer = new("transfer", "transfer", Skill: 0.80, Seed: 2, Epochs: 4,
        Trainable: 5_130, Total: 11_181_642, CatDogBias: 0.2, TrainingSeconds: 3725);

    private IReadOnlyList<string> Write(params FakeExperiment[] experiments) =>
        [.. experiments.Select(e => FakeReports.Write(_temp.Path, e))];

    [Fact]
    public void Markdown_with_and_without_augmentation_matches_the_golden_file()
    {
        var files = ComparisonReport.Write(_temp.Path, Write(Cnn, Augmented, Transfer));
        GoldenFile.AssertMatches(File.ReadAllText(files.Markdown), "Comparison/golden/comparison-augmentation.md");
    }

    [Fact]
    public void Html_with_and_without_augmentation_matches_the_golden_file()
    {
        var files = ComparisonReport.Write(_temp.Path, Write(Cnn, Augmented, Transfer));
        GoldenFile.AssertMatches(File.ReadAllText(files.Html), "Comparison/golden/comparison-augmentation.html");
    }

    [Fact]
    public void The_same_model_with_augmentation_reads_as_how_far_it_shrank_the_gap()
    {
        var folders = Write(Cnn, Augmented, Transfer);
        var result = ComparisonReport.Compare(folders);

        Assert.True(result.ComparesAugmentation);
        Assert.Equal(["", "random_crop, horizontal_flip", ""], result.Experiments.Select(e => string.Join(", ", e.Augmentation!)));
        var effect = Assert.Single(result.AugmentationEffects);
        Assert.Equal(("cnn", "cnn-augmented"), (effect.Without.Name, effect.With.Name));
        Assert.Empty(effect.OtherDifferences);
        // The gap is the one each run's own metrics.json states (one rule: OverfittingAnalysis).
        var gaps = folders.Take(2).Select(f => ReportFileJson.ReadMetrics(File.ReadAllText(Path.Combine(f, ReportFiles.Metrics)), f).Overfitting.AccuracyGap).ToList();
        Assert.Equal(gaps[0], effect.Without.Overfitting!.AccuracyGap, 6);
        Assert.Equal(gaps[1], effect.With.Overfitting!.AccuracyGap, 6);
        Assert.True(gaps[1] < gaps[0]);
        Assert.StartsWith(
            $"Augmentation (random_crop, horizontal_flip) shrank the train-validation accuracy gap at the best epoch from {Points(gaps[0])} (cnn) to {Points(gaps[1])} (cnn-augmented), and the loss gap (validation minus training loss) from ",
            effect.Sentence, StringComparison.Ordinal);
        var markdown = ComparisonReport.RenderMarkdown(result, _temp.Path);
        Assert.Contains("## Overfitting and augmentation", markdown, StringComparison.Ordinal);
        Assert.Contains("| cnn-augmented | random\\_crop, horizontal\\_flip | 8 |", markdown, StringComparison.Ordinal);
        Assert.Contains("| transfer | none |", markdown, StringComparison.Ordinal);
        Assert.Contains("measured on the augmented training images", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_runs_of_both_kinds_there_is_no_augmentation_section()
    {
        var result = ComparisonReport.Compare(Write(Cnn, Transfer));

        Assert.False(result.ComparesAugmentation);
        Assert.Empty(result.AugmentationEffects);
        Assert.DoesNotContain("augmentation", ComparisonReport.RenderMarkdown(result, _temp.Path), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Another_model_with_augmentation_is_not_credited_to_augmentation_and_other_differences_are_named()
    {
        var wider = Augmented with { Name = "wider-augmented", Spec = FakeReports.CnnSpec(augmentation: FakeReports.CropAndFlip).Replace("filters: 32", "filters: 64", StringComparison.Ordinal) };
        var longer = Augmented with { Name = "longer-augmented", Spec = FakeReports.CnnSpec(epochs: 12, learningRate: "0.002", augmentation: FakeReports.CropAndFlip) };

        var result = ComparisonReport.Compare(Write(Cnn, wider, longer));

        Assert.True(result.ComparesAugmentation);
        var effect = Assert.Single(result.AugmentationEffects);
        Assert.Equal("longer-augmented", effect.With.Name);
        Assert.Equal(["training.epochs", "training.optimizer.learning_rate"], effect.OtherDifferences);
        Assert.EndsWith(" The two specs also differ in training.epochs, training.optimizer.learning_rate, which may account for part of it.",
            effect.Sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_its_spec_counts_as_unknown_not_as_unaugmented()
    {
        var folders = Write(Cnn, Augmented);
        File.Delete(Path.Combine(folders[0], ReportFiles.Spec));

        var result = ComparisonReport.Compare(folders);

        Assert.Null(result.Experiments[0].Augmentation);
        Assert.False(result.ComparesAugmentation);
    }

    private static string Points(double gap) => Cifar.Reports.Formatting.ReportNumbers.PointsChange(gap);
}
