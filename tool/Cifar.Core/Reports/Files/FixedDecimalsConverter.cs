using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Cifar.Reports.Formatting;

namespace Cifar.Reports.Files;

/// <summary>
/// Writes a number with a fixed count of decimals (0.500000, never 0.5 or 5E-01), so a file is byte-identical
/// whenever its values are; JSON has no NaN, so a non-finite value is written as null and read back as NaN.
/// </summary>
public abstract class FixedDecimalsConverter(int decimals) : JsonConverter<double>
{
    public override bool HandleNull => true;

    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Null => double.NaN,
        JsonTokenType.Number => reader.GetDouble(),
        _ => throw new JsonException($"expected a number, found {Describe(reader.TokenType)}"),
    };

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (ReportNumbers.Fixed(value, decimals) is { } text) writer.WriteRawValue(text, skipInputValidation: true);
        else writer.WriteNullValue();
    }

    internal static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        _ => token.ToString().ToLowerInvariant(),
    };
}

/// <summary>Ratios and losses in metrics.json: 6 decimals (<see cref="ReportNumbers.MachineDecimals"/>).</summary>
public sealed class SixDecimals() : FixedDecimalsConverter(ReportNumbers.MachineDecimals);

/// <summary>Learning rates in metrics.json: <see cref="ReportNumbers.RateDigits"/> significant digits (<see cref="ReportNumbers.Rate"/>).</summary>
public sealed class RateDigits : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number
            ? reader.GetDouble()
            : throw new JsonException($"expected a number, found {FixedDecimalsConverter.Describe(reader.TokenType)}");

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteRawValue(ReportNumbers.Rate(value) ?? throw new JsonException($"a learning rate must be finite, not {value}"),
            skipInputValidation: true);
    }
}

/// <summary>Seconds in timing.json: milliseconds.</summary>
public sealed class ThreeDecimals() : FixedDecimalsConverter(3);

/// <summary>Images per second in timing.json.</summary>
public sealed class OneDecimal() : FixedDecimalsConverter(1);

/// <summary>
/// The confusion matrix as metrics.json has always written it: each row compact (<c>[12, 3, 0]</c>), the rows one after
/// another on one line and the closing bracket on the next, so a 10x10 matrix takes two lines, not 120.
/// </summary>
public sealed class ConfusionMatrixConverter : JsonConverter<IReadOnlyList<IReadOnlyList<int>>>
{
    public override IReadOnlyList<IReadOnlyList<int>> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"expected an array of rows, found {FixedDecimalsConverter.Describe(reader.TokenType)}");
        }
        var rows = new List<IReadOnlyList<int>>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                throw new JsonException($"expected a row (an array of counts), found {FixedDecimalsConverter.Describe(reader.TokenType)}");
            }
            var row = new List<int>();
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                row.Add(reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var count)
                    ? count
                    : throw new JsonException($"expected a whole number, found {FixedDecimalsConverter.Describe(reader.TokenType)}"));
            }
            rows.Add(row);
        }
        return rows;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<IReadOnlyList<int>> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteStartArray();
        foreach (var row in value)
        {
            writer.WriteRawValue("[" + string.Join(", ", row.Select(c => ReportNumbers.WholeNumber(c))) + "]", skipInputValidation: true);
        }
        writer.WriteEndArray();
    }
}

/// <summary>A list of short strings on one line (<c>["airplane","automobile"]</c>), as metrics.json writes its classes.</summary>
public sealed class CompactStringListConverter : JsonConverter<IReadOnlyList<string>>
{
    public override IReadOnlyList<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException($"expected an array of strings, found {FixedDecimalsConverter.Describe(reader.TokenType)}");
        }
        var items = new List<string>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            items.Add(reader.TokenType == JsonTokenType.String
                ? reader.GetString()!
                : throw new JsonException($"expected a string, found {FixedDecimalsConverter.Describe(reader.TokenType)}"));
        }
        return items;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        using var buffer = new MemoryStream();
        using (var compact = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = options.Encoder }))
        {
            compact.WriteStartArray();
            foreach (var item in value) compact.WriteStringValue(item);
            compact.WriteEndArray();
        }
        writer.WriteRawValue(Encoding.UTF8.GetString(buffer.ToArray()), skipInputValidation: true);
    }
}
