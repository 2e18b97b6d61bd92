using System.Text.RegularExpressions;

namespace Cifar.Specs;

/// <summary>
/// What makes one spec tree out of several texts before validation: <c>extends</c> (a base spec file, merged key by
/// key) and <c>--set key=value</c> overrides. Every node keeps the position it was written at, with its
/// <see cref="SpecOrigin"/>, so a problem found later points at the base file or the <c>--set</c> argument it came from.
/// </summary>
internal static partial class SpecComposition
{
    public const string ExtendsKey = "extends";

    /// <summary>A dotted key: spec key names (letters, digits, '_') joined by '.'.</summary>
    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]
    public static partial Regex DottedKeyPattern();

    /// <summary>
    /// The spec read from <paramref name="root"/> (the tree of <paramref name="path"/>) with its bases merged in and
    /// <paramref name="overrides"/> applied, and whether anything changed it (false: the file's own text is the spec).
    /// Problems are added to <paramref name="problems"/>.
    /// </summary>
    public static (SpecNode Tree, bool Changed) Resolve(
        SpecNode root, string path, IReadOnlyList<string> overrides, List<SpecProblem> problems)
    {
        var chain = new List<string> { FullPath(path) };
        var tree = ResolveExtends(root, path, chain, problems, out var extended);
        foreach (var assignment in overrides) tree = ApplySet(tree, assignment, problems);
        return (tree, extended || overrides.Count > 0);
    }

    // ---- extends

    private static SpecNode ResolveExtends(SpecNode root, string path, List<string> chain, List<SpecProblem> problems, out bool extended)
    {
        extended = false;
        if (root is not SpecMapping top || top.KeyNode(ExtendsKey) is null) return root;
        extended = true;
        var child = Without(top, ExtendsKey);
        var value = top[ExtendsKey]!;
        if (value is not SpecScalar { IsNull: false } scalar || scalar.Value.Trim().Length == 0)
        {
            problems.Add(new(value.Start, $"`extends` is {value.Describe()}; expected the path of a base spec file, relative to this one"));
            return child;
        }

        var basePath = Path.Combine(Path.GetDirectoryName(path) ?? "", scalar.Value);
        var baseFull = FullPath(basePath);
        if (chain.Contains(baseFull, StringComparer.Ordinal))
        {
            var loop = string.Join(" -> ", chain.Append(baseFull).Select(p => Path.GetFileName(p)));
            problems.Add(new(scalar.Start, $"`extends` is '{scalar.Value}', which leads back to a file already in the chain ({loop}); expected no cycle"));
            return child;
        }

        string? text;
        try
        {
            text = SpecLoader.ReadBounded(basePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            problems.Add(new(scalar.Start, $"`extends` is '{scalar.Value}', which cannot be read ({e.Message}); expected a spec file, relative to this one"));
            return child;
        }

        if (text is null)
        {
            problems.Add(new(scalar.Start, $"`extends` is '{scalar.Value}', which is larger than a spec can be; expected a spec file"));
            return child;
        }

        var baseRoot = SpecTreeReader.Read(text, problems, new SpecOrigin(basePath, IsFile: true));
        if (baseRoot is null) return child;
        if (baseRoot is not SpecMapping)
        {
            problems.Add(new(baseRoot.Start, $"the base spec's top level is {baseRoot.Describe()}; expected a mapping of spec keys"));
            return child;
        }

        chain.Add(baseFull);
        var resolvedBase = ResolveExtends(baseRoot, basePath, chain, problems, out _);
        chain.RemoveAt(chain.Count - 1);
        return Merge(resolvedBase, child);
    }

    /// <summary>The child's value wins; two mappings merge key by key (the base's order, then the child's new
    /// keys), so a child changes one optimizer setting without repeating the others. A list replaces the base's list.</summary>
    internal static SpecNode Merge(SpecNode baseNode, SpecNode child)
    {
        if (baseNode is not SpecMapping baseMap || child is not SpecMapping childMap) return child;
        var entries = new List<KeyValuePair<SpecScalar, SpecNode>>();
        foreach (var (key, value) in baseMap.Entries)
        {
            var overriding = childMap.KeyNode(key.Value);
            entries.Add(overriding is null ? new(key, value) : new(overriding, Merge(value, childMap[key.Value]!)));
        }

        entries.AddRange(childMap.Entries.Where(e => baseMap.KeyNode(e.Key.Value) is null));
        return new SpecMapping(childMap.Start, entries);
    }

    // ---- --set

    private static SpecNode ApplySet(SpecNode tree, string assignment, List<SpecProblem> problems)
    {
        var origin = new SpecOrigin("--set " + assignment, IsFile: false);
        var at = new SpecPosition(0, 0) { Origin = origin };
        var equals = assignment.IndexOf('=', StringComparison.Ordinal);
        var key = equals < 0 ? assignment : assignment[..equals];
        if (equals < 0 || !DottedKeyPattern().IsMatch(key))
        {
            problems.Add(new(at, "expected key=value with a dotted spec key, e.g. --set training.optimizer.learning_rate=0.01"));
            return tree;
        }

        var valueText = assignment[(equals + 1)..];
        SpecNode? value = valueText.Trim().Length == 0
            ? new SpecScalar(at, "", isPlain: true)
            : SpecTreeReader.Read(valueText, problems, origin);
        if (value is null) return tree;
        if (key is ExtendsKey or "sweep.grid" || key.StartsWith("extends.", StringComparison.Ordinal))
        {
            problems.Add(new(at, $"`{key}` cannot be set from the command line; expected a spec key"));
            return tree;
        }

        return SetPath(tree, key, value, at, problems);
    }

    /// <summary>
    /// The tree with the value at the dotted <paramref name="key"/> replaced by <paramref name="value"/> (missing
    /// mappings on the way are created at <paramref name="keyPosition"/>). A path through a list or scalar is a problem
    /// and leaves the tree as it was.
    /// </summary>
    internal static SpecNode SetPath(SpecNode tree, string key, SpecNode value, SpecPosition keyPosition, List<SpecProblem> problems)
    {
        var segments = key.Split('.');
        return Set(tree, 0) ?? tree;

        SpecNode? Set(SpecNode node, int depth)
        {
            if (node is not SpecMapping map)
            {
                var through = string.Join('.', segments.Take(depth));
                problems.Add(new(keyPosition, $"`{through}` is {node.Describe()}; expected a mapping to set `{key}` in"));
                return null;
            }

            var name = segments[depth];
            var existing = map[name];
            SpecNode? replacement = depth == segments.Length - 1
                ? value
                : Set(existing ?? new SpecMapping(keyPosition, []), depth + 1);
            if (replacement is null) return null;
            var keyNode = map.KeyNode(name) ?? new SpecScalar(keyPosition, name, isPlain: true);
            var entries = map.Entries.Select(e => e.Key.Value == name ? new(keyNode, replacement) : e).ToList();
            if (existing is null) entries.Add(new(keyNode, replacement));
            return new SpecMapping(map.Start, entries);
        }
    }

    internal static SpecMapping Without(SpecMapping map, string key) =>
        new(map.Start, map.Entries.Where(e => e.Key.Value != key).ToList());

    private static string FullPath(string path)
    {
        try
        {
            return Path.GetFullPath(path);
        }
        catch (ArgumentException)
        {
            return path;
        }
    }
}
