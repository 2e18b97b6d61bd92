using System.Text.RegularExpressions;
using Cifar.Reports;
using Cifar.Tests.Infra;
using static Cifar.Tests.Infra.TypeReferences;

namespace Cifar.Tests.Architecture;

/// <summary>
/// The folders of Cifar.Core are layers, and this test keeps them (STYLE.md: "Folders show layers, tests keep them").
/// Dependencies point one way: Running on top; Reports, Models, Training, Evaluation and Data in the middle; Specs and
/// Reproducibility at the bottom, depending on nothing else of the tool. The finer layers inside Reports are kept by
/// <see cref="Reports.ReportsLayeringTests"/>, and "Reports never sees TorchSharp" by <see cref="Reports.PlainDataTests"/>.
/// </summary>
public partial class CoreLayeringTests
{
    /// <summary>Each top folder (namespace <c>Cifar.&lt;folder&gt;</c>) and the other folders it may use.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new(StringComparer.Ordinal)
    {
        ["Reproducibility"] = [],
        ["Specs"] = [],
        ["Data"] = ["Specs", "Reproducibility"],
        ["Augmentation"] = ["Specs", "Data", "Reproducibility"],
        ["Training"] = ["Specs", "Data", "Augmentation", "Reproducibility"],
        ["Evaluation"] = ["Training", "Augmentation", "Specs", "Data", "Reproducibility"],
        ["Models"] = ["Specs", "Data", "Reproducibility"],
        // Reports take plain data: the records of the layers below (a model summary, a history, an evaluation).
        ["Reports"] = ["Specs", "Data", "Augmentation", "Models", "Training", "Evaluation", "Reproducibility"],
        // Grad-CAM and its sanity checks: a trained model and test images in, plain maps and numbers out.
        ["Explain"] = ["Specs", "Data", "Models", "Evaluation", "Reproducibility"],
        ["Running"] = ["Specs", "Data", "Augmentation", "Models", "Training", "Evaluation", "Explain", "Reports", "Reproducibility"],
    };

    public static TheoryData<string> Layers => [.. Allowed.Keys];

    [Fact]
    public void The_layer_table_has_no_cycle_and_covers_every_folder()
    {
        var core = RepositoryFiles.PathOf("tool/Cifar.Core");
        var folders = Directory.GetDirectories(core).Select(Path.GetFileName).Where(f => f is not ("bin" or "obj")).Order(StringComparer.Ordinal);
        Assert.Equal(folders, Allowed.Keys.Order(StringComparer.Ordinal));

        // Depth-first search for a path back to the start from each layer.
        foreach (var start in Allowed.Keys)
        {
            var pending = new Stack<string>(Allowed[start]);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            while (pending.TryPop(out var next))
            {
                Assert.NotEqual(start, next);
                if (seen.Add(next)) foreach (var below in Allowed[next]) pending.Push(below);
            }
        }
    }

    /// <summary>Read from the source: a <c>using</c> or a qualified name (<c>Cifar.X.Y</c>) outside comments.</summary>
    [Theory]
    [MemberData(nameof(Layers))]
    public void A_layers_source_names_only_the_layers_below_it(string layer)
    {
        var folder = RepositoryFiles.PathOf($"tool/Cifar.Core/{layer}");
        var offenders = new List<string>();
        foreach (var file in Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories))
        {
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                var code = lines[i].Trim();
                if (code.StartsWith("//", StringComparison.Ordinal)) continue;
                foreach (Match m in CifarNamespace().Matches(code))
                {
                    var used = m.Groups[1].Value;
                    if (used != layer && Allowed.ContainsKey(used) && !Allowed[layer].Contains(used))
                        offenders.Add($"{Path.GetRelativePath(folder, file)}:{i + 1}: {layer} uses {used}");
                }
            }
        }
        Assert.Empty(offenders);
    }

    /// <summary>
    /// Read from the compiled types: a child namespace sees its parents' types without a using, and a type can be
    /// reached without being named (<c>var</c>), so every signature, field and local variable type is checked too.
    /// </summary>
    [Fact]
    public void A_layers_types_use_only_the_layers_below_it()
    {
        var assembly = typeof(ReportWriter).Assembly;
        var offenders = new List<string>();
        foreach (var type in assembly.GetTypes())
        {
            if (LayerOf(Outermost(type)) is not { } layer) continue;
            foreach (var used in SignatureTypes(type).Where(u => u.Assembly == assembly))
            {
                if (LayerOf(Outermost(used)) is { } usedLayer && usedLayer != layer && !Allowed[layer].Contains(usedLayer))
                    offenders.Add($"{type.FullName} ({layer}) uses {used.FullName} ({usedLayer})");
            }
        }
        Assert.Empty(offenders.Distinct());
    }

    private static string? LayerOf(Type type) =>
        type.Namespace?.Split('.') is ["Cifar", var layer, ..] && Allowed.ContainsKey(layer) ? layer : null;

    [GeneratedRegex(@"\bCifar\.([A-Z]\w*)")]
    private static partial Regex CifarNamespace();
}
