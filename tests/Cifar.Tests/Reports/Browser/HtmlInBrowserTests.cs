using System.Buffers.Binary;
using System.Text.Json;
using Cifar.Reports.Diff;
using Cifar.Reports.Files;
using Cifar.Tests.Infra;
using Cifar.Tests.Reports.Comparison;
using Cifar.Tests.Reports.Diff;
using Microsoft.Playwright;

namespace Cifar.Tests.Reports.Browser;

/// <summary>
/// The HTML report and the HTML diff, written by the real writers, opened in headless Chromium: every image decodes
/// at its natural size, the page asks for nothing outside its one file, and nothing is logged as an error.
/// </summary>
public sealed class HtmlInBrowserTests : IDisposable
{
    // The page is served from this address by the route below, so every other request can be caught; .invalid never
    // resolves (RFC 6761), so nothing could leave the machine even if a route were missed.
    private const string PageUrl = "http://report.invalid/page.html";

    private readonly TempFolder _temp = new("cifar-browser");

    public void Dispose() => _temp.Dispose();

    [ChromiumFact]
    public async Task The_html_report_loads_alone_without_errors_and_every_image_decodes()
    {
        var folder = FakeReports.Write(_temp.Path, FlippedFixtures.Head);
        var page = await PageCheck.OpenAsync(await File.ReadAllTextAsync(Path.Combine(folder, ReportFiles.HtmlReport)));
        page.AssertClean();
    }

    [ChromiumFact]
    public async Task The_html_diff_loads_alone_without_errors_and_shows_every_picture_at_its_natural_size()
    {
        var (baseFolder, headFolder) = FlippedFixtures.Write(_temp.Path);
        var diff = ReportDiffer.Diff(baseFolder, headFolder, new DiffOptions(FlippedShown: 6));
        var page = await PageCheck.OpenAsync(DiffRenderer.Render(diff, DiffFormat.Html, pictures: FlippedFixtures.TestSet()));
        page.AssertClean();
        // Six now wrong and six now right, each with its test image, some with both sides' Grad-CAM maps.
        Assert.True(page.Images.Count >= 12, $"expected at least 12 pictures, found {page.Images.Count}");
        Assert.Contains(page.Images, i => i.Alt.StartsWith("base Grad-CAM", StringComparison.Ordinal));
    }

    /// <summary>What a page did in the browser.</summary>
    private sealed record PageCheck(IReadOnlyList<PageImage> Images, IReadOnlyList<string> Outside, IReadOnlyList<string> Errors)
    {
        public static async Task<PageCheck> OpenAsync(string html)
        {
            using var playwright = await Playwright.CreateAsync();
            await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumFactAttribute.ExecutablePath,
                Headless = true,
            });
            var page = await browser.NewPageAsync();
            var outside = new List<string>();
            var errors = new List<string>();
            page.Console += (_, message) =>
            {
                if (message.Type is "error" or "warning") lock (errors) errors.Add($"console {message.Type}: {message.Text}");
            };
            page.PageError += (_, error) => { lock (errors) errors.Add("script error: " + error); };
            await page.RouteAsync("**/*", async route =>
            {
                if (route.Request.Url == PageUrl)
                {
                    await route.FulfillAsync(new RouteFulfillOptions { Status = 200, ContentType = "text/html; charset=utf-8", Body = html });
                    return;
                }
                lock (outside) outside.Add(route.Request.Url);
                await route.AbortAsync();
            });
            await page.GotoAsync(PageUrl, new PageGotoOptions { WaitUntil = WaitUntilState.Load });
            // decode() resolves once the image is decoded and rejects when it cannot be; naturalWidth is then final.
            var found = await page.EvaluateAsync<JsonElement>("""
                () => Promise.all([...document.images].map(async image => {
                    let decoded = true;
                    try { await image.decode(); } catch { decoded = false; }
                    return { src: image.currentSrc || image.src, alt: image.alt, naturalWidth: image.naturalWidth, naturalHeight: image.naturalHeight, decoded };
                }))
                """);
            var images = found.EnumerateArray().Select(i => new PageImage(
                i.GetProperty("src").GetString() ?? "", i.GetProperty("alt").GetString() ?? "",
                i.GetProperty("naturalWidth").GetInt32(), i.GetProperty("naturalHeight").GetInt32(),
                i.GetProperty("decoded").GetBoolean())).ToList();
            return new PageCheck(images, outside, errors);
        }

        public void AssertClean()
        {
            Assert.Empty(Outside);
            Assert.Empty(Errors);
            foreach (var image in Images)
            {
                Assert.True(image.Decoded, $"'{image.Alt}' did not decode");
                Assert.True(image.NaturalWidth > 0 && image.NaturalHeight > 0, $"'{image.Alt}' has no natural size");
                if (PngWidth(image.Src) is { } width)
                {
                    Assert.Equal((width.Width, width.Height), (image.NaturalWidth, image.NaturalHeight));
                }
            }
        }
    }

    /// <summary>One &lt;img&gt; as the browser saw it.</summary>
    private sealed record PageImage(string Src, string Alt, int NaturalWidth, int NaturalHeight, bool Decoded);

    /// <summary>The size a PNG data: URI declares in its IHDR chunk (bytes 16-23, big-endian); null for anything else.</summary>
    private static (int Width, int Height)? PngWidth(string source)
    {
        const string prefix = "data:image/png;base64,";
        if (!source.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var png = Convert.FromBase64String(source[prefix.Length..]);
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)));
    }
}
