namespace Cifar.Reports.Charts;

/// <summary>
/// What every SVG chart of the reports needs: "nice" axis steps and XML escaping. Each chart keeps its own layout,
/// palette and coordinate format, so its bytes stay its own.
/// </summary>
internal static class SvgChart
{
    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="rough"/>; 0.1 when there is no range.</summary>
    public static double NiceStep(double rough)
    {
        if (!(rough > 0))
        {
            return 0.1;
        }
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(rough)));
        var fraction = rough / magnitude;
        var nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
        return nice * magnitude;
    }

    /// <summary>XML text/attribute escaping.</summary>
    public static string Escape(string text) => text
        .Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal)
        .Replace("\"", "&quot;", StringComparison.Ordinal)
        .Replace("'", "&#39;", StringComparison.Ordinal);
}
