using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Cifar.Reports;
using Cifar.Reports.Analysis;
using Cifar.Reports.Files;
using StbImageSharp;

namespace Cifar.Tests.Reports.Analysis;

/// <summary>
/// The picture sections from the real writer on generated pictures (<see cref="PictureFixtures"/>), compared with
/// golden copies in Reports/Golden/pictures/; the PNGs by their SHA-256 (images.txt), so a change of encoder bytes shows.
/// </summary>
public class PictureGoldenTests
{
    public static TheoryData<string> Files => new("report.md", "report.html", "reliability.svg", "test-outcomes.csv", "manifest.json", "images.txt");

    private static Dictionary<string, byte[]> Render() =>
        ReportWriter.Render(PictureFixtures.Result(), ReportOptions.Default).ToDictionary(f => f.Name, f => f.Bytes);

    [Theory]
    [MemberData(nameof(Files))]
    public void File_matches_its_golden_copy(string file)
    {
        var files = Render();
        var text = file == "images.txt"
            ? string.Concat(files.Where(f => f.Key.EndsWith(".png", StringComparison.Ordinal)).OrderBy(f => f.Key, StringComparer.Ordinal)
                .Select(f => $"{Convert.ToHexStringLower(SHA256.HashData(f.Value))}  {f.Key}\n"))
            : Encoding.UTF8.GetString(files[file]);
        GoldenFile.AssertMatches(text, "Golden/pictures/" + file);
    }

    [Fact]
    public void Every_png_is_a_test_image_enlarged_four_times_or_an_overview_strip()
    {
        var files = Render();
        var result = PictureFixtures.Result();
        var testImage = files["images/test/" + PictureSections.TestImageName(7)];
        var decoded = ImageResult.FromMemory(testImage, ColorComponents.RedGreenBlue);
        Assert.Equal((128, 128), (decoded.Width, decoded.Height));
        var original = result.Pictures!.TestImages[7];
        for (var y = 0; y < 128; y++)
        {
            for (var x = 0; x < 128; x++)
            {
                for (var channel = 0; channel < 3; channel++)
                    Assert.Equal(original.Pixels[((y / 4 * 32) + (x / 4)) * 3 + channel], decoded.Data[((y * 128) + x) * 3 + channel]);
            }
        }
        var strip = ImageResult.FromMemory(files["images/overview/class-3.png"], ColorComponents.RedGreenBlue);
        Assert.Equal((2 * 96 + 2, 96), (strip.Width, strip.Height));
    }

    [Fact]
    public void The_html_embeds_every_image_and_the_markdown_links_every_file()
    {
        var files = Render();
        var html = Encoding.UTF8.GetString(files[ReportFiles.HtmlReport]);
        var markdown = Encoding.UTF8.GetString(files[ReportFiles.MarkdownReport]);
        foreach (var (name, bytes) in files.Where(f => f.Key.EndsWith(".png", StringComparison.Ordinal)))
        {
            Assert.Contains("data:image/png;base64," + Convert.ToBase64String(bytes), html, StringComparison.Ordinal);
            Assert.Contains("](" + name + ")", markdown, StringComparison.Ordinal);
        }
        Assert.DoesNotContain("src=\"images/", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", html.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Output_is_the_same_under_a_comma_decimal_culture()
    {
        var (current, ui) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        Dictionary<string, byte[]> german;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = ReportGoldenTests.GermanNumberCulture();
            german = Render();
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (current, ui);
        }
        var invariant = Render();
        Assert.Equal(invariant.Keys.Order(), german.Keys.Order());
        foreach (var (file, bytes) in invariant) Assert.Equal(bytes, german[file]);
    }
}
