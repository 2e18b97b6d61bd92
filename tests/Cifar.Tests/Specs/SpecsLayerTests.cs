using System.Text.RegularExpressions;
using static Cifar.Tests.Specs.SpecTestFiles;

namespace Cifar.Tests.Specs;

public class SpecsLayerTests
{
    /// <summary>
    /// Spec loading and validation depend on nothing else of the tool (Models depends on Specs, never the reverse):
    /// no code under Specs/ names another namespace of the tool. The transfer bases reach the loader as data.
    /// </summary>
    [Fact]
    public void Specs_code_names_no_other_namespace_of_the_tool()
    {
        var other = new Regex(@"\bCifar\.(?!Specs\b)[A-Z]\w*");
        var folder = Path.Combine(RepositoryRoot, "tool", "Cifar.Core", "Specs");
        var offenders = Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line.Trim())))
            .Where(l => !l.Text.StartsWith("//", StringComparison.Ordinal) && other.IsMatch(l.Text))
            .Select(l => $"{Path.GetFileName(l.File)}:{l.Line}: {l.Text}")
            .ToList();
        Assert.NotEmpty(Directory.EnumerateFiles(folder, "*.cs"));
        Assert.Empty(offenders);
    }
}
