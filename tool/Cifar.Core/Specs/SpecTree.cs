using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Cifar.Specs;

/// <summary>A 1-based line and column in the spec file.</summary>
internal readonly record struct SpecPosition(int Line, int Column)
{
    /// <summary>Where the node was written when that is not the spec file itself: a base file it <c>extends</c>, or a
    /// <c>--set</c> argument. Null for the spec file.</summary>
    public SpecOrigin? Origin { get; init; }

    public static SpecPosition From(Mark mark) => new(checked((int)mark.Line), checked((int)mark.Column));
}

/// <summary>The text a node came from other than the spec file: a file (named as messages show it, positions are
/// lines and columns in it) or a command-line argument (<c>--set key=value</c>, which messages quote instead).</summary>
internal sealed record SpecOrigin(string Name, bool IsFile);

/// <summary>One problem found in a spec, at the node it concerns.</summary>
internal readonly record struct SpecProblem(SpecPosition Position, string Message)
{
    public string Format(string path) => Position.Origin switch
    {
        { IsFile: false } argument => $"{argument.Name}: {Message}",
        var origin => string.Create(CultureInfo.InvariantCulture,
            $"{origin?.Name ?? path}:{Position.Line}:{Position.Column}: {Message}"),
    };
}

/// <summary>A YAML node with the position it starts at. Our own tree (not YamlDotNet's RepresentationModel) so that
/// duplicate keys are reported rather than thrown or silently merged, and every node keeps its mark.</summary>
internal abstract class SpecNode(SpecPosition start)
{
    public SpecPosition Start { get; } = start;

    /// <summary>How the node reads in a message: the quoted value of a scalar, "a mapping", "a list".</summary>
    public abstract string Describe();
}

internal sealed class SpecScalar(SpecPosition start, string value, bool isPlain) : SpecNode(start)
{
    public string Value { get; } = value;

    /// <summary>Unquoted and untagged: YAML's core schema may read it as a number, boolean or null.</summary>
    public bool IsPlain { get; } = isPlain;

    /// <summary>YAML 1.2 core schema null: an empty value, <c>~</c> or <c>null</c>.</summary>
    public bool IsNull => IsPlain && Value is "" or "~" or "null" or "Null" or "NULL";

    public override string Describe() => IsNull ? "empty" : $"'{Value}'";
}

internal sealed class SpecMapping(SpecPosition start, IReadOnlyList<KeyValuePair<SpecScalar, SpecNode>> entries)
    : SpecNode(start)
{
    /// <summary>The entries in file order; keys are unique (a duplicate is a problem and is dropped).</summary>
    public IReadOnlyList<KeyValuePair<SpecScalar, SpecNode>> Entries { get; } = entries;

    public SpecNode? this[string key] => Entries.FirstOrDefault(e => e.Key.Value == key).Value;

    public SpecScalar? KeyNode(string key) => Entries.FirstOrDefault(e => e.Key.Value == key).Key;

    public override string Describe() => "a mapping";
}

internal sealed class SpecSequence(SpecPosition start, IReadOnlyList<SpecNode> items) : SpecNode(start)
{
    public IReadOnlyList<SpecNode> Items { get; } = items;

    public override string Describe() => "a list";
}

/// <summary>Builds a <see cref="SpecNode"/> tree from YamlDotNet's parser events.</summary>
internal static class SpecTreeReader
{
    // Deep enough for any spec; stops a hostile "[[[[..." from overflowing the stack of this recursive reader.
    private const int MaxDepth = 64;

    /// <summary>
    /// Parses the single YAML document of <paramref name="text"/>. Returns null when the text cannot give a tree (bad
    /// syntax, no document, several documents), with the reason in <paramref name="problems"/>; otherwise the root,
    /// with any duplicate keys or dangling aliases also reported there.
    /// </summary>
    /// <param name="origin">Stamped on every position read, for text that is not the spec file itself.</param>
    public static SpecNode? Read(string text, List<SpecProblem> problems, SpecOrigin? origin = null)
    {
        SpecPosition At(Mark mark) => SpecPosition.From(mark) with { Origin = origin };

        // Events are read up front: a syntax error anywhere makes the whole file one problem, as the parser cannot
        // say where the next one would be.
        var events = new List<ParsingEvent>();
        var scanner = new Scanner(new StringReader(text));
        try
        {
            // Nesting is bounded while parsing, not after: YamlDotNet slows down with depth (a 100,000-deep "[[[..."
            // took over a minute), so a hostile spec is refused at its 65th level, in microseconds.
            var parser = new Parser(scanner);
            var depth = 0;
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                depth += current.NestingIncrease;
                // Levels count from the stream and the document: the root collection is at 3, ReadNode's depth 0.
                if (depth - 3 > MaxDepth)
                {
                    problems.Add(new(At(current.Start), $"the spec nests deeper than {MaxDepth} levels; expected a spec"));
                    return null;
                }

                events.Add(current);
            }
        }
        catch (YamlException e)
        {
            problems.Add(new(At(e.Start), "invalid YAML: " + e.Message));
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way, not with a YamlException, on some unclosed flow collections such as
            // "x: [a, b" followed by another key (aaubry/YamlDotNet#541). Its position is where it gave up.
            problems.Add(new(At(scanner.CurrentPosition),
                "invalid YAML: the text cannot be parsed from here on; expected every '{' and '[' above to be closed"));
            return null;
        }

