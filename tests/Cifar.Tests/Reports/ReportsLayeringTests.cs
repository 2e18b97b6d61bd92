using System.Reflection;
using System.Text.RegularExpressions;
using Cifar.Reports;
using Cifar.Tests.Infra;
using static Cifar.Tests.Infra.TypeReferences;

namespace Cifar.Tests.Reports;

/// <summary>
/// The layers inside Reports, kept by a test rather than a review: the report files (Files), numbers (Formatting),
/// statistics (Statistics) and charts (Charts) sit below everything that renders a report, and the comparison and
/// the diff, which both use them, never use each other.
/// </summary>
public partial class ReportsLayeringTests
{
    /// <summary>Each folder of tool/Cifar.Core/Reports and the namespaces of the tool it may use.</summary>
    public static TheoryData<string, string[]> Allowed => new()
    {
        { "Formatting", [] },
        { "Files", ["Cifar.Reports.Formatting"] },
        // PNG encoding, enlargement, grids and heatmaps: pixels in, bytes out, nothing else of the tool.
        { "Images", [] },
        { "Statistics", ["Cifar.Reports.Files", "Cifar.Reports.Formatting"] },
        { "Charts", ["Cifar.Reports.Formatting", "Cifar.Training"] },
        // The report's picture sections as plain data: outcomes and pixels in, PNG files and section records out.
        { "Analysis", ["Cifar.Reports.Files", "Cifar.Reports.Formatting", "Cifar.Reports.Images", "Cifar.Reports.Charts"] },
        // Evaluation: the overfitting rule of every report (OverfittingAnalysis), applied to the folders' histories.
        { "Comparison", ["Cifar.Reports", "Cifar.Reports.Files", "Cifar.Reports.Formatting", "Cifar.Reports.Statistics", "Cifar.Reports.Charts", "Cifar.Evaluation"] },
        // Charts and Images: the HTML diff's SVG curves and its gallery of flipped test images.
        { "Diff", ["Cifar.Reports", "Cifar.Reports.Files", "Cifar.Reports.Formatting", "Cifar.Reports.Statistics", "Cifar.Reports.Charts", "Cifar.Reports.Images"] },
        // A sweep's report: the per-key tables, charts, McNemar against the best and each cell's overfitting gap.
        // Specs: the cell names' one rule for shortening a key (SweepCellNames.ShortKey).
        { "Sweeps", ["Cifar.Reports", "Cifar.Reports.Files", "Cifar.Reports.Formatting", "Cifar.Reports.Statistics", "Cifar.Reports.Charts", "Cifar.Evaluation", "Cifar.Specs"] },
        { "Seeds", ["Cifar.Reports", "Cifar.Reports.Files", "Cifar.Reports.Formatting", "Cifar.Reports.Statistics", "Cifar.Reports.Charts", "Cifar.Specs"] },
    };

    [Theory]
    [MemberData(nameof(Allowed))]
    public void A_reports_folder_imports_only_the_layers_below_it(string folder, string[] allowed)
    {
        var sources = Directory.GetFiles(Path.Combine(GoldenFile.RepositoryRoot(), "tool", "Cifar.Core", "Reports", folder), "*.cs");
        Assert.NotEmpty(sources);
        var offenders = new List<string>();
        foreach (var source in sources)
        {
            foreach (Match directive in CifarUsing().Matches(File.ReadAllText(source)))
            {
                var imported = directive.Groups[1].Value;
                if (!allowed.Contains(imported)) offenders.Add($"{Path.GetFileName(source)} uses {imported}");
            }
        }
        Assert.Empty(offenders);
    }

    /// <summary>
    /// A child namespace sees its parent's types without a using, so the signatures of the lower layers' types (private
    /// members and compiler-generated closures included) are checked too.
    /// </summary>
    [Fact]
    public void The_lower_layers_mention_no_type_of_the_layers_above()
    {
        string[] lower = ["Cifar.Reports.Formatting", "Cifar.Reports.Images", "Cifar.Reports.Analysis", "Cifar.Reports.Files", "Cifar.Reports.Statistics", "Cifar.Reports.Charts"];
        string[] upper = ["Cifar.Reports", "Cifar.Reports.Comparison", "Cifar.Reports.Diff", "Cifar.Reports.Seeds", "Cifar.Reports.Sweeps"];
        var assembly = typeof(ReportWriter).Assembly;
        var offenders = new List<string>();
        foreach (var type in assembly.GetTypes().Where(t => lower.Contains(Outermost(t).Namespace)))
        {
            foreach (var used in SignatureTypes(type).Where(u => u.Assembly == assembly && upper.Contains(Outermost(u).Namespace)))
            {
                offenders.Add($"{type.FullName} uses {used.FullName}");
            }
        }
        Assert.Empty(offenders);
    }

    [Fact]
    public void Comparison_and_diff_mention_no_type_of_each_other()
    {
        var assembly = typeof(ReportWriter).Assembly;
        var offenders = new List<string>();
        foreach (var (from, to) in new[] { ("Cifar.Reports.Comparison", "Cifar.Reports.Diff"), ("Cifar.Reports.Diff", "Cifar.Reports.Comparison") })
        {
            foreach (var type in assembly.GetTypes().Where(t => Outermost(t).Namespace == from))
            {
                offenders.AddRange(SignatureTypes(type).Where(u => Outermost(u).Namespace == to).Select(u => $"{type.FullName} uses {u.FullName}"));
            }
        }
        Assert.Empty(offenders);
    }

    [GeneratedRegex(@"^using (Cifar(?:\.\w+)*);", RegexOptions.Multiline)]
    private static partial Regex CifarUsing();
}
