using System.Reflection;
using System.Text.RegularExpressions;
using Cifar.Models.Transfer;
using Cifar.Running;
using Cifar.Specs;
using Cifar.Tests.Infra;
using static Cifar.Tests.Specs.SpecTestFiles;
using static TorchSharp.torch;

namespace Cifar.Tests.Models.Transfer;

/// <summary>The catalogue of transfer bases is the one home of every base's facts.</summary>
public class TransferBasesTests
{
    [Fact]
    public void The_catalogue_lists_every_base_once_under_names_nothing_else_uses()
    {
        var declared = typeof(TransferBases).GetProperties(BindingFlags.Public | BindingFlags.Static)
            .Where(p => p.PropertyType == typeof(TransferBase)).Select(p => (TransferBase)p.GetValue(null)!).ToList();
        Assert.Equal(declared, TransferBases.All);

        var names = TransferBases.All.SelectMany(b => new[] { b.Name, b.KerasAlias }.Distinct(StringComparer.OrdinalIgnoreCase)).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        var architectures = TransferBases.All.SelectMany(b => b.Weights).Select(w => w.Architecture).ToList();
        Assert.Equal(architectures.Count, architectures.Distinct().Count());
        Assert.All(TransferBases.All, b => Assert.Single(b.Weights, w => w.Source is TorchVisionWeightsFile));
    }

    [Fact]
    public void The_tools_spec_loader_accepts_exactly_the_catalogues_bases()
    {
        Assert.Equal(TransferBases.All.Select(b => new TransferBaseName(b.Name, b.KerasAlias, b.StageNames.Count)), ExperimentSpecs.Loader.Bases);
        foreach (var b in TransferBases.All)
        {
            var text = File.ReadAllText(TransferExample).Replace("base: resnet18", "base: " + b.KerasAlias.ToUpperInvariant(), StringComparison.Ordinal);
            var spec = (TransferModelSpec)ExperimentSpecs.Loader.Parse(text, "t.yaml").Model;
            Assert.Same(b, PretrainedBases.Plan(spec).Base);
        }
    }

    [Fact]
    public void No_code_outside_the_catalogue_spells_a_base_or_its_weights()
    {
        var spellings = TransferBases.All
            .SelectMany(b => b.Weights.SelectMany(w => new[] { w.Architecture, w.Source.FileName }).Append(b.Name).Append(b.KerasAlias))
            .Distinct()
            .ToList();
        var tool = Path.Combine(RepositoryRoot, "tool");
        var offenders = Directory.EnumerateFiles(tool, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        && Path.GetFileName(f) != "TransferBases.cs")
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line)))
            .Where(l => !l.Text.TrimStart().StartsWith("//", StringComparison.Ordinal)
                        && spellings.Any(s => l.Text.Contains('"' + s + '"', StringComparison.OrdinalIgnoreCase)))
            .Select(l => $"{Path.GetRelativePath(RepositoryRoot, l.File)}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.Empty(offenders);
    }

    [TorchFact]
    public void Every_weights_set_builds_the_architecture_its_entry_describes()
    {
        manual_seed(3);
        using var images = rand([1, 3, 32, 32]);
        foreach (var b in TransferBases.All)
        {
            foreach (var weights in b.Weights)
            {
                using var pretrained = PretrainedBases.CreateRandom(b, weights);
                pretrained.eval();
                using var output = pretrained.call(images);

                Assert.Equal(new long[] { 1, b.FeatureCount }, output.shape);
                Assert.Equal(b.StageNames, pretrained.StagesFromTop.Reverse().Select(s => s.Name));
                Assert.Equal(new BaseDescription(b.Name, weights.Architecture, b.FeatureCount, weights.InputNormalization,
                    "none (random init)", PretrainedBases.HashStateDict(pretrained)), pretrained.Description);
            }
        }
    }

    [Fact]
    public void Weights_file_names_carry_the_hash_they_are_checked_against()
    {
        foreach (var source in TransferBases.All.SelectMany(b => b.Weights).Select(w => w.Source))
        {
            switch (source)
            {
                case TorchVisionWeightsFile file:
                    Assert.Matches(new Regex("^[a-f0-9]{8}$"), file.Sha256Prefix);
                    Assert.Equal($"https://download.pytorch.org/models/{file.FileName}", file.Url);
                    break;
                case BundledOnnxFile bundled:
                    Assert.Matches(new Regex("^[a-f0-9]{64}$"), bundled.Sha256);
                    break;
                default:
                    Assert.Fail($"{source.GetType().Name} has no check here");
                    break;
            }
        }
    }
}
