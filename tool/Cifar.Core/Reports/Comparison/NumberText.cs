using System.Globalization;

namespace Cifar.Reports.Comparison;

/// <summary>
/// The fixed, culture-invariant number formats shared by the comparison and diff reports, so the same value reads the
/// same everywhere. Negative deltas use U+2212 (−), the typographic minus.
/// </summary>
internal static class NumberText
{
    internal const string Minus = "\u2212";
    internal const string Dash = "\u2014";

    /// <summary>0.71234 → "71.23%".</summary>
    internal static string Percent(double fraction) => Fixed(fraction * 100, 2) + "%";

    /// <summary>Accuracy change in percentage points: +0.013 → "+1.30 pp".</summary>
    internal static string Points(double fractionDelta) => Signed(fractionDelta * 100, 2) + " pp";

    /// <summary><see cref="ReportNumbers.Fixed"/> (fixed decimals, invariant culture, never "-0.00") with a typographic
    /// minus; a non-finite value reads "NaN", "Infinity" or "−Infinity".</summary>
    internal static string Fixed(double value, int decimals) =>
        (ReportNumbers.Fixed(value, decimals) ?? value.ToString(CultureInfo.InvariantCulture))
            .Replace("-", Minus, StringComparison.Ordinal);

    /// <summary>A delta with an explicit sign: "+0.013", "−0.020", and "0.000" when it rounds to zero.</summary>
    internal static string Signed(double delta, int decimals)
    {
        var magnitude = Fixed(Math.Abs(delta), decimals);
        if (IsZeroText(magnitude))
        {
            return magnitude;
        }
        return (delta < 0 ? Minus : "+") + magnitude;
    }

    /// <summary>Integer delta with sign: +2, −22, 0.</summary>
    internal static string Signed(long delta) =>
        delta == 0 ? "0" : (delta < 0 ? Minus : "+") + Count(Math.Abs(delta));

    /// <summary>Thousands-separated count: 1234567 → "1,234,567".</summary>
    internal static string Count(long value) =>
        value < 0 ? Minus + Count(-value) : ReportNumbers.Count(value);

    /// <summary>A number as it would appear in a spec or JSON, shortest round-trip form.</summary>
    internal static string Plain(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Seconds to a short duration: 59.4 → "59.4 s", 3725 → "1 h 02 min 05 s".</summary>
    internal static string Duration(double seconds)
    {
        if (seconds < 60)
        {
            return Fixed(seconds, 1) + " s";
        }
        var whole = (long)Math.Round(seconds, MidpointRounding.AwayFromZero);
        var (h, m, s) = (whole / 3600, whole / 60 % 60, whole % 60);
        return h > 0
            ? string.Create(CultureInfo.InvariantCulture, $"{h} h {m:00} min {s:00} s")
            : string.Create(CultureInfo.InvariantCulture, $"{m} min {s:00} s");
    }

    /// <summary>Bytes in binary units: 1536 → "1.5 KiB".</summary>
    internal static string Bytes(double bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        var unit = 0;
        while (bytes >= 1024 && unit < units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }
        return (unit == 0 ? Fixed(bytes, 0) : Fixed(bytes, 1)) + " " + units[unit];
    }

    /// <summary>A p-value as people read it: "p < 0.001" below one in a thousand, else four decimals.</summary>
    internal static string PValue(double p) => p < 0.001 ? "p < 0.001" : "p = " + Fixed(p, 4);

    private static bool IsZeroText(string text) => text.TrimStart('-').All(c => c is '0' or '.');
}
