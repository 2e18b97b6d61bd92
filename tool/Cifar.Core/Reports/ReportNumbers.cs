using System.Globalization;

namespace Cifar.Reports;

/// <summary>
/// Fixed, culture-invariant number formats for everything a report shows, so a report is byte-identical on every
/// machine and locale. Non-finite values (a diverged loss) print as "n/a" in text and null in JSON.
/// </summary>
internal static class ReportNumbers
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Decimals of ratios and losses in metrics.json and history.csv.</summary>
    public const int MachineDecimals = 6;

    /// <summary>Rounded to <see cref="MachineDecimals"/> decimals, trailing zeros kept (0.500000): a JSON/CSV number.</summary>
    public static string? Machine(double value) => Fixed(value, MachineDecimals);

    /// <summary>Rounded to <paramref name="decimals"/>; null if not finite; never "-0".</summary>
    public static string? Fixed(double value, int decimals)
    {
        if (!double.IsFinite(value)) return null;
        // Adding 0.0 turns a rounded -0 into 0, so "-0.000000" never appears.
        var rounded = Math.Round(value, decimals, MidpointRounding.AwayFromZero) + 0.0;
        return rounded.ToString("F" + decimals.ToString(Invariant), Invariant);
    }

    /// <summary>A ratio for people: 0.8123 (4 decimals, as sklearn's classification_report with digits=4).</summary>
    public static string Ratio(double value) => Fixed(value, 4) ?? "n/a";

    /// <summary>A loss for people: 0.5123.</summary>
    public static string Loss(double value) => Fixed(value, 4) ?? "n/a";

    /// <summary>A fraction as a percentage: 0.71234 -> "71.23%".</summary>
    public static string Percent(double fraction) => Fixed(fraction * 100, 2) is { } p ? p + "%" : "n/a";

    /// <summary>Percentage points with one decimal and a sign: 0.0512 -> "+5.1".</summary>
    public static string Points(double fraction) =>
        Fixed(fraction * 100, 1) is { } p ? (p.StartsWith('-') || p == "0.0" ? p : "+" + p) : "n/a";

    /// <summary>An integer with thousands separators: 1234567 -> "1,234,567".</summary>
    public static string Count(long value) => value.ToString("N0", Invariant);

    public static string Integer(long value) => value.ToString(Invariant);

    /// <summary>Seconds for people: 12.3 s, or 754.2 s (12 min 34 s) past a minute.</summary>
    public static string Seconds(double seconds)
    {
        if (!double.IsFinite(seconds)) return "n/a";
        var text = (Fixed(seconds, 1) ?? "n/a") + " s";
        if (seconds < 60) return text;
        var whole = (long)Math.Round(seconds);
        return text + string.Format(Invariant, " ({0} min {1:00} s)", whole / 60, whole % 60);
    }

    /// <summary>Images per second with one decimal and thousands separators: "4,201.5".</summary>
    public static string Throughput(double imagesPerSecond) =>
        double.IsFinite(imagesPerSecond) ? imagesPerSecond.ToString("N1", Invariant) : "n/a";

    /// <summary>Bytes as MiB with one decimal: 1.5 GiB -> "1,536.0 MiB".</summary>
    public static string Mebibytes(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("N1", Invariant) + " MiB";
}
