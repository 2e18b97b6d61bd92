using System.Globalization;

namespace Cifar.Reports.Formatting;

/// <summary>
/// The one home of number and byte formats: the data files (fixed decimals, "-" minus, null for a non-finite value),
/// the reports, comparisons, diffs and the console (invariant culture, so output is byte-identical on every machine
/// and locale). Text for people marks a negative change with U+2212 (−), the typographic minus, and a missing value
/// with U+2014 (—).
/// </summary>
public static class ReportNumbers
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The typographic minus of changes people read.</summary>
    public const string Minus = "\u2212";

    /// <summary>What a table cell shows for a value the report does not have.</summary>
    public const string Dash = "\u2014";

    /// <summary>Decimals of ratios and losses in metrics.json and history.csv.</summary>
    public const int MachineDecimals = 6;

    // ---- machine-readable (JSON, CSV, SVG coordinates) ----

    /// <summary>Rounded to <see cref="MachineDecimals"/> decimals, trailing zeros kept (0.500000): a JSON/CSV number.</summary>
    public static string? Machine(double value) => Fixed(value, MachineDecimals);

    /// <summary>Rounded to <paramref name="decimals"/>, trailing zeros kept; null if not finite; never "-0".</summary>
    public static string? Fixed(double value, int decimals)
    {
        if (!double.IsFinite(value)) return null;
        // Adding 0.0 turns a rounded -0 into 0, so "-0.000000" never appears.
        var rounded = Math.Round(value, decimals, MidpointRounding.AwayFromZero) + 0.0;
        return rounded.ToString("F" + decimals.ToString(Invariant), Invariant);
    }

    /// <summary>Significant digits of a learning rate in metrics.json and history.csv.</summary>
    public const int RateDigits = 6;

    /// <summary>
    /// A positive number of any magnitude (a learning rate: 0.1 to 1e-8) rounded to <see cref="RateDigits"/>
    /// significant digits, without exponent or trailing zeros: 0.001, 0.000999877, 4E-07 as 0.0000004. Fixed decimals
    /// would flatten a decayed rate to 0.000000. Null if not finite; never "-0".
    /// </summary>
    public static string? Rate(double value)
    {
        if (!double.IsFinite(value)) return null;
        if (value == 0) return "0";
        var decimals = Math.Clamp(RateDigits - 1 - (int)Math.Floor(Math.Log10(Math.Abs(value))), 0, 15);
        var rounded = Math.Round(value, decimals, MidpointRounding.AwayFromZero) + 0.0;
        return rounded.ToString("0.###############", Invariant);
    }

    /// <summary>An integer as JSON and CSV write it: 1234567.</summary>
    public static string WholeNumber(long value) => value.ToString(Invariant);

    /// <summary>A number as it would appear in a spec or JSON, shortest round-trip form: 0.0005.</summary>
    public static string Plain(double value) => value.ToString("R", Invariant);

    // ---- for people ----

    /// <summary>Rounded to <paramref name="decimals"/> with a typographic minus; a non-finite value reads "n/a".</summary>
    public static string Rounded(double value, int decimals) =>
        Fixed(value, decimals)?.Replace("-", Minus, StringComparison.Ordinal) ?? "n/a";

    /// <summary>A ratio: 0.8123 (4 decimals, as sklearn's classification_report with digits=4).</summary>
    public static string Ratio(double value) => Rounded(value, 4);

    /// <summary>A loss: 0.5123.</summary>
    public static string Loss(double value) => Rounded(value, 4);

    /// <summary>A fraction as a percentage: 0.71234 -> "71.23%".</summary>
    public static string Percent(double fraction) => double.IsFinite(fraction) ? Rounded(fraction * 100, 2) + "%" : "n/a";

    /// <summary>A gap in percentage points with one decimal and a sign: 0.0512 -> "+5.1", 0 -> "0.0".</summary>
    public static string SignedPoints(double fraction) => double.IsFinite(fraction) ? Change(fraction * 100, 1) : "n/a";

    /// <summary>A change of accuracy in percentage points: +0.013 -> "+1.30 pp".</summary>
    public static string PointsChange(double fractionDelta) => Change(fractionDelta * 100, 2) + " pp";

    /// <summary>A change with an explicit sign: "+0.013", "−0.020", and "0.000" when it rounds to zero.</summary>
    public static string Change(double delta, int decimals)
    {
        var magnitude = Rounded(Math.Abs(delta), decimals);
        if (!double.IsFinite(delta) || magnitude.All(c => c is '0' or '.'))
        {
            return magnitude;
        }
        return (delta < 0 ? Minus : "+") + magnitude;
    }

    /// <summary>A whole-number change with sign: +2, −22, 0.</summary>
    public static string Change(long delta) =>
        delta == 0 ? "0" : (delta < 0 ? Minus : "+") + Count(Math.Abs(delta));

    /// <summary>A count with thousands separators: 1234567 -> "1,234,567".</summary>
    public static string Count(long value) =>
        value < 0 ? Minus + Count(-value) : value.ToString("N0", Invariant);

    /// <summary>Seconds with one decimal, and minutes past a minute: "12.3 s", "754.2 s (12 min 34 s)".</summary>
    public static string Seconds(double seconds)
    {
        if (!double.IsFinite(seconds)) return "n/a";
        var text = Rounded(seconds, 1) + " s";
        if (seconds < 60) return text;
        var whole = (long)Math.Round(seconds);
        return text + string.Format(Invariant, " ({0} min {1:00} s)", whole / 60, whole % 60);
    }

    /// <summary>A short duration: 59.4 -> "59.4 s", 754 -> "12 min 34 s", 3725 -> "1 h 02 min 05 s".</summary>
    public static string Duration(double seconds)
    {
        if (!double.IsFinite(seconds)) return "n/a";
        if (seconds < 60)
        {
            return Rounded(seconds, 1) + " s";
        }
        var whole = (long)Math.Round(seconds, MidpointRounding.AwayFromZero);
        var (h, m, s) = (whole / 3600, whole / 60 % 60, whole % 60);
        return h > 0
            ? string.Create(Invariant, $"{h} h {m:00} min {s:00} s")
            : string.Create(Invariant, $"{m} min {s:00} s");
    }

    /// <summary>Images (or any items) per second with one decimal and thousands separators: "4,201.5".</summary>
    public static string Throughput(double perSecond) =>
        double.IsFinite(perSecond) ? perSecond.ToString("N1", Invariant) : "n/a";

    /// <summary>Bytes in binary units: 1536 -> "1.5 KiB", 874217472 -> "833.7 MiB", and two decimals from GiB on,
    /// where one would hide a tenth of a gigabyte: 1234567890 -> "1.15 GiB".</summary>
    public static string Bytes(double bytes)
    {
        if (!double.IsFinite(bytes)) return "n/a";
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        var unit = 0;
        while (bytes >= 1024 && unit < units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }
        return Rounded(bytes, unit switch { 0 => 0, < 3 => 1, _ => 2 }) + " " + units[unit];
    }

    /// <summary>A p-value as people read it: "p &lt; 0.001" below one in a thousand, else four decimals.</summary>
    public static string PValue(double p) => p < 0.001 ? "p < 0.001" : "p = " + Rounded(p, 4);
}
