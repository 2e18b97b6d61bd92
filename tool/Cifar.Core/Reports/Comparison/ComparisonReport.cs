using System.Globalization;
using System.Text;
using Cifar.Evaluation;
using Cifar.Reports.Charts;
using Cifar.Reports.Files;
using Cifar.Reports.Formatting;
using Cifar.Reports.Statistics;
using Scriban.Runtime;

namespace Cifar.Reports.Comparison;

/// <summary>The files a comparison wrote, as full paths.</summary>
public sealed record ComparisonFiles(string Markdown, string Html, string ValidationAccuracySvg, string ValidationLossSvg);

/// <summary>
/// The side-by-side report of several experiments (<c>dotnet cifar compare</c>, and <c>dotnet cifar run A B</c>):
/// comparison.md and comparison.html in the reports root, rendered from templates/comparison.*.scriban, with the
/// validation curves overlaid. Everything but the clearly marked timing section is byte-identical across reruns.
/// </summary>
public static class ComparisonReport
{
    public const string MarkdownFileName = "comparison.md";
    public const string HtmlFileName = "comparison.html";
    public const string ValidationAccuracySvgFileName = "comparison-val-accuracy.svg";
    public const string ValidationLossSvgFileName = "comparison-val-loss.svg";

    /// <summary>Reads the report folders (in the order given) and compares them.</summary>
    public static ComparisonResult Compare(IReadOnlyList<string> reportFolders, int bootstrapResamples = Bootstrap.DefaultResamples)
    {
        ArgumentNullException.ThrowIfNull(reportFolders);
        return Compare([.. reportFolders.Select(ReportSnapshotReader.ReadFolder)], bootstrapResamples);
    }

    /// <summary>Compares reports already read.</summary>
    public static ComparisonResult Compare(IReadOnlyList<ReportSnapshot> reports, int bootstrapResamples = Bootstrap.DefaultResamples)
    {
        ArgumentNullException.ThrowIfNull(reports);
        return ExperimentComparison.Build(reports, bootstrapResamples);
    }

