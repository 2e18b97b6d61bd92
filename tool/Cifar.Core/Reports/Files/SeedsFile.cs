using System.Text.Json.Serialization;

namespace Cifar.Reports.Files;

// seeds.json, the data file of a multi-seed report folder (<output>/<name>/ holding one report folder per seed). Same
// conventions as metrics.json: snake_case keys in declaration order, 6 fixed decimals. The per-seed results stay in
// the seed folders' own metrics.json; this file lists them and holds the figures of the aggregate report.

/// <summary>seeds.json: which seed folders a multi-seed report has, and the spread of its results across them.</summary>
/// <param name="Format"><see cref="ReportFiles.SeedsFormat"/>, which readers check.</param>
/// <param name="Name">The spec's name (the folder's name).</param>
/// <param name="Confidence">The level of every interval below (0.95).</param>
/// <param name="Runs">One per seed, in the spec's order: the seed and its report folder, relative to this one.</param>
/// <param name="TestAccuracy">Test accuracy (fraction) across the seeds.</param>
/// <param name="PerClassF1">Per-class F1 across the seeds, in class-index order.</param>
public sealed record SeedsFile(
    string Format,
    string Name,
    [property: JsonConverter(typeof(SixDecimals))] double Confidence,
    IReadOnlyList<SeedRun> Runs,
    SeedSpread TestAccuracy,
    SeedSpread TestLoss,
    SeedSpread MacroF1,
    IReadOnlyList<ClassSpread> PerClassF1);

/// <summary>One seed of a multi-seed report: its seed and its report folder (<c>seed-N</c>).</summary>
public sealed record SeedRun(int Seed, string Folder);

/// <summary>A metric across seeds: mean, sample standard deviation, range, and the Student-t interval of the mean.</summary>
/// <param name="HalfWidth">Half the interval's width: the noise floor ("±x at 95%").</param>
public sealed record SeedSpread(
    [property: JsonConverter(typeof(SixDecimals))] double Mean,
    [property: JsonConverter(typeof(SixDecimals))] double StandardDeviation,
    [property: JsonConverter(typeof(SixDecimals))] double Min,
    [property: JsonConverter(typeof(SixDecimals))] double Max,
    [property: JsonConverter(typeof(SixDecimals))] double Lower,
    [property: JsonConverter(typeof(SixDecimals))] double Upper,
    [property: JsonConverter(typeof(SixDecimals))] double HalfWidth);

/// <summary>One class's F1 across seeds.</summary>
public sealed record ClassSpread(
    string Class,
    [property: JsonConverter(typeof(SixDecimals))] double Mean,
    [property: JsonConverter(typeof(SixDecimals))] double StandardDeviation,
    [property: JsonConverter(typeof(SixDecimals))] double Min,
    [property: JsonConverter(typeof(SixDecimals))] double Max);
