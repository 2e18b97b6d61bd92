using Cifar.Reports;
using Cifar.Reports.Comparison;
using Cifar.Reports.Files;
using Cifar.Reports.Formatting;
using Scriban.Runtime;

namespace Cifar.Tests.Reports.Comparison;

public sealed class ComparisonReportTests : IDisposable
{
    private readonly FakeReports.TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly FakeExperiment Cnn = new("cnn", "cnn", Skill: 0.62, Seed: 1, Epochs: 8, StoppedEpoch: 7);

    private static readonly FakeExperiment Transfer = new("transfer", "transfer", Skill: 0.80, Seed: 2, Epochs: 4,
        Trainable: 5_130, Total: 11_181_642, CatDogBias: 0.2, TrainingSeconds: 3725);

    private IReadOnlyList<string> WriteBoth(string? root = null)
    {
        root ??= _temp.Path;
        return [FakeReports.Write(root, Cnn), FakeReports.Write(root, Transfer)];
    }

    [Fact]
    public void Markdown_matches_the_golden_file()
    {
        var folders = WriteBoth();
        var files = ComparisonReport.Write(_temp.Path, folders);
        GoldenFile.AssertMatches(File.ReadAllText(files.Markdown), "Comparison/golden/comparison.md");
    }

    [Fact]
    public void Html_matches_the_golden_file()
    {
        var folders = WriteBoth();
        var files = ComparisonReport.Write(_temp.Path, folders);
        GoldenFile.AssertMatches(File.ReadAllText(files.Html), "Comparison/golden/comparison.html");
    }

