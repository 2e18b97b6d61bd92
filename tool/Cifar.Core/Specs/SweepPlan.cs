using System.Globalization;
using System.Text.Json;

namespace Cifar.Specs;

/// <summary>
/// A validated sweep: the spec's <c>sweep:</c> expanded into cells, each a complete spec of its own (docs/spec-reference.md,
/// "sweep"). Cell indices are 0 to n - 1 in grid order (the last key varies fastest), excluded cells dropped, included
/// cells appended; the same spec always gives the same cells in the same order.
/// </summary>
/// <param name="Name">The spec's <c>name</c>: the sweep's folder under the output folder.</param>
/// <param name="Keys">The swept dotted keys: the grid's, in its order, then any that only <c>include</c> sets.</param>
public sealed record SweepPlan(string Name, IReadOnlyList<string> Keys, IReadOnlyList<SweepCell> Cells);

/// <summary>One cell of a sweep.</summary>
/// <param name="Index">Its place in the sweep, from 0: what <c>--cell</c>, a Slurm array task or a Kubernetes
/// completion index names.</param>
/// <param name="Name">Its folder name under the sweep's folder (<see cref="SweepCellNames.For"/>).</param>
/// <param name="Values">The value of each swept key it sets, in <see cref="SweepPlan.Keys"/> order (an included cell
/// may set fewer keys).</param>
/// <param name="Spec">The complete spec, named <c>sweep/cell</c>; its source text is the resolved YAML.</param>
public sealed record SweepCell(int Index, string Name, IReadOnlyList<KeyValuePair<string, SweepValue>> Values, ExperimentSpec Spec);

/// <summary>How a swept value reads in YAML's core schema.</summary>
public enum SweepValueKind
{
    /// <summary>Anything quoted, or plain text that is not one of the others.</summary>
    Text,
    WholeNumber,
    RealNumber,
    TrueOrFalse,
    Null,
}

/// <summary>A swept value: its text as written, and what it means.</summary>
public sealed partial record SweepValue(SweepValueKind Kind, string Text)
{
    /// <summary>The value as JSON (numbers as numbers, booleans as booleans), as sweep.json holds it.</summary>
    public JsonElement ToJson() => Kind switch
    {
        SweepValueKind.WholeNumber => JsonSerializer.SerializeToElement(
            long.Parse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture), SweepJsonContext.Default.Int64),
        SweepValueKind.RealNumber => JsonSerializer.SerializeToElement(
            double.Parse(Text, NumberStyles.Float, CultureInfo.InvariantCulture), SweepJsonContext.Default.Double),
        SweepValueKind.TrueOrFalse => JsonSerializer.SerializeToElement(Text is "true" or "True" or "TRUE", SweepJsonContext.Default.Boolean),
        SweepValueKind.Null => JsonNull(),
        _ => JsonSerializer.SerializeToElement(Text, SweepJsonContext.Default.String),
    };

    private static JsonElement JsonNull()
    {
        using var document = JsonDocument.Parse("null");
        return document.RootElement.Clone();
    }

    /// <summary>Whether two values mean the same (0.10 and 0.1 do), for <c>exclude</c> and duplicate cells.</summary>
    public bool SameAs(SweepValue other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return (Kind, other.Kind) switch
        {
            (SweepValueKind.WholeNumber or SweepValueKind.RealNumber, SweepValueKind.WholeNumber or SweepValueKind.RealNumber) =>
                double.Parse(Text, NumberStyles.Float, CultureInfo.InvariantCulture) == double.Parse(other.Text, NumberStyles.Float, CultureInfo.InvariantCulture),
            (SweepValueKind.TrueOrFalse, SweepValueKind.TrueOrFalse) => string.Equals(Text, other.Text, StringComparison.OrdinalIgnoreCase),
            _ => Kind == other.Kind && Text == other.Text,
        };
    }

    /// <summary>The value of a YAML scalar as written: plain text that YAML 1.2's core schema reads as a number,
    /// boolean or null is one; anything quoted is a string.</summary>
    internal static SweepValue Of(SpecScalar scalar)
    {
        if (scalar.IsNull) return new(SweepValueKind.Null, "null");
        var text = scalar.Value;
        if (!scalar.IsPlain) return new(SweepValueKind.Text, text);
        if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE") return new(SweepValueKind.TrueOrFalse, text);
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)) return new(SweepValueKind.WholeNumber, text);
        // Finite decimal floats only: .inf and .nan have no JSON number, and make no sense as a swept setting.
        if (FloatPattern().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
            && double.IsFinite(number))
        {
            return new(SweepValueKind.RealNumber, text);
        }
        return new(SweepValueKind.Text, text);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial System.Text.RegularExpressions.Regex FloatPattern();
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
[System.Text.Json.Serialization.JsonSerializable(typeof(long))]
[System.Text.Json.Serialization.JsonSerializable(typeof(double))]
[System.Text.Json.Serialization.JsonSerializable(typeof(bool))]
internal sealed partial class SweepJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
