using Cifar.Data;
using Cifar.Reports.Diff;
using Cifar.Reports.Images;
using Cifar.Tests.Infra;
using Cifar.Tests.Reports.Diff;

namespace Cifar.Tests.Cli;

/// <summary><c>dotnet cifar diff --format html</c> and <c>--flipped</c> as a user runs them.</summary>
[Collection("libtorch")]
public sealed class DiffHtmlCliTests(GeneratedCacheFixture cache) : IClassFixture<GeneratedCacheFixture>, IDisposable
{
    private readonly TempFolder _temp = new("diff-html-cli");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void The_html_diff_shows_each_flipped_image_from_the_cached_test_set_through_the_dataset_code()
    {
        // The runs record the dataset hash the tool gives the cached copy, so the cache's test set is theirs.
        var (baseFolder, headFolder) = FlippedFixtures.Write(_temp.Path, new Cifar10Download().ContentHash);
        var output = _temp.Combine("diff.html");

        var result = ToolProcess.Run(_temp.Path, null, timeout: null,
            "diff", baseFolder, headFolder, "--format", "html", "--output", output, "--flipped", "2", "--cache-dir", cache.CacheRoot);

        Assert.True(result.ExitCode == 0, result.ToString());
        var html = File.ReadAllText(output);
        var diff = ReportDiffer.Diff(baseFolder, headFolder, new DiffOptions(FlippedShown: 2));
        var shown = diff.Experiments[0].Flipped!.NowWrong.Concat(diff.Experiments[0].Flipped!.NowRight).ToList();
        Assert.Equal(4, shown.Count);
        var testBatch = File.ReadAllBytes(Path.Combine(cache.CacheRoot, Cifar10Download.CacheEntry, Cifar10Download.TestFile));
        foreach (var image in shown)
        {
            // Record t of test_batch.bin: a label byte, then the 3x32x32 pixels.
            var pixels = testBatch.AsSpan(image.TestIndex!.Value * Cifar10Download.RecordBytes + 1, Cifar10Download.ImageBytes);
            var png = PngImages.Encode(ImageLayout.Enlarge(RgbImage.FromChannelsFirst(32, 32, pixels), DiffHtml.Enlargement));
            Assert.Contains($"<img src=\"{PngImages.DataUri(png)}\" alt=\"test image of #{image.TestIndex}\">", html, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_negative_flipped_count_exits_2_with_one_line_and_writes_nothing()
    {
        var (baseFolder, headFolder) = FlippedFixtures.Write(_temp.Path);
        var output = _temp.Combine("diff.md");

        var result = ToolProcess.Run(_temp.Path, null, timeout: null, "diff", baseFolder, headFolder, "--flipped", "-1", "--output", output);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal("error: --flipped is -1; expected a number of images >= 0", Assert.Single(result.ErrorLines));
        Assert.False(File.Exists(output));
    }
}
