using System.Globalization;

namespace Cifar.Specs;

/// <summary>One swept value as written: the dotted key, its value node, and where the key was written (for keys
/// that turn out unknown).</summary>
internal sealed record SweptValue(string Key, SpecScalar Value, SpecPosition KeyPosition)
{
    public SweepValue Meaning { get; } = SweepValue.Of(Value);
}

/// <summary>The cells a <c>sweep:</c> section describes, before each becomes a spec.</summary>
internal sealed record SweepDraft(IReadOnlyList<string> Keys, IReadOnlyList<IReadOnlyList<SweptValue>> Cells);

/// <summary>
/// Reads a spec's <c>sweep:</c> section: <c>grid</c> (dotted keys to lists of values; every combination is a cell, the
/// last key varying fastest), then <c>exclude</c> (drops the cells that match every key=value of an entry), then
/// <c>include</c> (adds one cell per entry, after the grid's). The semantics are a subset of GitHub Actions' matrix
/// and Hydra's sweeper, kept to what gives each cell a clear name: an include entry is a cell of its own, never merged
/// into grid cells.
/// </summary>
internal static class SweepGrid
{
    public const string SweepKey = "sweep";

    public static readonly string[] SweepKeys = ["grid", "include", "exclude"];

    /// <summary>More cells than this is a mistake (a grid of ten lists of ten values has ten billion), not a sweep.</summary>
    public const int MaxCells = 10_000;

    /// <summary>Keys a sweep cannot vary: the name is the cell's, and the other two are resolved before the grid.</summary>
    private static readonly string[] Fixed = ["name", SweepKey, SpecComposition.ExtendsKey];

    public static SweepDraft? Read(SpecNode section, List<SpecProblem> problems)
    {
        if (section is not SpecMapping map)
        {
            problems.Add(new(section.Start, $"`sweep` is {section.Describe()}; expected a mapping with `grid` (dotted keys to lists of values)"));
            return null;
        }

        foreach (var key in map.Entries.Select(e => e.Key).Where(k => !SweepKeys.Contains(k.Value)))
        {
            problems.Add(new(key.Start, $"`sweep.{key.Value}` is an unknown key; expected one of {string.Join(", ", SweepKeys)}.{Suggestions.DidYouMean(key.Value, SweepKeys)}"));
        }

        var before = problems.Count;
        if (map["grid"] is not SpecMapping grid || grid.Entries.Count == 0)
        {
            problems.Add(new((map["grid"] ?? map).Start, map["grid"] is { } bad
                ? $"`sweep.grid` is {bad.Describe()}; expected a mapping of dotted spec keys to lists of values"
                : "`sweep` has no `grid`; expected `grid:` mapping dotted spec keys to lists of values, e.g. training.optimizer.learning_rate: [0.001, 0.01]"));
            return null;
        }

        var axes = new List<(SpecScalar Key, IReadOnlyList<SpecScalar> Values)>();
        foreach (var (key, value) in grid.Entries)
        {
            if (!CheckKey(key, "sweep.grid", problems)) continue;
            if (value is not SpecSequence { Items.Count: > 0 } list)
            {
                problems.Add(new(value.Start, $"`sweep.grid.{key.Value}` is {value.Describe()}; expected a list of one or more values, e.g. [0.001, 0.01]"));
                continue;
            }

            var values = new List<SpecScalar>();
            foreach (var item in list.Items)
            {
                if (item is not SpecScalar scalar)
                {
                    problems.Add(new(item.Start, $"`sweep.grid.{key.Value}` has a value that is {item.Describe()}; expected single values (numbers, names, true/false)"));
                }
                else if (values.FirstOrDefault(v => SweepValue.Of(v).SameAs(SweepValue.Of(scalar))) is { } twice)
                {
                    problems.Add(new(item.Start, string.Create(CultureInfo.InvariantCulture,
                        $"`sweep.grid.{key.Value}` lists {scalar.Describe()} twice (first at line {twice.Start.Line}, column {twice.Start.Column}); expected each value once")));
                }
                else
                {
                    values.Add(scalar);
                }
            }
            axes.Add((key, values));
        }

        var keys = axes.Select(a => a.Key.Value).ToList();
        long count = axes.Aggregate(1L, (n, a) => Math.Min(n * Math.Max(a.Values.Count, 1), long.MaxValue / 1024));
        if (count > MaxCells)
        {
            problems.Add(new(grid.Start, string.Create(CultureInfo.InvariantCulture,
                $"`sweep.grid` makes {count} cells; expected at most {MaxCells} (each cell is a training run)")));
        }
        if (problems.Count > before) return null;

        var cells = Product(axes).ToList();
        Exclude(map["exclude"], keys, cells, problems);
        Include(map["include"], keys, cells, problems);
        return problems.Count > before ? null : new SweepDraft(keys, cells);
    }

