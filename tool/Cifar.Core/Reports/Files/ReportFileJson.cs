using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Cifar.Reports.Files;

/// <summary>
/// Reads and writes the JSON files of a report folder (and the diff's JSON) from their records: snake_case keys,
/// two-space indentation, "\n" line ends and a final newline. Reading is strict: a missing key, a null where the
/// record has no null, or a value of the wrong kind is a user error naming the file and the key.
/// </summary>
public static class ReportFileJson
{
    /// <summary>metrics.json's bytes.</summary>
    public static byte[] Write(MetricsFile metrics) => Bytes(metrics, ReportFilesJsonContext.Default.MetricsFile);

    /// <summary>timing.json's bytes.</summary>
    public static byte[] Write(TimingFile timing) => Bytes(timing, ReportFilesJsonContext.Default.TimingFile);

    /// <summary>manifest.json's bytes.</summary>
    /// <remarks>Unescaped like the diff's JSON, so a version reads <c>2.10.0+cpu</c>, not <c>2.10.0\u002Bcpu</c>.</remarks>
    public static byte[] Write(ManifestFile manifest) =>
        Bytes(manifest, (JsonTypeInfo<ManifestFile>)RelaxedOptions.GetTypeInfo(typeof(ManifestFile)));

    /// <summary>Parses manifest.json; <paramref name="source"/> names the file in error messages.</summary>
    /// <exception cref="CifarUserException">InvalidInput when the file is not a manifest of this format.</exception>
    public static ManifestFile ReadManifest(string json, string source)
    {
        var manifest = Parse(json, source, ReportFilesJsonContext.Default.ManifestFile);
        if (manifest.Format != ReportFiles.ManifestFormat)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"{source}: 'format' is '{manifest.Format}'; expected '{ReportFiles.ManifestFormat}'");
        }
        return manifest;
    }

    /// <summary>The diff's JSON: like the report files, but with arrows and class names unescaped (a file for
    /// scripts, not HTML).</summary>
    public static string Write(DiffFile diff) =>
        Encoding.UTF8.GetString(Bytes(diff, (JsonTypeInfo<DiffFile>)RelaxedOptions.GetTypeInfo(typeof(DiffFile))));

    /// <summary>Parses the diff's JSON.</summary>
    /// <exception cref="CifarUserException">InvalidInput when the text is not a diff.</exception>
    public static DiffFile ReadDiff(string json, string source) => Parse(json, source, ReportFilesJsonContext.Default.DiffFile);

    private static readonly JsonSerializerOptions RelaxedOptions = new(ReportFilesJsonContext.Default.Options)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Parses metrics.json; <paramref name="source"/> names the file in error messages.</summary>
    /// <exception cref="CifarUserException">InvalidInput when the file is not a valid metrics.json.</exception>
    public static MetricsFile ReadMetrics(string json, string source)
    {
        var metrics = Parse(json, source, ReportFilesJsonContext.Default.MetricsFile);
        if (metrics.ConfusionMatrix.Count != metrics.Classes.Count || metrics.ConfusionMatrix.Any(row => row.Count != metrics.Classes.Count))
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"{source}: 'confusion_matrix' must be {metrics.Classes.Count}x{metrics.Classes.Count}, one row and column per class");
        }
        ReportFileRanges.Check(metrics, source);
        return metrics;
    }

    /// <summary>seeds.json's bytes.</summary>
    public static byte[] Write(SeedsFile seeds) => Bytes(seeds, ReportFilesJsonContext.Default.SeedsFile);

    /// <summary>Parses seeds.json; <paramref name="source"/> names the file in error messages.</summary>
    /// <exception cref="CifarUserException">InvalidInput when the file is not a seeds.json of this format, or names a
    /// seed folder outside its own folder.</exception>
    public static SeedsFile ReadSeeds(string json, string source)
    {
        var seeds = Parse(json, source, ReportFilesJsonContext.Default.SeedsFile);
        if (seeds.Format != ReportFiles.SeedsFormat)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"{source}: 'format' is '{seeds.Format}'; expected '{ReportFiles.SeedsFormat}'");
        }
        if (seeds.Runs.Count < 2)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, $"{source}: 'runs' has {seeds.Runs.Count} entries; expected at least 2");
        }
        // A folder name, never a path: a hand-edited file must not send readers outside the report folder.
        if (seeds.Runs.FirstOrDefault(r => r.Folder.Length == 0 || r.Folder.StartsWith('.') || r.Folder.IndexOfAny(['/', '\\']) >= 0) is { } bad)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"{source}: 'runs' names the folder '{bad.Folder}'; expected a folder name inside the report folder, such as seed-1");
        }
        return seeds;
    }

    /// <summary>Parses timing.json; <paramref name="source"/> names the file in error messages.</summary>
    /// <exception cref="CifarUserException">InvalidInput when the file is not a valid timing.json.</exception>
    public static TimingFile ReadTiming(string json, string source)
    {
        var timing = Parse(json, source, ReportFilesJsonContext.Default.TimingFile);
        ReportFileRanges.Check(timing, source);
        return timing;
    }

    internal static byte[] Bytes<T>(T value, JsonTypeInfo<T> type)
    {
        using var buffer = new MemoryStream();
        JsonSerializer.Serialize(buffer, value, type);
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    private static T Parse<T>(string json, string source, JsonTypeInfo<T> type)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize(json, type)
                ?? throw new CifarUserException(UserErrorKind.InvalidInput, $"{source}: expected a JSON object, found null");
        }
        catch (JsonException e)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, $"{source}: {Describe(e)}", e);
        }
    }

    /// <summary>"'test.accuracy': expected a number, found a string" from the serializer's message and JSON path.</summary>
    private static string Describe(JsonException e)
    {
        var key = e.Path is { Length: > 1 } path ? path.TrimStart('$').TrimStart('.') : "";
        // The serializer's own messages end with " Path: $.x | LineNumber: ..."; the key is said once, in front.
        var message = e.Message;
        var cut = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (cut >= 0) message = message[..cut];
        message = message.TrimEnd('.');
        if (message.StartsWith("JSON deserialization for type", StringComparison.Ordinal)
            && message.IndexOf("missing required properties including: ", StringComparison.Ordinal) is var at and >= 0)
        {
            var missing = message[(at + "missing required properties including: ".Length)..].Replace("'", "", StringComparison.Ordinal);
            return $"missing '{(key.Length == 0 ? "" : key + ".")}{missing}'";
        }
        return key.Length == 0 ? message : $"'{key}': {message}";
    }
}

/// <summary>Source-generated serializers of the report files (no reflection, trimming-safe).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    NewLine = "\n",
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(MetricsFile))]
[JsonSerializable(typeof(TimingFile))]
[JsonSerializable(typeof(DiffFile))]
[JsonSerializable(typeof(ManifestFile))]
[JsonSerializable(typeof(SeedsFile))]
[JsonSerializable(typeof(SweepFile))]
internal sealed partial class ReportFilesJsonContext : JsonSerializerContext;