    [Fact]
    public void Timing_columns_show_the_figures_of_each_timing_json()
    {
        var folders = WriteBoth();
        var markdown = File.ReadAllText(ComparisonReport.Write(_temp.Path, folders).Markdown);
        foreach (var folder in folders)
        {
            var path = Path.Combine(folder, ReportFiles.Timing);
            var timing = ReportFileJson.ReadTiming(File.ReadAllText(path), path);
            var row = $"| {timing.Name} | {ReportNumbers.Duration(timing.TrainingSeconds)} | {ReportNumbers.Duration(timing.MeanSecondsPerEpoch)} | "
                + $"{ReportNumbers.Count((long)Math.Round(timing.TrainingImagesPerSecond))} | {ReportNumbers.Bytes(timing.PeakWorkingSetBytes)} | "
                + $"{ReportNumbers.Duration(timing.TotalSeconds)} |";
            Assert.Contains(row, markdown, StringComparison.Ordinal);
        }
        Assert.Contains("| transfer | 1 h 02 min 05 s | 15 min 31 s | 48 | 1.50 GiB | 1 h 02 min 18 s |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Conclusion_says_which_approach_wins_and_by_how_much()
    {
        var result = ComparisonReport.Compare(WriteBoth());
        Assert.StartsWith("Transfer learning (transfer, ", result.Conclusion, StringComparison.Ordinal);
        Assert.Contains("beats the CNN from scratch (cnn, ", result.Conclusion, StringComparison.Ordinal);
        Assert.Contains("percentage points of test accuracy", result.Conclusion, StringComparison.Ordinal);
        Assert.Contains("significant at 5%", result.Conclusion, StringComparison.Ordinal);
        Assert.NotNull(result.ConclusionTest);
        Assert.Equal(ModelOrigin.Scratch, result.Experiments[0].Origin);
        Assert.Equal(ModelOrigin.Transfer, result.Experiments[1].Origin);
        Assert.Equal("transfer learning (resnet18)", result.Experiments[1].Model);
    }

    [Fact]
    public void A_transfer_architecture_without_pretrained_weights_counts_as_from_scratch()
    {
        var scratchResNet = Transfer with { Name = "resnet-scratch", Spec = FakeReports.TransferSpec.Replace("weights: imagenet", "weights: none", StringComparison.Ordinal) };
        var result = ComparisonReport.Compare([FakeReports.Write(_temp.Path, scratchResNet), FakeReports.Write(_temp.Path, Transfer)]);
        Assert.Equal(ModelOrigin.Scratch, result.Experiments[0].Origin);
        Assert.Contains("tied", result.Conclusion, StringComparison.Ordinal); // same seed and skill: same predictions
    }

    [Fact]
    public void Largest_spreads_are_the_classes_whose_f1_differs_most()
    {
        var result = ComparisonReport.Compare(WriteBoth());
        Assert.Equal(3, result.LargestSpreads.Count);
        var spreads = result.ClassF1.Select(r => r.Spread).OrderDescending().Take(3).ToList();
        Assert.Equal(spreads, result.LargestSpreads.Select(r => r.Spread));
        Assert.All(result.LargestSpreads, r => Assert.Equal("transfer", r.Best));
    }

    [Fact]
    public void Reruns_are_byte_identical_outside_the_timing_section()
    {
        var folders = WriteBoth();
        var first = ComparisonReport.Write(_temp.Path, folders);
        var (md1, html1, svg1) = (File.ReadAllText(first.Markdown), File.ReadAllText(first.Html), File.ReadAllText(first.ValidationLossSvg));
        // A rerun on a slower machine: only timing.json differs.
        var timing = Path.Combine(folders[0], ReportFiles.Timing);
        var slower = ReportFileJson.ReadTiming(File.ReadAllText(timing), timing) with { TrainingSeconds = 999.9, PeakWorkingSetBytes = 5 };
        File.WriteAllBytes(timing, ReportFileJson.Write(slower));
        var second = ComparisonReport.Write(_temp.Path, folders);
        var (md2, html2) = (File.ReadAllText(second.Markdown), File.ReadAllText(second.Html));
        Assert.NotEqual(md1, md2);
        Assert.Equal(Before(md1, "## Timing (machine-dependent)"), Before(md2, "## Timing (machine-dependent)"));
        Assert.Equal(Before(html1, "<section class=\"timing\">"), Before(html2, "<section class=\"timing\">"));
        Assert.Equal(svg1, File.ReadAllText(second.ValidationLossSvg));
        Assert.Contains("16 min 40 s", md2, StringComparison.Ordinal);

        static string Before(string text, string marker)
        {
            var index = text.IndexOf(marker, StringComparison.Ordinal);
            Assert.True(index > 0, $"'{marker}' not found");
            return text[..index];
        }
    }

    [Fact]
    public void Html_escapes_names_and_markdown_links_the_svg_files()
    {
        var odd = Cnn with { Name = "a<b&\"c" };
        var files = ComparisonReport.Write(_temp.Path, [FakeReports.Write(_temp.Path, odd), FakeReports.Write(_temp.Path, Transfer)]);
        var html = File.ReadAllText(files.Html);
        Assert.DoesNotContain("a<b", html, StringComparison.Ordinal);
        Assert.Contains("a&lt;b&amp;&quot;c", html, StringComparison.Ordinal);
        Assert.Contains("<svg xmlns=\"http://www.w3.org/2000/svg\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<link", html, StringComparison.Ordinal); // self-contained: no external stylesheet
        var md = File.ReadAllText(files.Markdown);
        Assert.Contains("![Validation accuracy per epoch](comparison-val-accuracy.svg)", md, StringComparison.Ordinal);
        Assert.Contains("[transfer](transfer/report.md)", md, StringComparison.Ordinal);
        var svg = File.ReadAllText(files.ValidationAccuracySvg);
        Assert.Equal(2, svg.Split("stroke-linejoin=\"round\"").Length - 1); // one curve per experiment
        Assert.Contains("a&lt;b&amp;&quot;c", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_folders_it_compares_every_report_folder_of_the_root_by_name()
    {
        WriteBoth();
        var files = ComparisonReport.Write(_temp.Path);
        var md = File.ReadAllText(files.Markdown);
        Assert.True(md.IndexOf("| cnn |", StringComparison.Ordinal) < md.IndexOf("| transfer |", StringComparison.Ordinal));
    }

    [Fact]
    public void A_single_experiment_says_there_is_nothing_to_compare()
    {
        var result = ComparisonReport.Compare([FakeReports.Write(_temp.Path, Cnn)]);
        Assert.StartsWith("Only one experiment (cnn, ", result.Conclusion, StringComparison.Ordinal);
        Assert.Empty(result.LargestSpreads);
        Assert.Contains("Only one experiment: nothing to compare.", ComparisonReport.RenderMarkdown(result, _temp.Path), StringComparison.Ordinal);
    }

    [Fact]
    public void A_typo_in_a_template_is_a_user_error_not_a_blank()
    {
        var model = new ScriptObject { ["conclusion"] = "x" };
        var unknownVariable = Assert.Throws<CifarUserException>(() => ScribanTemplates.Render("{{ conclsion }}", "t.scriban", model));
        Assert.Equal(UserErrorKind.InvalidInput, unknownVariable.Kind);
        var parseError = Assert.Throws<CifarUserException>(() => ScribanTemplates.Render("{{ for }}", "t.scriban", model));
        Assert.Equal(UserErrorKind.InvalidInput, parseError.Kind);
        model["e"] = new ScriptObject { ["name"] = "cnn" };
        Assert.Throws<CifarUserException>(() => ScribanTemplates.Render("{{ e.nmae }}", "t.scriban", model));
    }

    [Fact]
    public void A_malformed_metrics_file_names_the_file_and_the_key()
    {
        var folder = FakeReports.Write(_temp.Path, Cnn);
        File.WriteAllText(Path.Combine(folder, "metrics.json"), """{"name": "cnn", "test": {"accuracy": "high"}}""");
        var error = Assert.Throws<CifarUserException>(() => ComparisonReport.Compare([folder]));
        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        Assert.Contains("metrics.json", error.Message, StringComparison.Ordinal);
        Assert.Contains("test.accuracy", error.Message, StringComparison.Ordinal);
    }
}
