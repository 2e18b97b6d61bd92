using System.Globalization;
using System.Text.Json;
using Cifar.Reports.Files;
using Cifar.Tests.Reports.Comparison;

namespace Cifar.Tests.Reports.Sweeps;

/// <summary>
/// Sweep folders as <c>dotnet cifar sweep</c> leaves them: sweep.json, and one report folder per cell written by the
/// real report writer (<see cref="FakeReports"/>), each cell's skill a function of its values so the tables have a
/// known answer.
/// </summary>
internal static class FakeSweeps
{
    public const string LearningRate = "training.optimizer.learning_rate";
    public const string BatchSize = "data.batch_size";

    /// <summary>The grid's values in the order a spec might list them: deliberately not sorted, and sorted as names
    /// ("batch_size=128" before "batch_size=32") they would be out of numeric order.</summary>
    public static readonly double[] LearningRates = [0.01, 0.001];

    public static readonly int[] BatchSizes = [64, 128, 32];

    /// <summary>Test-accuracy skill of a cell: 0.001 beats 0.01 by 12 points; 32 beats 64 beats 128 by 3 points each.</summary>
    public static double Skill(double learningRate, int batchSize) =>
        (learningRate == 0.001 ? 0.70 : 0.58) - (batchSize == 32 ? 0 : batchSize == 64 ? 0.03 : 0.06);

    public static string CellName(double learningRate, int batchSize) =>
        string.Create(CultureInfo.InvariantCulture, $"learning_rate={learningRate},batch_size={batchSize}");

    /// <summary>Writes <c>root/name/</c> with the 2x3 grid's sweep.json and every cell's report folder, bar
    /// <paramref name="skip"/>; returns the sweep folder.</summary>
    public static string Write2x3(string root, string name = "lr-batch", params string[] skip)
    {
        var folder = Path.Combine(root, name);
        var cells = LearningRates.SelectMany(lr => BatchSizes.Select(bs => (lr, bs))).ToList();
        WriteListing(folder, name, [LearningRate, BatchSize],
            [.. cells.Select(c => (CellName(c.lr, c.bs), (IReadOnlyList<object>)[c.lr, c.bs]))]);
        for (var i = 0; i < cells.Count; i++)
        {
            var (lr, bs) = cells[i];
            if (skip.Contains(CellName(lr, bs))) continue;
            FakeReports.Write(folder, new FakeExperiment(CellName(lr, bs), "cnn", Skill(lr, bs), Seed: 100 + i,
                Spec: FakeReports.CnnSpec(lr.ToString(CultureInfo.InvariantCulture)).Replace("batch_size: 64", $"batch_size: {bs}", StringComparison.Ordinal),
                TrainAccuracyLead: 0.02 + (0.04 * i)));
        }
        return folder;
    }

    /// <summary>Writes sweep.json with the real writer (<see cref="SweepFile.WriteTo"/>): name, keys, and each cell's
    /// index, name and values (numbers as JSON numbers, as the YAML had them).</summary>
    public static void WriteListing(string folder, string name, IReadOnlyList<string> keys, IReadOnlyList<(string Name, IReadOnlyList<object> Values)> cells)
    {
        new SweepFile(name, keys, [.. cells.Select((c, i) => new SweepFileCell(
            i,
            c.Name,
            keys.Select((k, j) => (k, Json(c.Values[j]))).ToDictionary(x => x.k, x => x.Item2, StringComparer.Ordinal),
            new string('5', 64)))]).WriteTo(folder);
    }

    private static JsonElement Json(object value)
    {
        using var document = JsonDocument.Parse(value switch
        {
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            int n => n.ToString(CultureInfo.InvariantCulture),
            bool b => b ? "true" : "false",
            string text => JsonSerializer.Serialize(text),
            _ => throw new ArgumentException($"not a swept value: {value}", nameof(value)),
        });
        return document.RootElement.Clone();
    }
}
