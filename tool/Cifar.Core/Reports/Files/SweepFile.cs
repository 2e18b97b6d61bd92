using System.Text.Json;

namespace Cifar.Reports.Files;

// sweep.json: the cells of a sweep (contract between helpers sweep and engines, issue 13). The sweep branch owns this
// file; this reader is the engines branch's stand-in until that branch is merged, with the contract's shape.

/// <summary>sweep.json: a sweep's name, its swept keys and every cell, in grid order.</summary>
public sealed record SweepFile(string Name, IReadOnlyList<string> Keys, IReadOnlyList<SweepFileCell> Cells)
{
    public const string FileName = "sweep.json";

    /// <summary>Parses sweep.json; <paramref name="source"/> names the file in error messages.</summary>
    /// <exception cref="CifarUserException">InvalidInput when the file is not a valid sweep.json.</exception>
    public static SweepFile Read(string json, string source)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            var name = root.GetProperty("name").GetString() ?? throw new FormatException("'name' is null");
            var keys = root.GetProperty("keys").EnumerateArray().Select(k => k.GetString() ?? throw new FormatException("a key is null")).ToList();
            var cells = root.GetProperty("cells").EnumerateArray().Select(c =>
            {
                var cellName = c.GetProperty("name").GetString() ?? throw new FormatException("a cell's 'name' is null");
                return new SweepFileCell(
                    c.GetProperty("index").GetInt32(),
                    cellName,
                    c.GetProperty("values").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone(), StringComparer.Ordinal),
                    c.TryGetProperty("spec_sha256", out var sha) ? sha.GetString() : null);
            }).ToList();
            return new SweepFile(name, keys, cells);
        }
        catch (Exception e) when (e is JsonException or FormatException or KeyNotFoundException or InvalidOperationException)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, $"{source}: not a valid {FileName}: {e.Message}", e);
        }
    }
}

/// <summary>One cell of sweep.json.</summary>
/// <param name="Values">Its value of each swept key, as JSON (numbers, strings, bools, as in the YAML).</param>
public sealed record SweepFileCell(int Index, string Name, IReadOnlyDictionary<string, JsonElement> Values, string? SpecSha256);
