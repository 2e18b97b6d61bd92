using System.Globalization;
using System.Text.Json;

namespace Cifar.Reports.Sweeps;

/// <summary>What a swept value is, in the order a grid's axis lists them.</summary>
public enum SweptValueKind
{
    Number,
    Bool,
    /// <summary>A string (named Text: CA1720 keeps type names out of identifiers).</summary>
    Text,
    /// <summary>A swept YAML null (<c>~</c>).</summary>
    Null,
    /// <summary>A key that a cell does not set: an <c>include</c>d cell may set fewer keys than the grid.</summary>
    NotSet,
}

/// <summary>
/// One value of a swept key as sweep.json holds it, ordered the way a reader expects a grid's axis: numbers by size
/// (0.001 before 0.01 before 0.1, and 32 before 128, which names sorted as text would not give), then false before
/// true, then strings in ordinal order, then null, then "not set".
/// </summary>
/// <param name="Text">The value as written: a number in sweep.json's notation, <c>true</c>, or the string.</param>
/// <param name="Number">The number, when the value is one (false is 0 and true 1 for ordering).</param>
public sealed record SweptValue(SweptValueKind Kind, string Text, double Number = 0) : IComparable<SweptValue>
{
    public static SweptValue NotSet { get; } = new(SweptValueKind.NotSet, "(not set)");

    public static SweptValue OfNumber(double number) => new(SweptValueKind.Number, number.ToString("R", CultureInfo.InvariantCulture), number);

    public static SweptValue OfString(string text) => new(SweptValueKind.Text, text);

    public static SweptValue OfBool(bool flag) => new(SweptValueKind.Bool, flag ? "true" : "false", flag ? 1 : 0);

    /// <summary>A value of sweep.json's <c>values</c>; a number keeps its own text (<c>1e-3</c> stays <c>1e-3</c>).</summary>
    /// <exception cref="FormatException">An object or an array: no spec key is swept over those.</exception>
    public static SweptValue Of(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number => new(SweptValueKind.Number, element.GetRawText(), element.GetDouble()),
        JsonValueKind.String => OfString(element.GetString()!),
        JsonValueKind.True => OfBool(true),
        JsonValueKind.False => OfBool(false),
        JsonValueKind.Null => new(SweptValueKind.Null, "null"),
        _ => throw new FormatException($"a swept value must be a number, a string, a bool or null, not {element.ValueKind.ToString().ToLowerInvariant()}"),
    };

    public int CompareTo(SweptValue? other)
    {
        if (other is null) return 1;
        if (Kind != other.Kind) return Kind.CompareTo(other.Kind);
        return Kind is SweptValueKind.Number or SweptValueKind.Bool && Number != other.Number
            ? Number.CompareTo(other.Number)
            : string.CompareOrdinal(Text, other.Text);
    }

    public override string ToString() => Text;

    public static bool operator <(SweptValue? left, SweptValue? right) => Compare(left, right) < 0;

    public static bool operator <=(SweptValue? left, SweptValue? right) => Compare(left, right) <= 0;

    public static bool operator >(SweptValue? left, SweptValue? right) => Compare(left, right) > 0;

    public static bool operator >=(SweptValue? left, SweptValue? right) => Compare(left, right) >= 0;

    private static int Compare(SweptValue? left, SweptValue? right) => left is null ? (right is null ? 0 : -1) : left.CompareTo(right);
}