        // A well-formed stream: StreamStart, then per document DocumentStart, one node, DocumentEnd; then StreamEnd.
        var documents = events.OfType<DocumentStart>().ToList();
        if (documents.Count == 0)
        {
            problems.Add(new(new(1, 1) { Origin = origin }, "the file is empty; expected a spec with name, seed, data, model and training"));
            return null;
        }

        if (documents.Count > 1)
        {
            problems.Add(new(At(documents[1].Start),
                "a second YAML document starts here; expected one spec per file"));
            return null;
        }

        var reader = new EventReader(events, problems, origin);
        try
        {
            return reader.ReadNode(events.IndexOf(documents[0]) + 1, "", 0, out _);
        }
        catch (NestingTooDeepException e)
        {
            problems.Add(new(e.Position, $"the spec nests deeper than {MaxDepth} levels; expected a spec"));
            return null;
        }
    }

    internal static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    private static string Display(string path) => path.Length == 0 ? "(top level)" : path;

    private sealed class NestingTooDeepException(SpecPosition position) : Exception
    {
        public SpecPosition Position { get; } = position;
    }

    private sealed class EventReader(List<ParsingEvent> events, List<SpecProblem> problems, SpecOrigin? origin)
    {
        private readonly Dictionary<string, SpecNode> _anchors = new(StringComparer.Ordinal);

        /// <summary>Reads the node starting at event <paramref name="index"/>; <paramref name="next"/> is the event
        /// after it.</summary>
        public SpecNode ReadNode(int index, string path, int depth, out int next)
        {
            var current = events[index];
            var start = SpecPosition.From(current.Start) with { Origin = origin };
            if (depth > MaxDepth) throw new NestingTooDeepException(start);

            next = index + 1;
            SpecNode node;
            switch (current)
            {
                case AnchorAlias alias:
                    if (_anchors.TryGetValue(alias.Value.Value, out var target)) return target;
                    problems.Add(new(start,
                        $"`{Display(path)}` refers to anchor '{alias.Value.Value}', which is not defined before it; expected an anchor defined earlier"));
                    return new SpecScalar(start, "", isPlain: true);
                case Scalar scalar:
                    node = new SpecScalar(start, scalar.Value, IsPlainScalar(scalar, path, start));
                    break;
                case SequenceStart:
                    var items = new List<SpecNode>();
                    while (events[next] is not SequenceEnd)
                    {
                        var itemPath = path + "[" + items.Count.ToString(CultureInfo.InvariantCulture) + "]";
                        items.Add(ReadNode(next, itemPath, depth + 1, out next));
                    }

                    next++;
                    node = new SpecSequence(start, items);
                    break;
                case MappingStart:
                    node = ReadMapping(start, path, depth, ref next);
                    break;
                default:
                    throw new InvalidOperationException($"Unexpected YAML event {current.GetType().Name} at {start}.");
            }

            if (current is NodeEvent { Anchor.IsEmpty: false } anchored) _anchors[anchored.Anchor.Value] = node;
            return node;
        }

        /// <summary>
        /// Whether a scalar is read as YAML's core schema reads an untagged plain one (a number, boolean or null).
        /// The core schema's own tags say what they say: <c>!!int 42</c>, <c>!!float</c>, <c>!!bool</c> and
        /// <c>!!null</c> are read like plain values (and still checked as such), <c>!!str 42</c> and <c>! 42</c> are
        /// strings. Any other tag (<c>!custom</c>, <c>!!binary</c>) means a type this spec has no use for: a problem.
        /// </summary>
        private bool IsPlainScalar(Scalar scalar, string path, SpecPosition start)
        {
            if (scalar.Tag.IsEmpty) return scalar.IsPlainImplicit;
            switch (scalar.Tag.Value)
            {
                case CoreTag + "int" or CoreTag + "float" or CoreTag + "bool" or CoreTag + "null":
                    return true;
                case CoreTag + "str" or "!":
                    return false;
                default:
                    var shown = scalar.Tag.Value.StartsWith(CoreTag, StringComparison.Ordinal) ? "!!" + scalar.Tag.Value[CoreTag.Length..] : scalar.Tag.Value;
                    problems.Add(new(start,
                        $"`{Display(path)}` has the tag '{shown}'; expected no tag, or one of !!str, !!int, !!float, !!bool, !!null"));
                    return true; // read as written, so the tag is the one problem reported

            }
        }

        private const string CoreTag = "tag:yaml.org,2002:";

        private SpecMapping ReadMapping(SpecPosition start, string path, int depth, ref int next)
        {
            var entries = new List<KeyValuePair<SpecScalar, SpecNode>>();
            var seen = new Dictionary<string, SpecScalar>(StringComparer.Ordinal);
            while (events[next] is not MappingEnd)
            {
                var keyNode = ReadNode(next, path, depth + 1, out next);
                var key = keyNode as SpecScalar;
                var keyPath = key is null ? path : Join(path, key.Value);
                var value = ReadNode(next, keyPath, depth + 1, out next);
                if (key is null)
                {
                    problems.Add(new(keyNode.Start,
                        $"`{Display(path)}` has a key that is {keyNode.Describe()}; expected a plain name"));
                }
                else if (seen.TryGetValue(key.Value, out var first))
                {
                    problems.Add(new(key.Start, string.Create(CultureInfo.InvariantCulture,
                        $"`{keyPath}` is set twice (first at line {first.Start.Line}, column {first.Start.Column}); expected each key once")));
                }
                else
                {
                    seen.Add(key.Value, key);
                    entries.Add(new(key, value));
                }
            }

            next++;
            return new SpecMapping(start, entries);
        }
    }
}
