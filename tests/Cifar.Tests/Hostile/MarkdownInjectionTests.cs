using System.Text;
using System.Text.RegularExpressions;
using Cifar.Reports;
using Cifar.Reports.Comparison;
using Cifar.Reports.Files;
using Cifar.Reports.Formatting;
using Cifar.Running;
using Cifar.Tests.Infra;
using Cifar.Tests.Reports;

namespace Cifar.Tests.Hostile;

/// <summary>
/// Text from specs and report folders reaches the Markdown reports as text: no HTML element and no link that the
/// spec's author wrote survives, as in the HTML reports.
/// </summary>
public sealed partial class MarkdownInjectionTests : IDisposable
{
    private const string Hostile = "<script>alert(1)</script> [x](javascript:alert(1)) ![i](http://evil/p.png) <img src=x onerror=alert(1)>";

    private readonly TempFolder _temp = new("cifar-md-injection");

    public void Dispose() => _temp.Dispose();

    /// <summary>A link or image whose bracket is not escaped, or an HTML tag whose '&lt;' is not.</summary>
    [GeneratedRegex(@"(?<!\\)\]\((javascript|http://evil)|(?<!\\)<(script|img)")]
    private static partial Regex ActiveMarkup();

    private static void AssertInert(string markdown)
    {
        var active = ActiveMarkup().Match(markdown);
        Assert.False(active.Success, $"active markup at {active.Index}: {(active.Success ? markdown.Substring(Math.Max(0, active.Index - 60), 120) : "")}");
    }

    [Fact]
    public void A_spec_description_with_html_and_links_is_plain_text_in_report_md_and_escaped_in_report_html()
    {
        var yaml = File.ReadAllText(RepositoryFiles.PathOf("experiments/cnn.yaml"))
            .Replace("description: CNN from scratch on CIFAR-10", "description: \"" + Hostile + "\"", StringComparison.Ordinal);
        var spec = ExperimentSpecs.Loader.Parse(yaml, "hostile.yaml");
        Assert.Equal(Hostile, spec.Description);

        var files = ReportWriter.Render(ReportFixtures.Result(description: spec.Description), ReportOptions.Default)
            .ToDictionary(f => f.Name, f => Encoding.UTF8.GetString(f.Bytes));

        var markdown = files[ReportFiles.MarkdownReport];
        AssertInert(markdown);
        Assert.Contains(MarkdownText.Escape(Hostile), markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", files[ReportFiles.HtmlReport], StringComparison.Ordinal);
        Assert.DoesNotContain("<img src=x", files[ReportFiles.HtmlReport], StringComparison.Ordinal);
    }

    [Fact]
    public void Experiment_names_from_hostile_folder_names_are_plain_text_in_the_comparison()
    {
        var root = _temp.Combine("reports");
        var names = new[] { "a<img src=x onerror=alert(1)>", "[x](javascript:alert(1))" };
        var folders = names.Select(name =>
        {
            var folder = Path.Combine(root, name);
            ReportWriter.Write(ReportFixtures.Result() with { Name = name }, folder, ReportOptions.Default);
            return folder;
        }).ToList();

        var written = ComparisonReport.Write(root, folders);

        var markdown = File.ReadAllText(written.Markdown);
        AssertInert(markdown);
        Assert.Contains(MarkdownText.Escape(names[1]), markdown, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", File.ReadAllText(written.Html), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<b>", "\\<b\\>")]
    [InlineData("a & b", "a \\& b")]
    [InlineData("[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))")]
    [InlineData("line one\nline two", "line one line two")]
    [InlineData("plain-name.v2", "plain-name.v2")]
    public void Escape_neutralises_markup_and_keeps_plain_text(string text, string expected) =>
        Assert.Equal(expected, MarkdownText.Escape(text));
}
