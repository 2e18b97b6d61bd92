using System.Globalization;

namespace Cifar.Specs;

// `seed` and `seeds` (issue 12 point 3): one run, or one run per seed. Kept apart from the rest of the validator so
// the multi-seed rules have one home.
internal sealed partial class SpecValidator
{
    private const string SeedsExpected = "a list of 2 to 100 different integers >= 0";

    /// <summary>
    /// Reads <c>seed</c> or <c>seeds</c> (exactly one of them). With <c>seeds</c>, the spec's <c>Seed</c> is the first
    /// one (what a single run of the spec would use) and <c>Seeds</c> the whole list.
    /// </summary>
    private (int Seed, IReadOnlyList<int> Seeds) ReadSeeds(SpecMapping top)
    {
        var seedsNode = top["seeds"];
        if (seedsNode is null) return (Int(Required(top, "", "seed", "an integer >= 0 (or `seeds`, a list)"), "seed", 0) ?? 0, []);

        if (top.KeyNode("seed") is { } seedKey)
        {
            Problem(top.KeyNode("seeds")!, string.Create(CultureInfo.InvariantCulture,
                $"`seeds` and `seed` are both set (seed at line {seedKey.Start.Line}, column {seedKey.Start.Column}); expected one of them: `seed` for one run, `seeds` for one run per seed"));
            return (0, []);
        }

        if (seedsNode is not SpecSequence list)
        {
            Problem(seedsNode, $"`seeds` is {seedsNode.Describe()}; expected {SeedsExpected}, e.g. [1, 2, 3]");
            return (0, []);
        }

        if (list.Items.Count is < 2 or > SpecLimits.MaxSeeds)
        {
            Problem(seedsNode, string.Create(CultureInfo.InvariantCulture,
                $"`seeds` has {list.Items.Count} entr{(list.Items.Count == 1 ? "y" : "ies")}; expected {SeedsExpected} (one seed: use `seed`)"));
        }

        var seeds = new List<int>();
        var firstIndex = new Dictionary<int, int>();
        for (var i = 0; i < list.Items.Count; i++)
        {
            var path = string.Create(CultureInfo.InvariantCulture, $"seeds[{i}]");
            if (Int(list.Items[i], path, 0) is not { } seed) continue;
            if (firstIndex.TryGetValue(seed, out var first))
            {
                Problem(list.Items[i], string.Create(CultureInfo.InvariantCulture,
                    $"`{path}` is '{seed}', the same as seeds[{first}]; expected different seeds (a repeated seed repeats its run bit for bit and adds no information)"));
                continue;
            }
            firstIndex.Add(seed, i);
            seeds.Add(seed);
        }
        return (seeds.Count > 0 ? seeds[0] : 0, seeds);
    }

    /// <summary>
    /// The characters from the <c>seed</c> or <c>seeds</c> key to the end of its value (the closing bracket of a
    /// flow list, or the last item of a block list), or null when neither is a plain key with integer values.
    /// </summary>
    private static TextSpan? SeedTextSpan(SpecMapping top, string text)
    {
        var key = top.KeyNode("seeds") ?? top.KeyNode("seed");
        if (key is null) return null;
        var value = top[key.Value];
        var start = Offset(text, key.Start);
        int end;
        switch (value)
        {
            case SpecScalar scalar:
                end = EndOf(text, scalar);
                break;
            case SpecSequence { Items.Count: > 0 } list when list.Items[^1] is SpecScalar last:
                end = EndOf(text, last);
                if (end >= 0 && Offset(text, list.Start) is var open && open >= 0 && open < text.Length && text[open] == '[')
                {
                    var close = text.IndexOf(']', end);
                    end = close < 0 ? -1 : close + 1;
                }
                break;
            default:
                return null;
        }
        return start < 0 || end < start ? null : new TextSpan(start, end - start);
    }

    private static int EndOf(string text, SpecScalar scalar)
    {
        var at = Offset(text, scalar.Start);
        if (at < 0) return -1;
        var found = text.IndexOf(scalar.Value, at, StringComparison.Ordinal);
        return found < 0 ? -1 : found + scalar.Value.Length;
    }

    /// <summary>The character offset of a 1-based line and column (YAML's line breaks: \n, \r\n, \r).</summary>
    private static int Offset(string text, SpecPosition position)
    {
        var line = 1;
        var i = 0;
        while (line < position.Line && i < text.Length)
        {
            if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
            if (text[i] is '\n' or '\r') line++;
            i++;
        }
        var offset = i + position.Column - 1;
        return line == position.Line && offset <= text.Length ? offset : -1;
    }
}
