using System.Text;
using System.Text.RegularExpressions;

namespace Cifar.Specs;

/// <summary>
/// The one rule for naming a sweep's cells (contract with the sweep report: <c>&lt;output&gt;/&lt;sweep&gt;/&lt;cell&gt;/</c>).
/// A cell is named by its values, <c>key=value</c> pairs joined by ',' in the sweep's key order, each key shortened
/// to its last dotted segment when no other swept key ends the same way, e.g.
/// <c>learning_rate=0.001,batch_size=64</c>. Values are written as in the spec (YAML numbers are invariant already);
/// any character outside <c>[A-Za-z0-9._=,+-]</c> becomes '_', so the name is a valid folder name on Linux, macOS and
/// Windows and needs no quoting in a shell.
/// </summary>
public static partial class SweepCellNames
{
    /// <summary>The cell name for <paramref name="values"/>, given all the sweep's <paramref name="keys"/> (which
    /// decide how far each key can be shortened).</summary>
    public static string For(IReadOnlyList<string> keys, IEnumerable<KeyValuePair<string, string>> values)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(values);
        var name = string.Join(',', values.Select(v => ShortKey(v.Key, keys) + "=" + v.Value));
        var safe = new StringBuilder(name.Length);
        foreach (var c in name) safe.Append(IsSafe(c) ? c : '_');
        // Windows drops a trailing dot from a folder name (a value "1." would lose it, and two cells could collide).
        if (safe.Length > 0 && safe[^1] == '.') safe[^1] = '_';
        return safe.ToString();
    }

    /// <summary>The last segment of <paramref name="key"/> when no other key of <paramref name="keys"/> has the same
    /// last segment, otherwise the whole dotted key.</summary>
    public static string ShortKey(string key, IReadOnlyList<string> keys)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(keys);
        var last = LastSegment(key);
        return keys.Count(k => LastSegment(k) == last) <= 1 ? last : key;
    }

    /// <summary>Whether <paramref name="name"/> is a cell's spec name, <c>sweep/cell</c>: what a cell's spec.yaml
    /// holds as its <c>name</c>, so rerunning it writes into the same folder.</summary>
    public static bool IsCellSpecName(string name) => CellSpecName().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9._-]+/[A-Za-z0-9._=,+-]*=[A-Za-z0-9._=,+-]*$")]
    private static partial Regex CellSpecName();

    private static string LastSegment(string key) => key[(key.LastIndexOf('.') + 1)..];

    private static bool IsSafe(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '=' or ',' or '+' or '-';
}
