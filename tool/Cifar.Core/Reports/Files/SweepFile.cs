using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cifar.Reports.Files;

/// <summary>
/// sweep.json in a sweep's folder (<c>&lt;output&gt;/&lt;sweep&gt;/</c>): the sweep's cells, in index order, with the
/// values each sets and the SHA-256 of its resolved spec (the spec hash its report folder's manifest.json records once
/// it has run). Written, identically, by <c>sweep --list</c>, by every worker and by <c>sweep</c>; read by
/// <c>compare</c>, which treats a folder holding it as a sweep.
/// </summary>
/// <param name="Name">The sweep's name (its spec's <c>name</c>).</param>
/// <param name="Keys">The swept dotted keys, in the grid's order.</param>
public sealed record SweepFile(string Name, IReadOnlyList<string> Keys, IReadOnlyList<SweepFileCell> Cells)
{
    public const string FileName = "sweep.json";

    /// <summary>The file's bytes: indented UTF-8 JSON, snake_case keys, a final newline.</summary>
    public byte[] ToBytes() => ReportFileJson.Bytes(this, ReportFilesJsonContext.Default.SweepFile);

    /// <summary>
    /// Writes the file into <paramref name="sweepFolder"/> (created if needed) through a temporary file and a rename,
    /// so workers writing it at the same time on a shared file system each replace it whole and a reader never sees
    /// half of it.
    /// </summary>
    public string WriteTo(string sweepFolder)
    {
        ArgumentException.ThrowIfNullOrEmpty(sweepFolder);
        var path = Path.Combine(sweepFolder, FileName);
        var temporary = Path.Combine(sweepFolder, $".{FileName}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(sweepFolder);
            File.WriteAllBytes(temporary, ToBytes());
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CifarUserException(UserErrorKind.Other, $"Cannot write '{path}': {e.Message}", e);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
        return path;
    }

    /// <summary>Reads a sweep.json; <paramref name="source"/> names it in messages.</summary>
    /// <exception cref="CifarUserException">InvalidInput: not a sweep.json.</exception>
    public static SweepFile Read(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize(json, ReportFilesJsonContext.Default.SweepFile)
                ?? throw new CifarUserException(UserErrorKind.InvalidInput, $"{source}: expected a JSON object, found null");
        }
        catch (JsonException e)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, $"{source}: not a sweep.json ({e.Message})", e);
        }
    }

    /// <summary>
    /// The cells as a GitHub Actions matrix, on one line for <c>$GITHUB_OUTPUT</c>:
    /// <c>{"include":[{"cell":0,"name":"..."},...]}</c>, which <c>fromJSON</c> turns into one job per cell.
    /// </summary>
    public string ToGitHubMatrix()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("include");
            foreach (var cell in Cells)
            {
                writer.WriteStartObject();
                writer.WriteNumber("cell", cell.Index);
                writer.WriteString("name", cell.Name);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}

/// <summary>One cell of sweep.json.</summary>
/// <param name="Index">Its index, 0 to n - 1: what <c>sweep --cell</c> takes.</param>
/// <param name="Name">Its report folder's name under the sweep's folder.</param>
/// <param name="Values">The value of each swept key it sets, by dotted key, as JSON numbers, strings and booleans.</param>
/// <param name="SpecSha256">SHA-256 of its resolved spec.yaml (lowercase hex), as its manifest.json records it.</param>
public sealed record SweepFileCell(int Index, string Name, IReadOnlyDictionary<string, JsonElement> Values, string SpecSha256);
