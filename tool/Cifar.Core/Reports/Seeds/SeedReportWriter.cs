using Cifar.Reports.Charts;
using Cifar.Reports.Files;
using Cifar.Specs;

namespace Cifar.Reports.Seeds;

/// <summary>
/// Writes a multi-seed report folder, <c>&lt;output&gt;/&lt;name&gt;/</c>: one complete report folder per seed
/// (<c>seed-N/</c>, written by <see cref="ReportWriter"/> like any single run), and beside them the aggregate:
/// seeds.json, spec.yaml (the spec with its <c>seeds</c>), loss.svg and accuracy.svg with bands across seeds, and
/// report.md / report.html from the built-in templates seeds.md.scriban / seeds.html.scriban. The whole folder is
/// swapped into place at once, as a single report is.
/// </summary>
public static class SeedReportWriter
{
    /// <summary>
    /// Reads each seed's metrics.json from <paramref name="seedsFolder"/> (where the runner wrote the seed folders)
    /// and summarises them.
    /// </summary>
    /// <exception cref="CifarUserException">InvalidInput when a seed's metrics.json is missing or malformed.</exception>
    public static SeedAggregate Read(string name, string? description, string specText, string seedsFolder, IReadOnlyList<(int Seed, string Folder)> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var results = runs.Select(run =>
        {
            var path = Path.Combine(seedsFolder, run.Folder, ReportFiles.Metrics);
            if (!File.Exists(path)) throw new CifarUserException(UserErrorKind.InvalidInput, $"'{path}' does not exist; expected the seed's report");
            return new SeedResult(run.Seed, run.Folder, ReportFileJson.ReadMetrics(File.ReadAllText(path), path));
        }).ToList();
        return SeedAggregate.From(name, description, specText, results);
    }

    /// <summary>
    /// Renders the aggregate in memory, then writes it with the seed folders moved in from
    /// <paramref name="seedsFolder"/> into a temporary sibling of <paramref name="folder"/>, and swaps that into place.
    /// </summary>
    /// <exception cref="CifarUserException">InvalidInput for a template problem; Other when the folder cannot be written.</exception>
    public static void Write(SeedAggregate aggregate, string folder, IReadOnlyList<ReportFormat> formats, string seedsFolder)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        var files = Render(aggregate, formats);
        var target = Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder));
        try
        {
            ReportWriter.WriteAtomically(target, files, temporary =>
            {
                foreach (var run in aggregate.Runs)
                {
                    Directory.Move(Path.Combine(seedsFolder, run.Folder), Path.Combine(temporary, run.Folder));
                }
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CifarUserException(UserErrorKind.Other, $"Cannot write the report folder '{target}': {e.Message}", e);
        }
    }

    /// <summary>The aggregate's files, by name, as bytes (UTF-8 without BOM).</summary>
    public static IReadOnlyList<(string Name, byte[] Bytes)> Render(SeedAggregate aggregate, IReadOnlyList<ReportFormat> formats)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        ArgumentNullException.ThrowIfNull(formats);
        var seeds = aggregate.Runs.Select(r => r.Metrics).ToList();
        var lossSvg = SeedCurves.Svg(seeds, CurveMetric.Loss);
        var accuracySvg = SeedCurves.Svg(seeds, CurveMetric.Accuracy);
        var files = new List<(string, byte[])>
        {
            (ReportFiles.Seeds, ReportFileJson.Write(aggregate.ToFile())),
            (ReportFiles.Spec, ReportWriter.Utf8(aggregate.SpecText)),
            (ReportFiles.LossChart, ReportWriter.Utf8(lossSvg)),
            (ReportFiles.AccuracyChart, ReportWriter.Utf8(accuracySvg)),
        };
        var model = SeedReportModel.Build(aggregate, lossSvg, accuracySvg);
        foreach (var format in formats.Distinct())
        {
            var (template, output) = format switch
            {
                ReportFormat.Markdown => (MarkdownTemplate, ReportFiles.MarkdownReport),
                ReportFormat.Html => (HtmlTemplate, ReportFiles.HtmlReport),
                _ => throw new ArgumentOutOfRangeException(nameof(formats), format, "Unknown report format."),
            };
            // Built-in only, like the comparison's: a user's templates folder holds the single-run report's.
            var (text, source) = ScribanTemplates.Load(template);
            files.Add((output, ReportWriter.Utf8(ScribanTemplates.Render(text, source, model))));
        }
        return files;
    }

    public const string MarkdownTemplate = "seeds.md.scriban";
    public const string HtmlTemplate = "seeds.html.scriban";
}
