using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Cifar.Running;

/// <summary>
/// Where two versions of a report file first differ, said so a reader can find it: for JSON the key path and both
/// values, for text the line, column and what each side has from there.
/// </summary>
internal static class FirstDifference
{
    /// <summary>Null when the bytes are equal; else one sentence naming the first difference.</summary>
    /// <param name="kept">The file in the verified folder.</param>
    /// <param name="rerun">The same file from the rerun.</param>
    public static string? Of(string fileName, byte[] kept, byte[] rerun)
    {
        if (kept.AsSpan().SequenceEqual(rerun)) return null;
        if (fileName.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && Json(kept, rerun) is { } json) return json;
        return Text(Encoding.UTF8.GetString(kept), Encoding.UTF8.GetString(rerun));
    }

    /// <summary>The first differing value of two JSON documents, depth first in document order; null if either does not parse
    /// or they differ only in formatting (the caller then compares them as text).</summary>
    private static string? Json(byte[] kept, byte[] rerun)
    {
        try
        {
            using var a = JsonDocument.Parse(kept);
            using var b = JsonDocument.Parse(rerun);
            return Compare(a.RootElement, b.RootElement, "");
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? Compare(JsonElement kept, JsonElement rerun, string path)
    {
        if (kept.ValueKind != rerun.ValueKind) return Values(path, kept, rerun);
        switch (kept.ValueKind)
        {
            case JsonValueKind.Object:
                var rerunKeys = rerun.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
                foreach (var property in kept.EnumerateObject())
                {
                    var child = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                    if (!rerun.TryGetProperty(property.Name, out var other)) return $"'{child}' is only in the folder's file";
                    if (Compare(property.Value, other, child) is { } found) return found;
                    rerunKeys.Remove(property.Name);
                }
                return rerunKeys.Count > 0
                    ? $"'{(path.Length == 0 ? "" : path + ".")}{rerunKeys.Order(StringComparer.Ordinal).First()}' is only in the rerun's file"
                    : null;
            case JsonValueKind.Array:
                var keptItems = kept.EnumerateArray().ToList();
                var rerunItems = rerun.EnumerateArray().ToList();
                for (var i = 0; i < Math.Min(keptItems.Count, rerunItems.Count); i++)
                {
                    if (Compare(keptItems[i], rerunItems[i], string.Create(CultureInfo.InvariantCulture, $"{path}[{i}]")) is { } found) return found;
                }
                return keptItems.Count == rerunItems.Count
                    ? null
                    : string.Create(CultureInfo.InvariantCulture, $"'{path}' has {keptItems.Count} items in the folder, {rerunItems.Count} on the rerun");
            default:
                return kept.GetRawText() == rerun.GetRawText() ? null : Values(path, kept, rerun);
        }
    }

    /// <summary>Values as JSON writes them (a string keeps its quotes, a number has none), at most 40 characters.</summary>
    private static string Values(string path, JsonElement kept, JsonElement rerun)
    {
        static string Raw(JsonElement value)
        {
            var raw = value.GetRawText();
            return raw.Length > 40 ? raw[..40] + "..." : raw;
        }
        return $"'{(path.Length == 0 ? "(the whole document)" : path)}' is {Raw(kept)} in the folder, {Raw(rerun)} on the rerun";
    }

    /// <summary>"line 3, column 45: '7' in the folder, '2' on the rerun", with a few characters of each side.</summary>
    internal static string Text(string kept, string rerun)
    {
        var keptLines = kept.Split('\n');
        var rerunLines = rerun.Split('\n');
        for (var i = 0; i < Math.Max(keptLines.Length, rerunLines.Length); i++)
        {
            var a = i < keptLines.Length ? keptLines[i] : null;
            var b = i < rerunLines.Length ? rerunLines[i] : null;
            if (a == b) continue;
            if (a is null) return string.Create(CultureInfo.InvariantCulture, $"line {i + 1}: only in the rerun's file, {Short(b!)}");
            if (b is null) return string.Create(CultureInfo.InvariantCulture, $"line {i + 1}: only in the folder's file, {Short(a)}");
            var column = 0;
            while (column < a.Length && column < b.Length && a[column] == b[column]) column++;
            return string.Create(CultureInfo.InvariantCulture,
                $"line {i + 1}, column {column + 1}: {Short(a[column..])} in the folder, {Short(b[column..])} on the rerun");
        }
        return "the files differ in their bytes only (encoding or line ends)";
    }

    /// <summary>At most 40 characters, quoted; "end of line" for nothing.</summary>
    private static string Short(string text)
    {
        text = text.TrimEnd('\r');
        if (text.Length == 0) return "end of line";
        return "'" + (text.Length > 40 ? text[..40] + "..." : text) + "'";
    }
}
