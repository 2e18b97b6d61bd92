using System.Text.RegularExpressions;
using Cifar.Reports.Diff;
using Cifar.Reports.Images;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Reports.Diff;

/// <summary>The flipped test images in every output of <c>diff</c>, on folders from the real writers.</summary>
public sealed partial class FlippedDiffTests : IDisposable
{
    private const string ArtifactUrl = "https://example.invalid/actions/runs/1/artifacts/2";

    private readonly TempFolder _temp = new("cifar-flipped");

    public void Dispose() => _temp.Dispose();

    private ReportDiff Diff(int flipped = 3)
    {
        var (baseFolder, headFolder) = FlippedFixtures.Write(_temp.Path);
        var diff = ReportDiffer.Diff(baseFolder, headFolder, new DiffOptions(FlippedShown: flipped));
        // Labels are the arguments as given; fixed ones keep temp paths out of the golden files.
        return diff with { Base = "HEAD~1", Head = "reports/" };
    }

    [Theory]
    [InlineData(DiffFormat.Markdown, "diff-flipped.md")]
    [InlineData(DiffFormat.Text, "diff-flipped.txt")]
    [InlineData(DiffFormat.Html, "diff-flipped.html")]
    public void The_flipped_images_match_the_golden_file(DiffFormat format, string golden) =>
        GoldenFile.AssertMatches(DiffRenderer.Render(Diff(), format, regressionPoints: 1, htmlLink: ArtifactUrl), "Diff/golden/" + golden);

    [Fact]
    public void The_diff_lists_the_McNemar_cells_ranked_by_loss_change_with_test_indices()
    {
        var cnn = Assert.Single(Diff(flipped: 1000).Experiments);
        var flipped = cnn.Flipped!;
        Assert.Equal(cnn.Paired!.BaseRightHeadWrong, flipped.NowWrongTotal);
        Assert.Equal(cnn.Paired.BaseWrongHeadRight, flipped.NowRightTotal);
        Assert.Equal(flipped.NowWrongTotal, flipped.NowWrong.Count);
        Assert.Equal(FlippedRanking.LossChange, flipped.Ranking);
        var rises = flipped.NowWrong.Select(f => f.LossChange!.Value).ToList();
        Assert.Equal(rises.OrderDescending(), rises);
        // A subset run: test-outcomes.csv names the images (3i at position i), not their positions.
        Assert.All(flipped.NowWrong.Concat(flipped.NowRight), f => Assert.Equal(3 * f.Position, f.TestIndex));
        Assert.Equal(3, Assert.Single(Diff(flipped: 3).Experiments).Flipped!.NowRight.Count);
    }

    [Fact]
    public void The_markdown_has_mermaid_charts_and_links_the_html_diff()
    {
        var markdown = DiffRenderer.Render(Diff(), DiffFormat.Markdown, htmlLink: ArtifactUrl);
        Assert.Equal(3, MermaidBlock().Count(markdown));
        Assert.Contains("title \"cnn: validation accuracy\"", markdown, StringComparison.Ordinal);
        Assert.Contains("title \"cnn: per-class F1\"", markdown, StringComparison.Ordinal);
        Assert.Contains($"[HTML diff](<{ArtifactUrl}>)", markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("data:", markdown, StringComparison.Ordinal); // GitHub strips data: URIs
        Assert.Contains("`dotnet cifar diff --format html`", DiffRenderer.Render(Diff(), DiffFormat.Markdown), StringComparison.Ordinal);
    }

    [Fact]
    public void The_html_takes_each_test_image_from_the_cached_test_set_of_the_same_dataset()
    {
        var diff = Diff();
        var fromSet = DiffRenderer.Render(diff, DiffFormat.Html, pictures: FlippedFixtures.TestSet());
        var shown = Assert.Single(diff.Experiments).Flipped!.NowWrong.Concat(diff.Experiments[0].Flipped!.NowRight).ToList();
        foreach (var image in shown)
        {
            var expected = PngImages.DataUri(PngImages.Encode(ImageLayout.Enlarge(FlippedFixtures.TestSet().Image(image.TestIndex!.Value)!, DiffHtml.Enlargement)));
            Assert.Contains($"<img src=\"{expected}\" alt=\"test image of #{image.TestIndex}\">", fromSet, StringComparison.Ordinal);
        }
        // Another dataset's test set is never shown: the pictures then come from the folders, or there are none.
        var otherDataset = DiffRenderer.Render(diff, DiffFormat.Html, pictures: FlippedFixtures.TestSet(new string('0', 64)));
        Assert.Equal(DiffRenderer.Render(diff, DiffFormat.Html), otherDataset);
        Assert.Contains("no picture: the test set is not in the cache and neither report folder has this image", otherDataset, StringComparison.Ordinal);
    }

    [Fact]
    public void The_html_is_one_file_that_asks_for_nothing_outside_it()
    {
        var html = DiffRenderer.Render(Diff(), DiffFormat.Html, pictures: FlippedFixtures.TestSet());
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<link", html, StringComparison.OrdinalIgnoreCase);
        // The inline SVG charts' namespace is a name, not a request.
        var withoutNamespace = html.Replace("xmlns=\"http://www.w3.org/2000/svg\"", "", StringComparison.Ordinal);
        Assert.DoesNotContain("http://", withoutNamespace, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", withoutNamespace, StringComparison.Ordinal);
        Assert.All(ImageSource().Matches(html), m => Assert.StartsWith("data:image/png;base64,", m.Groups[1].Value, StringComparison.Ordinal));
    }

    [GeneratedRegex("```mermaid\nxychart-beta\n")]
    private static partial Regex MermaidBlock();

    [GeneratedRegex("<img src=\"([^\"]*)\"")]
    private static partial Regex ImageSource();
}
