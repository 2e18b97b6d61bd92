using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Cifar.Reports.Files;

/// <summary>How one flat spec key changed.</summary>
public enum SpecChangeKind { Changed, Added, Removed }

/// <summary>One key-level spec change: <c>training.optimizer.learning_rate: 0.001 → 0.0005</c>.</summary>
/// <param name="Key">Dotted path; sequence items are indexed: <c>model.layers[2].filters</c>.</param>
/// <param name="Base">The base's value as written in the YAML; null when the key was added.</param>
/// <param name="Head">The head's value as written in the YAML; null when the key was removed.</param>
public sealed record SpecChange(string Key, SpecChangeKind Kind, string? Base, string? Head);

/// <summary>Flattens a spec's YAML into dotted keys and diffs two specs key by key.</summary>
public static class SpecKeys
{
    /// <summary>
    /// Every scalar of the YAML as (dotted key, value as written), in document order. An empty mapping or sequence is
    /// kept as <c>{}</c> or <c>[]</c> so removing the last item still shows up.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Flatten(string yaml, string source = "spec.yaml")
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                string.Create(CultureInfo.InvariantCulture,
                    $"{source}:{e.Start.Line}:{e.Start.Column}: not valid YAML ({OneLine(e.Message)})"), e);
        }
        var keys = new List<KeyValuePair<string, string>>();
        if (stream.Documents.Count > 0)
        {
            Walk(stream.Documents[0].RootNode, "", keys);
        }
        return keys;
    }

    /// <summary>
    /// Key-level changes from <paramref name="baseYaml"/> to <paramref name="headYaml"/>: changed and added keys in the
    /// head's document order, then removed keys in the base's order. Numbers that are equal (0.001 and 1e-3) are equal.
    /// </summary>
    public static IReadOnlyList<SpecChange> Diff(string baseYaml, string headYaml, string baseSource = "base spec.yaml",
        string headSource = "head spec.yaml")
    {
        var before = Flatten(baseYaml, baseSource);
        var after = Flatten(headYaml, headSource);
        var beforeByKey = before.GroupBy(p => p.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().Value, StringComparer.Ordinal);
        var afterKeys = after.Select(p => p.Key).ToHashSet(StringComparer.Ordinal);
        var changes = new List<SpecChange>();
        foreach (var (key, value) in after)
        {
            if (!beforeByKey.TryGetValue(key, out var old))
            {
                changes.Add(new SpecChange(key, SpecChangeKind.Added, null, value));
            }
            else if (!SameValue(old, value))
            {
                changes.Add(new SpecChange(key, SpecChangeKind.Changed, old, value));
            }
        }
        changes.AddRange(before.Where(p => !afterKeys.Contains(p.Key))
            .Select(p => new SpecChange(p.Key, SpecChangeKind.Removed, p.Value, null)));
        return changes;
    }

    /// <summary>The value of one dotted key, or null.</summary>
    public static string? Get(IReadOnlyList<KeyValuePair<string, string>> flat, string key) =>
        flat.FirstOrDefault(p => p.Key == key).Value;

    private static bool SameValue(string a, string b) =>
        a == b
        || (double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
            && double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var y)
            && x.Equals(y));

    private static void Walk(YamlNode node, string path, List<KeyValuePair<string, string>> keys)
    {
        switch (node)
        {
            case YamlMappingNode mapping when mapping.Children.Count == 0:
                keys.Add(new(path, "{}"));
                break;
            case YamlMappingNode mapping:
                foreach (var (key, value) in mapping.Children)
                {
                    var name = key is YamlScalarNode scalar ? scalar.Value ?? "" : key.ToString();
                    Walk(value, path.Length == 0 ? name : path + "." + name, keys);
                }
                break;
            case YamlSequenceNode sequence when sequence.Children.Count == 0:
                keys.Add(new(path, "[]"));
                break;
            case YamlSequenceNode sequence:
                for (var i = 0; i < sequence.Children.Count; i++)
                {
                    Walk(sequence.Children[i], path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]", keys);
                }
                break;
            case YamlScalarNode scalar:
                keys.Add(new(path, scalar.Value is null or "" or "~" && scalar.Style == ScalarStyle.Plain ? "null" : scalar.Value ?? ""));
                break;
            default:
                keys.Add(new(path, node.ToString()));
                break;
        }
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