    /// <summary>
    /// Compares <paramref name="reportFolders"/> (null or empty: every report folder under
    /// <paramref name="reportsRoot"/>, by name) and writes comparison.md, comparison.html and the two SVG charts into
    /// <paramref name="reportsRoot"/>, creating it if needed.
    /// </summary>
    public static ComparisonFiles Write(string reportsRoot, IReadOnlyList<string>? reportFolders = null)
    {
        ArgumentNullException.ThrowIfNull(reportsRoot);
        var folders = reportFolders is { Count: > 0 } ? reportFolders : ReportSnapshotReader.FindReportFolders(reportsRoot);
        if (folders.Count == 0)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"nothing to compare: '{reportsRoot}' holds no report folders (folders with a {ReportFiles.Metrics})");
        }
        var result = Compare(folders);
        try
        {
            Directory.CreateDirectory(reportsRoot);
            var files = new ComparisonFiles(
                Path.GetFullPath(Path.Combine(reportsRoot, MarkdownFileName)),
                Path.GetFullPath(Path.Combine(reportsRoot, HtmlFileName)),
                Path.GetFullPath(Path.Combine(reportsRoot, ValidationAccuracySvgFileName)),
                Path.GetFullPath(Path.Combine(reportsRoot, ValidationLossSvgFileName)));
            var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
            File.WriteAllText(files.ValidationAccuracySvg, ValidationAccuracySvg(result), utf8);
            File.WriteAllText(files.ValidationLossSvg, ValidationLossSvg(result), utf8);
            File.WriteAllText(files.Markdown, RenderMarkdown(result, reportsRoot), utf8);
            File.WriteAllText(files.Html, RenderHtml(result, reportsRoot), utf8);
            return files;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CifarUserException(UserErrorKind.Other, $"cannot write the comparison into '{reportsRoot}': {e.Message}", e);
        }
    }

    /// <summary>comparison.md; links to report folders and SVG files are relative to <paramref name="reportsRoot"/>.</summary>
    public static string RenderMarkdown(ComparisonResult result, string reportsRoot) =>
        Render("comparison.md.scriban", Model(result, reportsRoot));

    /// <summary>comparison.html: self-contained (inline CSS and SVG), every text escaped.</summary>
    public static string RenderHtml(ComparisonResult result, string reportsRoot) =>
        Render("comparison.html.scriban", Model(result, reportsRoot));

    /// <summary>The built-in template <paramref name="templateFile"/>, rendered strictly.</summary>
    private static string Render(string templateFile, ScriptObject model)
    {
        var (text, source) = ScribanTemplates.Load(templateFile);
        return ScribanTemplates.Render(text, source, model);
    }

    /// <summary>Validation accuracy per epoch, one colour per experiment, the best epochs ringed.</summary>
    public static string ValidationAccuracySvg(ComparisonResult result) =>
        SvgLineChart.Render(Chart(result, "Validation accuracy per epoch", "validation accuracy", ChartScale.Fraction, h => h.ValAccuracy));

    /// <summary>Validation loss per epoch, one colour per experiment, the best epochs ringed.</summary>
    public static string ValidationLossSvg(ComparisonResult result) =>
        SvgLineChart.Render(Chart(result, "Validation loss per epoch", "validation loss", ChartScale.Plain, h => h.ValLoss));

    private static LineChart Chart(ComparisonResult result, string title, string yLabel, ChartScale scale, Func<EpochMetrics, double> value)
    {
        ArgumentNullException.ThrowIfNull(result);
        return new LineChart(title, yLabel, scale,
            [.. result.Experiments.Select(e => new ChartSeries(e.Name, e.Colour,
                [.. e.Metrics.History.Select(h => (h.Epoch, value(h)))], e.Metrics.BestEpoch))],
            []);
    }

    /// <summary>The template model: every value pre-formatted as text, so templates only lay out.</summary>
    internal static ScriptObject Model(ComparisonResult result, string reportsRoot)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(reportsRoot);
        var model = new ScriptObject
        {
            ["conclusion"] = result.Conclusion,
            ["experiment_count"] = result.Experiments.Count,
            ["bootstrap_note"] = string.Create(CultureInfo.InvariantCulture,
                $"bootstrap 95% percentile interval of test accuracy over the test images ({result.BootstrapResamples} resamples, fixed seed {Bootstrap.Seed})")
                + (result.Experiments.Any(e => e.IntervalOverSeeds)
                    ? "; for an experiment run with several seeds, Student's t interval of its mean test accuracy over the seeds"
                    : ""),
            ["val_accuracy_svg_file"] = ValidationAccuracySvgFileName,
            ["val_loss_svg_file"] = ValidationLossSvgFileName,
            ["val_accuracy_svg"] = InlineSvg(ValidationAccuracySvg(result)),
            ["val_loss_svg"] = InlineSvg(ValidationLossSvg(result)),
        };
        var experiments = new ScriptArray();
        var timing = new ScriptArray();
        foreach (var e in result.Experiments)
        {
            var m = e.Metrics;
            var folder = RelativeFolder(reportsRoot, e.Report.Location);
            experiments.Add(new ScriptObject
            {
                ["name"] = e.Name,
                ["colour"] = e.Colour,
                ["model"] = e.Model,
                ["kind"] = e.Origin switch
                {
                    ModelOrigin.Scratch => "CNN from scratch",
                    ModelOrigin.Transfer => "transfer learning",
                    _ => "unknown",
                },
                ["link_md"] = LinkIfExists(e.Report.Location, folder, "report.md"),
                ["link_html"] = LinkIfExists(e.Report.Location, folder, "report.html"),
                ["test_accuracy"] = ReportNumbers.Percent(m.Test.Accuracy),
                ["interval"] = e.AccuracyInterval is { } i
                    ? $"{ReportNumbers.Percent(i.Lower)} to {ReportNumbers.Percent(i.Upper)}"
                      + (e.IntervalOverSeeds ? string.Create(CultureInfo.InvariantCulture, $" ({e.Report.Seeds.Count} seeds)") : "")
                    : ReportNumbers.Dash,
                ["test_loss"] = ReportNumbers.Rounded(m.Test.Loss, 4),
                ["macro_f1"] = ReportNumbers.Rounded(m.MacroAvg.F1, 4),
                ["best_epoch"] = m.BestEpoch.ToString(CultureInfo.InvariantCulture),
                ["stopped_epoch"] = m.StoppedEpoch?.ToString(CultureInfo.InvariantCulture) ?? ReportNumbers.Dash,
                ["epochs_run"] = m.History.Count.ToString(CultureInfo.InvariantCulture),
                ["accuracy_gap"] = double.IsFinite(e.AccuracyGap) ? ReportNumbers.PointsChange(e.AccuracyGap) : ReportNumbers.Dash,
                ["trainable_parameters"] = ReportNumbers.Count(m.Model.TrainableParameters),
                ["total_parameters"] = ReportNumbers.Count(m.Model.TotalParameters),
            });
            var t = e.Report.Timing;
            // A folder without timing.json (or a figure that is not finite) shows a dash, not a made-up number.
            string Timed(Func<TimingFile, double> figure, Func<double, string> format) =>
                t is not null && double.IsFinite(figure(t)) ? format(figure(t)) : ReportNumbers.Dash;
            timing.Add(new ScriptObject
            {
                ["name"] = e.Name,
                ["training"] = Timed(f => f.TrainingSeconds, ReportNumbers.Duration),
                ["total"] = Timed(f => f.TotalSeconds, ReportNumbers.Duration),
                ["per_epoch"] = Timed(f => f.MeanSecondsPerEpoch, ReportNumbers.Duration),
                ["images_per_second"] = Timed(f => f.TrainingImagesPerSecond, ips => ReportNumbers.Count((long)Math.Round(ips))),
                ["peak_memory"] = Timed(f => f.PeakWorkingSetBytes, ReportNumbers.Bytes),
            });
        }
        model["experiments"] = experiments;
        model["timing"] = timing;
        model["augmentation"] = result.ComparesAugmentation ? Augmentation(result) : null;

        var perClass = new ScriptArray();
        foreach (var row in result.ClassF1)
        {
            var best = row.F1.Where(f => f is not null).DefaultIfEmpty(null).Max();
            var cells = new ScriptArray();
            foreach (var f1 in row.F1)
            {
                cells.Add(new ScriptObject
                {
                    ["value"] = f1 is { } v ? ReportNumbers.Rounded(v, 4) : ReportNumbers.Dash,
                    ["is_best"] = f1 is not null && f1 == best && result.Experiments.Count > 1,
                });
            }
            perClass.Add(new ScriptObject
            {
                ["class"] = row.Class,
                ["cells"] = cells,
                ["spread"] = ReportNumbers.Rounded(row.Spread, 4),
            });
        }
        model["per_class"] = perClass;

        var spreads = new ScriptArray();
        foreach (var row in result.LargestSpreads)
        {
            double F1Of(string? name) => row.F1[result.Experiments.ToList().FindIndex(e => e.Name == name)] ?? 0;
            spreads.Add(new ScriptObject
            {
                ["class"] = row.Class,
                ["spread"] = ReportNumbers.Rounded(row.Spread, 4),
                ["best"] = row.Best ?? "",
                ["best_f1"] = ReportNumbers.Rounded(F1Of(row.Best), 4),
                ["worst"] = row.Worst ?? "",
                ["worst_f1"] = ReportNumbers.Rounded(F1Of(row.Worst), 4),
            });
        }
        model["spreads"] = spreads;
        return model;
    }

    /// <summary>
    /// The overfitting section's view of augmentation, shown when some experiments augmented and some did not: each
    /// one's gaps at its best epoch (by <see cref="OverfittingAnalysis"/>) beside its augmentation, and a
    /// sentence per same-model pair.
    /// </summary>
    private static ScriptObject Augmentation(ComparisonResult result)
    {
        var rows = new ScriptArray();
        foreach (var e in result.Experiments)
        {
            var analysis = e.Overfitting;
            string Of(Func<OverfittingAnalysis, string> figure) => analysis is null ? ReportNumbers.Dash : figure(analysis);
            rows.Add(new ScriptObject
            {
                ["name"] = e.Name,
                ["colour"] = e.Colour,
                ["augmentation"] = e.Augmentation switch
                {
                    null => "unknown (no readable spec.yaml)",
                    { Count: 0 } => "none",
                    var steps => string.Join(", ", steps),
                },
                ["best_epoch"] = Of(a => a.BestEpoch.ToString(CultureInfo.InvariantCulture)),
                ["train_accuracy"] = Of(a => ReportNumbers.Percent(a.TrainAccuracy)),
                ["val_accuracy"] = Of(a => ReportNumbers.Percent(a.ValAccuracy)),
                ["accuracy_gap"] = Of(a => ReportNumbers.PointsChange(a.AccuracyGap)),
                ["loss_gap"] = Of(a => double.IsFinite(a.LossGap) ? ReportNumbers.Change(a.LossGap, 4) : ReportNumbers.Dash),
            });
        }
        var effects = new ScriptArray();
        foreach (var effect in result.AugmentationEffects) effects.Add(effect.Sentence);
        return new ScriptObject
        {
            ["rows"] = rows,
            ["effects"] = effects,
            ["note"] = ReportModel.AugmentationNote,
        };
    }

    /// <summary>The standalone SVG minus its trailing newline; the HTML template places it.</summary>
    private static string InlineSvg(string svg) => svg.TrimEnd('\n');

    private static string RelativeFolder(string reportsRoot, string location)
    {
        var relative = Path.GetRelativePath(Path.GetFullPath(reportsRoot), Path.GetFullPath(location));
        return relative.Replace('\\', '/');
    }

    private static string? LinkIfExists(string location, string relativeFolder, string file) =>
        File.Exists(Path.Combine(location, file))
            ? string.Join('/', relativeFolder.Split('/').Select(Uri.EscapeDataString)) + "/" + file
            : null;
}
