using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Cifar.Specs;

/// <summary>
/// Writes a resolved spec tree (extends merged, <c>--set</c> and a sweep cell's values applied) back as YAML: the
/// complete spec a report folder keeps as spec.yaml, which <c>dotnet cifar run</c> and <c>verify</c> read like any
/// other. The text depends only on the tree (no paths, no dates), so every machine writes the same bytes and the same
/// spec hash for a cell.
/// </summary>
internal static class SpecTreeWriter
{
    public static string Write(SpecNode root, string header)
    {
        var text = new StringWriter { NewLine = "\n" };
        foreach (var line in header.Split('\n')) text.Write($"# {line}\n");
        var emitter = new Emitter(text, new EmitterSettings(bestIndent: 2, bestWidth: 120, isCanonical: false, maxSimpleKeyLength: 1024));
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, isImplicit: true));
        WriteNode(emitter, root, depth: 0);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return text.ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    private static void WriteNode(IEmitter emitter, SpecNode node, int depth)
    {
        switch (node)
        {
            case SpecScalar scalar:
                WriteScalar(emitter, scalar);
                break;
            case SpecMapping map:
                emitter.Emit(new MappingStart(AnchorName.Empty, TagName.Empty, isImplicit: true,
                    IsLeaf(map.Entries.Select(e => e.Value), depth) ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in map.Entries)
                {
                    WriteScalar(emitter, key);
                    WriteNode(emitter, value, depth + 1);
                }
                emitter.Emit(new MappingEnd());
                break;
            case SpecSequence list:
                emitter.Emit(new SequenceStart(AnchorName.Empty, TagName.Empty, isImplicit: true,
                    IsLeaf(list.Items, depth) ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in list.Items) WriteNode(emitter, item, depth + 1);
                emitter.Emit(new SequenceEnd());
                break;
            default:
                throw new InvalidOperationException($"Unknown spec node {node.GetType().Name}.");
        }
    }

    /// <summary>Collections of plain values below the sections read best on one line (<c>optimizer: {type: adam,
    /// learning_rate: 0.001}</c>); the top level and its sections stay one key a line.</summary>
    private static bool IsLeaf(IEnumerable<SpecNode> children, int depth) => depth >= 2 && children.All(c => c is SpecScalar);

    /// <summary>A plain scalar stays plain (so 0.001 stays a number, true a boolean, and an empty value null); any
    /// other is double-quoted, which keeps it a string whatever it holds.</summary>
    private static void WriteScalar(IEmitter emitter, SpecScalar scalar)
    {
        var (value, style) = scalar switch
        {
            { IsNull: true } => ("null", ScalarStyle.Plain),
            { IsPlain: true } => (scalar.Value, ScalarStyle.Plain),
            _ => (scalar.Value, ScalarStyle.DoubleQuoted),
        };
        emitter.Emit(new Scalar(AnchorName.Empty, TagName.Empty, value, style, isPlainImplicit: true, isQuotedImplicit: true));
    }
}
