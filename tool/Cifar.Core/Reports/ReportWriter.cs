using System.Text;
using Cifar.Reports.Analysis;
using Cifar.Reports.Charts;
using Cifar.Reports.Files;
using Cifar.Specs;

namespace Cifar.Reports;

/// <summary>How to write a report folder.</summary>
/// <param name="Formats">Which of report.md / report.html to render; the data files are always written.</param>
/// <param name="TemplatesFolder">A folder whose report.md.scriban / report.html.scriban replace the built-in ones, file by file; null = built-in.</param>
public sealed record ReportOptions(IReadOnlyList<ReportFormat> Formats, string? TemplatesFolder = null)
{
    /// <summary>
    /// Called with the temporary folder after the report files are written and before it is moved into place, so
    /// other files of the run (model weights, a manifest) land atomically with the report. Null = nothing extra.
    /// </summary>
    public Action<string>? WriteExtraFiles { get; init; }

    /// <summary>Markdown and HTML from the built-in templates.</summary>
    public static ReportOptions Default { get; } = new([ReportFormat.Markdown, ReportFormat.Html]);

    /// <summary>The options a spec's <c>report</c> section asks for.</summary>
    public static ReportOptions From(ReportSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new ReportOptions(spec.Formats, spec.Templates);
    }
}

/// <summary>
/// Writes everything <c>dotnet cifar run</c> leaves in <c>&lt;output&gt;/&lt;name&gt;/</c> after training: metrics.json,
/// history.csv, timing.json, predictions.txt, spec.yaml, loss.svg, accuracy.svg, learning_rate.svg, report.md / report.html and, last,
/// manifest.json over all of them.
/// </summary>
public static class ReportWriter
{
    /// <summary>
    /// Renders everything in memory first (a template error writes nothing), then writes into a temporary sibling of
    /// <paramref name="folder"/> and moves it into place; an existing folder is replaced only once the new one is
    /// complete. So a failure never leaves a half-written report folder.
    /// </summary>
    /// <param name="folder">The report folder itself, e.g. <c>reports/baseline-cnn</c>.</param>
    /// <exception cref="CifarUserException">InvalidInput for a template problem; Other when the folder cannot be written.</exception>
    public static void Write(ExperimentResult result, string folder, ReportOptions options)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        ArgumentNullException.ThrowIfNull(options);