    private static IEnumerable<IReadOnlyList<SweptValue>> Product(List<(SpecScalar Key, IReadOnlyList<SpecScalar> Values)> axes)
    {
        IEnumerable<IReadOnlyList<SweptValue>> cells = [[]];
        foreach (var (key, values) in axes)
        {
            var previous = cells;
            cells = previous.SelectMany(cell => values.Select(v => (IReadOnlyList<SweptValue>)[.. cell, new SweptValue(key.Value, v, key.Start)]));
        }
        return cells;
    }

    private static void Exclude(SpecNode? node, List<string> keys, List<IReadOnlyList<SweptValue>> cells, List<SpecProblem> problems)
    {
        foreach (var (index, entry) in Entries(node, "exclude", problems))
        {
            var where = $"sweep.exclude[{index.ToString(CultureInfo.InvariantCulture)}]";
            var pairs = Pairs(entry, where, problems, key =>
            {
                if (keys.Contains(key.Value)) return true;
                problems.Add(new(key.Start, $"`{where}` names `{key.Value}`, which is not a grid key; expected one of {string.Join(", ", keys)}.{Suggestions.DidYouMean(key.Value, keys)}"));
                return false;
            });
            if (pairs is null) continue;
            var removed = cells.RemoveAll(cell => pairs.All(p => cell.Any(v => v.Key == p.Key && v.Meaning.SameAs(p.Meaning))));
            if (removed == 0)
                problems.Add(new(entry.Start, $"`{where}` matches no cell of the grid; expected values the grid lists"));
        }
    }

    private static void Include(SpecNode? node, List<string> keys, List<IReadOnlyList<SweptValue>> cells, List<SpecProblem> problems)
    {
        foreach (var (index, entry) in Entries(node, "include", problems))
        {
            var where = $"sweep.include[{index.ToString(CultureInfo.InvariantCulture)}]";
            var pairs = Pairs(entry, where, problems, key => CheckKey(key, where, problems));
            if (pairs is null) continue;
            if (cells.Any(cell => cell.Count == pairs.Count && pairs.All(p => cell.Any(v => v.Key == p.Key && v.Meaning.SameAs(p.Meaning)))))
            {
                problems.Add(new(entry.Start, $"`{where}` is already a cell of the grid; expected a cell the grid does not have"));
                continue;
            }

            foreach (var pair in pairs.Where(p => !keys.Contains(p.Key))) keys.Add(pair.Key);
            // In the sweep's key order, so the name reads like the grid's cells.
            cells.Add([.. pairs.OrderBy(p => keys.IndexOf(p.Key))]);
        }
    }

    private static IEnumerable<(int Index, SpecMapping Entry)> Entries(SpecNode? node, string name, List<SpecProblem> problems)
    {
        if (node is null) yield break;
        if (node is not SpecSequence list)
        {
            problems.Add(new(node.Start, $"`sweep.{name}` is {node.Describe()}; expected a list of cells, each a mapping of dotted keys to values"));
            yield break;
        }

        for (var i = 0; i < list.Items.Count; i++)
        {
            if (list.Items[i] is SpecMapping { Entries.Count: > 0 } entry) yield return (i, entry);
            else problems.Add(new(list.Items[i].Start, $"`sweep.{name}[{i.ToString(CultureInfo.InvariantCulture)}]` is {list.Items[i].Describe()}; expected a mapping of dotted keys to values"));
        }
    }

    private static List<SweptValue>? Pairs(SpecMapping entry, string where, List<SpecProblem> problems, Func<SpecScalar, bool> keyIsValid)
    {
        var pairs = new List<SweptValue>();
        var valid = true;
        foreach (var (key, value) in entry.Entries)
        {
            if (!keyIsValid(key))
            {
                valid = false;
            }
            else if (value is not SpecScalar scalar)
            {
                problems.Add(new(value.Start, $"`{where}.{key.Value}` is {value.Describe()}; expected a single value"));
                valid = false;
            }
            else
            {
                pairs.Add(new SweptValue(key.Value, scalar, key.Start));
            }
        }
        return valid ? pairs : null;
    }

    private static bool CheckKey(SpecScalar key, string where, List<SpecProblem> problems)
    {
        if (!SpecComposition.DottedKeyPattern().IsMatch(key.Value))
        {
            problems.Add(new(key.Start, $"`{where}` has the key '{key.Value}'; expected a dotted spec key such as training.optimizer.learning_rate"));
            return false;
        }

        if (Fixed.Contains(key.Value.Split('.')[0]))
        {
            problems.Add(new(key.Start, $"`{where}` varies `{key.Value}`; expected any spec key but name, sweep and extends (each cell is named by its values)"));
            return false;
        }
        return true;
    }
}
