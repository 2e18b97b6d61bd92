using System.Globalization;
using System.Text;
using Cifar.Evaluation;
using Cifar.Reports.Charts;
using Cifar.Reports.Files;
using Cifar.Reports.Formatting;
using Cifar.Reports.Statistics;
using Scriban.Runtime;

namespace Cifar.Reports.Sweeps;

/// <summary>The files a sweep report wrote, as full paths.</summary>
public sealed record SweepReportFiles(string Markdown, string Html, IReadOnlyList<string> Charts);

/// <summary>
/// The report of a sweep (<c>dotnet cifar compare SWEEP_FOLDER</c>): sweep-report.md and sweep-report.html in the
/// sweep folder, from templates/sweep.*.scriban, and one SVG chart per swept key. Built from the cell folders that
/// exist; the others are listed as missing. Byte-identical for the same folders: no timings, no dates.
/// </summary>
public static class SweepReport
{
    public const string MarkdownFileName = "sweep-report.md";
    public const string HtmlFileName = "sweep-report.html";

    /// <summary>True when <paramref name="folder"/> holds a sweep.json: a sweep's folder, not an experiment's.</summary>
    public static bool IsSweepFolder(string folder) => File.Exists(Path.Combine(folder, SweepFile.FileName));

    /// <summary>Reads sweep.json and every cell folder that exists, and analyses them.</summary>
    /// <exception cref="CifarUserException">InvalidInput when sweep.json or a cell's files are malformed.</exception>
    public static SweepResult Analyze(string sweepFolder)
    {
        ArgumentNullException.ThrowIfNull(sweepFolder);
        var path = Path.Combine(sweepFolder, SweepFile.FileName);
        if (!File.Exists(path))
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, $"'{sweepFolder}' is not a sweep folder: it has no {SweepFile.FileName}");
        }
        var listing = SweepFile.Read(File.ReadAllText(path), path);
        var cells = listing.Cells.Select(cell =>
        {
            // A folder name, never a path: a hand-edited sweep.json must not send the report outside the sweep folder.
            if (cell.Name.Length == 0 || cell.Name.StartsWith('.') || cell.Name.IndexOfAny(['/', '\\']) >= 0)
            {
                throw new CifarUserException(UserErrorKind.InvalidInput,
                    $"{path}: cell {cell.Index} is named '{cell.Name}'; expected a folder name inside the sweep folder");
            }
            var folder = Path.Combine(sweepFolder, cell.Name);
            var values = cell.Values.ToDictionary(v => v.Key, v => SweptValue.Of(v.Value), StringComparer.Ordinal);
            return new CellReport(cell.Index, cell.Name, values,
                ReportSnapshotReader.IsReportFolder(folder) ? ReportSnapshotReader.ReadFolder(folder) : null);
        }).ToList();
        return SweepAnalysis.Build(listing.Name, listing.Keys, cells);
    }

    /// <summary>Analyses the sweep in <paramref name="sweepFolder"/> and writes its report there.</summary>
    /// <exception cref="CifarUserException">InvalidInput for malformed files or no cell with a report; Other when
    /// the report cannot be written.</exception>
    public static SweepReportFiles Write(string sweepFolder)
    {
        var result = Analyze(sweepFolder);
        if (result.Settings.Count == 0)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"nothing to compare in sweep '{result.Name}': none of its {result.Cells.Count} cells has a report folder under '{sweepFolder}'");
        }
        var files = Render(result, sweepFolder);
        try
        {
            var written = new List<string>();
            foreach (var (name, text) in files)
            {
                var target = Path.GetFullPath(Path.Combine(sweepFolder, name));
                // Written beside the target, then renamed over it: a reader never sees half a report.
                var temporary = Path.Combine(sweepFolder, $".{name}.writing-{Environment.ProcessId}");
                File.WriteAllText(temporary, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
                File.Move(temporary, target, overwrite: true);
                written.Add(target);
            }
            return new SweepReportFiles(written[^2], written[^1], written[..^2]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CifarUserException(UserErrorKind.Other, $"cannot write the sweep report into '{sweepFolder}': {e.Message}", e);
        }
    }

    /// <summary>Every file of the report, by name: the charts first, then the Markdown, then the HTML.</summary>
    public static IReadOnlyList<(string Name, string Text)> Render(SweepResult result, string sweepFolder)
    {
        ArgumentNullException.ThrowIfNull(result);
        var charts = result.Effects.Select(e => (Name: ChartFileName(e), Svg: Chart(e))).ToList();
        var model = Model(result, sweepFolder, charts.Select(c => c.Svg).ToList());
        return
        [
            .. charts.Select(c => (c.Name, c.Svg)),
            (MarkdownFileName, ScribanTemplates.Render(model.Markdown.Text, model.Markdown.Source, model.Data)),
            (HtmlFileName, ScribanTemplates.Render(model.Html.Text, model.Html.Source, model.Data)),
        ];
    }

    /// <summary><c>sweep-&lt;key&gt;.svg</c>, the key's shown name with anything outside [A-Za-z0-9._-] as '_'.</summary>
    public static string ChartFileName(KeyEffect effect)
    {
        ArgumentNullException.ThrowIfNull(effect);
        var safe = new string([.. effect.Name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_')]);
        return $"sweep-{safe}.svg";
    }

    /// <summary>
    /// Test accuracy against the key's values (evenly spaced, in value order): the mean over the other keys with its
    /// 95% band over seeds, and, for up to six settings of the other keys, one line each.
    /// </summary>
    public static string Chart(KeyEffect effect)
    {
        ArgumentNullException.ThrowIfNull(effect);
        var levels = effect.Levels.Select((l, i) => (Position: i + 1.0, Level: l)).Where(x => x.Level.Runs > 0).ToList();
        var series = new List<ChartSeries>
        {
            new(effect.OtherSettings.Count > 1 ? "mean over the other keys" : "test accuracy", SvgLineChart.Palette[0],
                [.. levels.Select(x => (x.Position, x.Level.MeanAccuracy))])
            {
                Band = [.. levels.Where(x => x.Level.Interval is not null)
                    .Select(x => (x.Position, x.Level.Interval!.Lower, x.Level.Interval.Upper))],
            },
        };
        if (effect.OtherSettings.Count is > 1 and <= MaxSettingLines)
        {
            for (var s = 0; s < effect.OtherSettings.Count; s++)
            {
                series.Add(new ChartSeries(effect.OtherSettings[s], SvgLineChart.Palette[(s + 1) % SvgLineChart.Palette.Count],
                    [.. effect.Levels.Select((l, i) => (Position: i + 1.0, Value: l.BySetting[s]))
                        .Where(p => p.Value is not null).Select(p => (p.Position, p.Value!.Value))]));
            }
        }
        return SvgLineChart.Render(new LineChart($"Test accuracy by {effect.Name}", "test accuracy", ChartScale.Fraction, series, [])
        {
            Categories = new CategoryAxis(effect.Name, [.. effect.Levels.Select(l => l.Value.Text)]),
        });
    }

    /// <summary>Beyond this many settings of the other keys, a chart shows only their mean (more lines are unreadable).</summary>
    public const int MaxSettingLines = 6;

    private sealed record Templates((string Text, string Source) Markdown, (string Text, string Source) Html, ScriptObject Data);

    /// <summary>The template model: every value pre-formatted as text, so templates only lay out.</summary>
    private static Templates Model(SweepResult result, string sweepFolder, List<string> svgs)
    {
        var data = new ScriptObject
        {
            ["name"] = result.Name,
            ["conclusion"] = Conclusion(result),
            ["cell_count"] = result.Cells.Count,
            ["present_count"] = result.Cells.Count - result.Missing.Count,
            ["missing"] = new ScriptArray(result.Missing.Select(c => (object)c.Name)),
            ["has_seeds"] = result.HasSeeds,
            ["seed_note"] = result.HasSeeds
                ? string.Create(CultureInfo.InvariantCulture,
                    $"mean over seeds; 95% interval of the mean over seeds (Student's t, {(result.SeedKey is null ? "each cell's seeds" : "the swept `seed`")})")
                : "one run per setting: no interval over seeds",
            ["key_names"] = new ScriptArray(result.Keys.Select(k => (object)result.KeyNames[k])),
        };

        var cells = new ScriptArray();
        foreach (var cell in result.Cells)
        {
            cells.Add(new ScriptObject
            {
                ["index"] = cell.Index.ToString(CultureInfo.InvariantCulture),
                ["name"] = cell.Name,
                ["values"] = new ScriptArray(result.Keys.Select(k => (object)cell.Values[k].Text)),
                ["test_accuracy"] = cell.Report is null ? "missing" : ReportNumbers.Percent(cell.Report.Metrics.Test.Accuracy),
                ["link_md"] = Link(sweepFolder, cell, ReportFiles.MarkdownReport),
                ["link_html"] = Link(sweepFolder, cell, ReportFiles.HtmlReport),
            });
        }
        data["cells"] = cells;

        var effects = new ScriptArray();
        for (var e = 0; e < result.Effects.Count; e++)
        {
            var effect = result.Effects[e];
            var showSettings = effect.OtherSettings.Count is > 1 and <= MaxSettingLines;
            var levels = new ScriptArray();
            foreach (var level in effect.Levels)
            {
                levels.Add(new ScriptObject
                {
                    ["value"] = level.Value.Text,
                    ["mean"] = level.Runs == 0 ? ReportNumbers.Dash : ReportNumbers.Percent(level.MeanAccuracy),
                    ["interval"] = Interval(level.Interval),
                    ["runs"] = level.Runs.ToString(CultureInfo.InvariantCulture),
                    ["best"] = level.Best is null ? ReportNumbers.Dash : $"{level.Best.Label} ({ReportNumbers.Percent(level.Best.MeanAccuracy)})",
                    ["by_setting"] = new ScriptArray(showSettings
                        ? level.BySetting.Select(a => (object)(a is { } v ? ReportNumbers.Percent(v) : ReportNumbers.Dash))
                        : []),
                });
            }
            effects.Add(new ScriptObject
            {
                ["key"] = effect.Key,
                ["name"] = effect.Name,
                ["range"] = ReportNumbers.Rounded(effect.Range * 100, 2) + " pp",
                ["settings"] = new ScriptArray(showSettings ? effect.OtherSettings.Select(s => (object)s) : []),
                ["levels"] = levels,
                ["svg_file"] = ChartFileName(effect),
                ["svg"] = svgs[e].TrimEnd('\n'),
            });
        }
        data["effects"] = effects;

        var heat = new ScriptArray();
        foreach (var table in result.HeatTables)
        {
            var present = table.Cells.SelectMany(r => r).Where(v => v is not null).Select(v => v!.Value).ToList();
            var (low, high) = (present.Min(), present.Max());
            var rows = new ScriptArray();
            for (var r = 0; r < table.Rows.Count; r++)
            {
                var row = new ScriptArray();
                foreach (var value in table.Cells[r])
                {
                    row.Add(new ScriptObject
                    {
                        ["text"] = value is { } v ? ReportNumbers.Percent(v) : ReportNumbers.Dash,
                        ["is_best"] = value is not null && value == high,
                        // Blue, stronger for higher accuracy: 0.08 at the lowest, 0.6 at the highest.
                        ["shade"] = value is { } a
                            ? ReportNumbers.Rounded(high > low ? 0.08 + (0.52 * (a - low) / (high - low)) : 0.34, 2)
                            : "0",
                    });
                }
                rows.Add(new ScriptObject { ["value"] = table.Rows[r].Text, ["cells"] = row });
            }
            heat.Add(new ScriptObject
            {
                ["row_name"] = table.RowName,
                ["column_name"] = table.ColumnName,
                ["columns"] = new ScriptArray(table.Columns.Select(c => (object)c.Text)),
                ["rows"] = rows,
            });
        }
        data["heat_tables"] = heat;

        data["best"] = result.Best is null ? null : new ScriptObject
        {
            ["label"] = result.Best.Label,
            ["accuracy"] = ReportNumbers.Percent(result.Best.MeanAccuracy),
            ["interval"] = Interval(result.Best.Interval),
            ["runs"] = result.Best.Runs.Count == 1
                ? "one run"
                : string.Create(CultureInfo.InvariantCulture, $"mean of {result.Best.Runs.Count} runs, 95% interval {Interval(result.Best.Interval)}"),
        };
        var distances = new ScriptArray();
        foreach (var d in result.Distances)
        {
            distances.Add(new ScriptObject
            {
                ["label"] = d.Setting.Label,
                ["accuracy"] = ReportNumbers.Percent(d.Setting.MeanAccuracy),
                ["difference"] = ReportNumbers.PointsChange(d.Difference),
                ["discordant"] = d.McNemar is { } m
                    ? $"{ReportNumbers.Count(m.BaseRightHeadWrong)} / {ReportNumbers.Count(m.BaseWrongHeadRight)}"
                    : ReportNumbers.Dash,
                ["p_value"] = d.McNemar is { } t ? ReportNumbers.PValue(t.PValue) : ReportNumbers.Dash,
                ["verdict"] = d.McNemar?.Verdict ?? $"not tested: {d.WhyNotPaired}",
                ["welch"] = d.Welch is { } w ? $"{ReportNumbers.PValue(w.PValue)}, {w.Verdict}" : ReportNumbers.Dash,
            });
        }
        data["distances"] = distances;
        data["has_welch"] = result.Distances.Any(d => d.Welch is not null);

        var overfitting = new ScriptArray();
        foreach (var o in result.Overfitting)
        {
            var a = o.Analysis;
            overfitting.Add(new ScriptObject
            {
                ["name"] = o.Cell.Name,
                ["test_accuracy"] = ReportNumbers.Percent(o.TestAccuracy),
                ["best_epoch"] = a is null ? ReportNumbers.Dash : a.BestEpoch.ToString(CultureInfo.InvariantCulture),
                ["train_accuracy"] = a is null ? ReportNumbers.Dash : ReportNumbers.Percent(a.TrainAccuracy),
                ["val_accuracy"] = a is null ? ReportNumbers.Dash : ReportNumbers.Percent(a.ValAccuracy),
                ["gap"] = a is null ? ReportNumbers.Dash : ReportNumbers.PointsChange(a.AccuracyGap),
                ["verdict"] = a is null ? "no history" : Verdict(a.Verdict),
            });
        }
        data["overfitting"] = overfitting;

        return new Templates(ScribanTemplates.Load("sweep.md.scriban"), ScribanTemplates.Load("sweep.html.scriban"), data);
    }

    /// <summary>One sentence: the best setting, and the key that moves the mean accuracy most.</summary>
    internal static string Conclusion(SweepResult result)
    {
        if (result.Best is null) return "No cell has a report yet.";
        var best = result.Best;
        var sentence = new StringBuilder($"The best setting is {best.Label} at {ReportNumbers.Percent(best.MeanAccuracy)} test accuracy");
        sentence.Append(best.Runs.Count > 1
            ? string.Create(CultureInfo.InvariantCulture, $" (mean of {best.Runs.Count} seeds)")
            : "");
        var next = result.Distances.OrderByDescending(d => d.Difference).FirstOrDefault();
        if (next is not null)
        {
            sentence.Append($", {ReportNumbers.Rounded(-next.Difference * 100, 2)} points ahead of {next.Setting.Label}");
            sentence.Append(next.McNemar is { } m ? $" ({m.Verdict}, McNemar {ReportNumbers.PValue(m.PValue)})" : "");
        }
        sentence.Append('.');
        var moving = result.Effects.Where(e => e.Levels.Count(l => l.Runs > 0) >= 2).OrderByDescending(e => e.Range).FirstOrDefault();
        if (moving is not null && result.Effects.Count > 1)
        {
            var present = moving.Levels.Where(l => l.Runs > 0).ToList();
            var (low, high) = (present.MinBy(l => l.MeanAccuracy)!, present.MaxBy(l => l.MeanAccuracy)!);
            sentence.Append($" {moving.Name} matters most: its values move the mean test accuracy by {ReportNumbers.Rounded(moving.Range * 100, 2)} points "
                + $"({moving.Name}={low.Value.Text}: {ReportNumbers.Percent(low.MeanAccuracy)}, {moving.Name}={high.Value.Text}: {ReportNumbers.Percent(high.MeanAccuracy)}).");
        }
        return sentence.ToString();
    }

    private static string Verdict(OverfittingVerdict verdict) => verdict switch
    {
        OverfittingVerdict.Strong => "strong overfitting",
        OverfittingVerdict.Mild => "mild overfitting",
        OverfittingVerdict.Underfitting => "underfitting",
        _ => "no meaningful overfitting",
    };

    private static string Interval(SeedSummary? interval) => interval is null
        ? ReportNumbers.Dash
        : $"{ReportNumbers.Percent(interval.Lower)} to {ReportNumbers.Percent(interval.Upper)}";

    private static string? Link(string sweepFolder, CellReport cell, string file) =>
        cell.Report is not null && File.Exists(Path.Combine(sweepFolder, cell.Name, file))
            ? Uri.EscapeDataString(cell.Name) + "/" + file
            : null;
}