        var files = Render(result, options);
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        try
        {
            WriteAtomically(target, files, options.WriteExtraFiles);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CifarUserException(UserErrorKind.Other, $"Cannot write the report folder '{target}': {e.Message}", e);
        }
    }

    /// <summary>
    /// Checks, before any work, what <see cref="Write"/> will need from the user: the templates folder of
    /// <paramref name="options"/> (if any) exists, holds template files by their expected names, and each template
    /// the formats use parses.
    /// </summary>
    /// <exception cref="CifarUserException">InvalidInput naming the folder or template.</exception>
    public static void CheckTemplates(ReportOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.TemplatesFolder is null) return;
        ScribanTemplates.CheckUserFolder(options.TemplatesFolder, options.Formats.Distinct().Select(TemplateFile));
    }

    private static string TemplateFile(ReportFormat format) => format switch
    {
        ReportFormat.Markdown => "report.md.scriban",
        ReportFormat.Html => "report.html.scriban",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown report format."),
    };

    /// <summary>Every file of the report folder, by name, as bytes (UTF-8 without BOM for text).</summary>
    internal static IReadOnlyList<(string Name, byte[] Bytes)> Render(ExperimentResult result, ReportOptions options)
    {
        var lossSvg = LearningCurves.Svg(result.History, CurveMetric.Loss);
        var accuracySvg = LearningCurves.Svg(result.History, CurveMetric.Accuracy);
        var learningRateSvg = LearningCurves.LearningRateSvg(result.History);
        var files = new List<(string, byte[])>
        {
            (ReportFiles.Metrics, ReportFileJson.Write(DataFiles.Metrics(result))),
            (ReportFiles.History, Utf8(HistoryCsv.Render(DataFiles.History(result.History)))),
            (ReportFiles.Timing, ReportFileJson.Write(DataFiles.Timing(result))),
            (ReportFiles.Predictions, Utf8(DataFiles.Predictions(result.Evaluation).Render())),
            // A byte copy of what was read: its hash must match the report's spec hash.
            (ReportFiles.Spec, Utf8(result.SpecText)),
            (ReportFiles.LossChart, Utf8(lossSvg)),
            (ReportFiles.AccuracyChart, Utf8(accuracySvg)),
            (ReportFiles.LearningRateChart, Utf8(learningRateSvg)),
        };
        if (result.TestOutcomes is { } outcomes) files.Add((ReportFiles.TestOutcomes, Utf8(TestOutcomesFile.Render(outcomes))));
        // The PNGs (images/...) and reliability.svg; encoded once, linked by the Markdown and embedded by the HTML.
        var pictures = result is { Pictures: { } shown, TestOutcomes: { } tested }
            ? PictureSections.Build(shown, tested, result.Evaluation.Classes.Count)
            : null;
        if (pictures is not null) files.AddRange(pictures.Files);
        var templates = new Dictionary<string, ManifestTemplate>(StringComparer.Ordinal);
        var formats = options.Formats.Distinct().ToList();
        if (formats.Count > 0)
        {
            var model = ReportModel.Build(result, lossSvg, accuracySvg, learningRateSvg, pictures);
            foreach (var format in formats)
            {
                var (templateFile, outputFile) = format switch
                {
                    ReportFormat.Markdown => ("report.md.scriban", ReportFiles.MarkdownReport),
                    ReportFormat.Html => ("report.html.scriban", ReportFiles.HtmlReport),
                    _ => throw new ArgumentOutOfRangeException(nameof(options), format, "Unknown report format."),
                };
                var (text, source) = ScribanTemplates.Load(templateFile, options.TemplatesFolder);
                files.Add((outputFile, Utf8(ScribanTemplates.Render(text, source, model))));
                templates[outputFile] = new ManifestTemplate(templateFile, ScribanTemplates.IsBuiltIn(source), ScribanTemplates.Sha256(text));
            }
        }
        // Last, over the bytes of everything above.
        files.Add((ReportFiles.Manifest, ReportFileJson.Write(DataFiles.Manifest(result, templates, files))));
        return files;
    }

    /// <remarks>
    /// The swap is three renames: the previous report to a hidden backup, the new one into place, then the backup
    /// deleted. A kill between the first two leaves no folder under the name but a complete backup, which
    /// <see cref="ReportFolders.Recover"/> (called here and before every run) moves back; so whatever the instant of
    /// a crash, the next run finds the old report or the new one, and deletes the leftovers.
    /// </remarks>
    internal static void WriteAtomically(string target, IReadOnlyList<(string Name, byte[] Bytes)> files, Action<string>? extras)
    {
        var parent = Path.GetDirectoryName(target) ?? throw new IOException($"'{target}' has no parent folder.");
        var name = Path.GetFileName(target);
        Directory.CreateDirectory(parent);
        ReportFolders.Recover(target);
        // The runner checked before training; checked again in case the folder changed since.
        if (ReportFolders.CannotReplace(target) is { } reason) throw new IOException($"'{target}' {reason}; not replaced");

        // Hidden siblings on the same volume, so the final moves are renames.
        var temporary = Path.Combine(parent, ReportFolders.TemporaryName(name));
        try
        {
            Directory.CreateDirectory(temporary);
            foreach (var (fileName, bytes) in files)
            {
                var path = Path.Combine(temporary, fileName);
                // Pictures live in subfolders (images/test/...).
                if (fileName.Contains('/', StringComparison.Ordinal)) Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                WriteNew(path, bytes);
            }
            extras?.Invoke(temporary);

            if (!Directory.Exists(target))
            {
                Directory.Move(temporary, target);
                return;
            }
            var previous = Path.Combine(parent, ReportFolders.BackupName(name));
            Directory.Move(target, previous);
            try
            {
                Directory.Move(temporary, target);
            }
            catch
            {
                Directory.Move(previous, target); // put the old report back
                throw;
            }
            TryDelete(previous);
        }
        finally
        {
            TryDelete(temporary);
        }
    }

    /// <summary>Creates the file (never opening one that is already there) and writes it through to the disk, so
    /// a report moved into place is complete even after a power cut.</summary>
    private static void WriteNew(string path, byte[] bytes)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        stream.Write(bytes);
        stream.Flush(flushToDisk: true);
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Leftover hidden temporary folder: harmless, and the report itself is complete.
        }
    }

    internal static byte[] Utf8(string text) => new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text);
}
