using System.Globalization;
using System.Text;
using Cifar.Reports;
using Cifar.Specs;

namespace Cifar.Tests.Reports;

/// <summary>
/// Every file of a report folder, rendered from <see cref="ReportFixtures"/>, compared byte for byte with the golden
/// copy in Reports/Golden/ (the <see cref="GoldenFile"/> rule: <c>UPDATE_GOLDEN=1</c> rewrites them).
/// </summary>
public class ReportGoldenTests
{
    public static TheoryData<string> Files => new(
        "report.md", "report.html", "metrics.json", "history.csv", "timing.json", "predictions.txt", "spec.yaml",
        "loss.svg", "accuracy.svg", "learning_rate.svg", "manifest.json");

    [Theory]
    [MemberData(nameof(Files))]
    public void File_matches_its_golden_copy(string file) =>
        GoldenFile.AssertMatches(RenderUnder(CultureInfo.InvariantCulture)[file], "Golden/" + file);

    [Fact]
    public void Output_is_the_same_under_a_comma_decimal_culture()
    {
        var invariant = RenderUnder(CultureInfo.InvariantCulture);
        var german = RenderUnder(GermanNumberCulture());
        Assert.Equal(invariant.Keys.Order(), german.Keys.Order());
        foreach (var (file, text) in invariant) Assert.Equal(text, german[file]);
    }

    /// <summary>
    /// de-DE's number format (decimal comma, dot grouping). The test project runs with InvariantGlobalization, where
    /// named cultures other than invariant cannot be created, so the German separators are set by hand.
    /// </summary>
    internal static CultureInfo GermanNumberCulture()
    {
        var culture = (CultureInfo)CultureInfo.InvariantCulture.Clone();
        var numbers = culture.NumberFormat;
        numbers.NumberDecimalSeparator = numbers.PercentDecimalSeparator = numbers.CurrencyDecimalSeparator = ",";
        numbers.NumberGroupSeparator = numbers.PercentGroupSeparator = numbers.CurrencyGroupSeparator = ".";
        Assert.Equal("1.234,5", 1234.5.ToString("N1", culture)); // the culture really formats the German way
        return culture;
    }

    internal static Dictionary<string, string> RenderUnder(CultureInfo culture)
    {
        var (current, ui) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = culture;
            var files = ReportWriter.Render(ReportFixtures.Result(), ReportOptions.Default);
            return files.ToDictionary(f => f.Name, f => Encoding.UTF8.GetString(f.Bytes));
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (current, ui);
        }
    }
}
