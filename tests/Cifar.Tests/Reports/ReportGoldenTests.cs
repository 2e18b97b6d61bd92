using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Cifar.Specs;
using Cifar.Reports;

namespace Cifar.Tests.Reports;

/// <summary>
/// Every file of a report folder, rendered from <see cref="ReportFixtures"/>, compared byte for byte with the golden
/// copy in Reports/Golden/. After an intended change, regenerate the golden files and review the diff:
/// <c>UPDATE_GOLDEN=1 dotnet test tests/Cifar.Tests --filter "FullyQualifiedName~Cifar.Tests.Reports.ReportGoldenTests"</c>
/// (writes into the source tree, next to this file; the test then fails once so an update is never silent).
/// </summary>
public class ReportGoldenTests
{
    public static TheoryData<string> Files => new(
        "report.md", "report.html", "metrics.json", "history.csv", "timing.json", "predictions.txt", "spec.yaml",
        "loss.svg", "accuracy.svg");

    [Theory]
    [MemberData(nameof(Files))]
    public void File_matches_its_golden_copy(string file)
    {
        var actual = RenderUnder(CultureInfo.InvariantCulture)[file];
        var goldenPath = Path.Combine(AppContext.BaseDirectory, "Reports", "Golden", file);
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(SourceFolder(), "Golden", file), actual, new UTF8Encoding(false));
            Assert.Fail($"Golden file {file} regenerated; rerun without UPDATE_GOLDEN=1 and review the diff.");
        }
        Assert.True(File.Exists(goldenPath), $"No golden file {goldenPath}; run the tests once with UPDATE_GOLDEN=1.");
        // Git may check out CRLF on Windows; the report itself always has "\n".
        var expected = File.ReadAllText(goldenPath).ReplaceLineEndings("\n");
        Assert.Equal(expected, actual);
    }

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

    private static string SourceFolder([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
