using System.Diagnostics;
using Cifar.Running;
using Cifar.Specs;
using Cifar.Tests.Infra;
using Cifar.Tests.Specs;

namespace Cifar.Tests.Hostile;

/// <summary>
/// Spec files that would make a naive reader slow or huge: deep nesting, megabytes of text, an endless device. Each
/// is refused within a second with one <c>file: message</c> line (exit code 2).
/// </summary>
public sealed class HostileSpecFileTests : IDisposable
{
    private readonly TempFolder _temp = new("cifar-hostile-spec");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_100000_deep_flow_list_is_refused_at_the_65th_level_within_a_second()
    {
        var path = Write("deep.yaml", "name: x\nseed: 1\ndata: " + new string('[', 100_000) + new string(']', 100_000) + "\n");

        var (error, elapsed) = Load(path);

        Assert.Equal($"{path}:3:71: the spec nests deeper than 64 levels; expected a spec", Assert.Single(error.Lines));
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"took {elapsed}");
    }

    [Fact]
    public void A_deep_block_mapping_is_refused_the_same_way()
    {
        var lines = Enumerable.Range(0, 1_000).Select(i => new string(' ', i) + "k:");
        var path = Write("deep-block.yaml", string.Join('\n', lines) + " 1\n");

        var (error, elapsed) = Load(path);

        Assert.Equal($"{path}:66:66: the spec nests deeper than 64 levels; expected a spec", Assert.Single(error.Lines));
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"took {elapsed}");
    }

    [Fact]
    public void A_spec_larger_than_a_mebibyte_is_not_read()
    {
        var path = Write("huge.yaml", "name: x\n# " + new string('x', SpecLoader.MaxSpecBytes) + "\n");

        var (error, elapsed) = Load(path);

        Assert.Equal($"{path}: cannot read: more than 1024 KiB; expected a YAML spec (a few KB)", Assert.Single(error.Lines));
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"took {elapsed}");
    }

    [Fact]
    public void An_endless_device_is_not_read_past_the_limit()
    {
        // The tool is built for Linux only (see README), where /dev/zero always exists.
        var (error, elapsed) = Load("/dev/zero");

        Assert.Equal("/dev/zero: cannot read: more than 1024 KiB; expected a YAML spec (a few KB)", Assert.Single(error.Lines));
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"took {elapsed}");
    }

    [Fact]
    public void A_spec_just_under_the_limit_is_read()
    {
        var spec = File.ReadAllText(SpecTestFiles.CnnExample);
        var path = Write("padded.yaml", spec + "# " + new string('x', SpecLoader.MaxSpecBytes - spec.Length - 3) + "\n");

        Assert.Equal("cnn", ExperimentSpecs.Loader.Load(path).Name);
    }

    [Theory]
    [InlineData("top")]
    [InlineData("data")]
    public void A_mebibyte_of_60000_unknown_keys_is_validated_in_linear_time(string where)
    {
        var spec = File.ReadAllText(SpecTestFiles.CnnExample);
        var keys = string.Concat(Enumerable.Range(0, 60_000).Select(i => where == "top" ? $"k{i}: {i}\n" : $"  x{i}: {i}\n"));
        var path = Write("keys.yaml", where == "top" ? spec + "\n" + keys : spec.Replace("data:\n", "data:\n" + keys, StringComparison.Ordinal));
        Load(path); // warm-up: the JIT, not the validator, is slow the first time
        var (error, elapsed) = Load(path);

        Assert.Equal(60_000, error.Lines.Count);
        // About 0.5 s on an idle 2-core machine (3.7 s before); the margin is for a loaded CI runner.
        Assert.True(elapsed < TimeSpan.FromSeconds(3), $"took {elapsed}");
    }

    [Fact]
    public void A_list_of_20000_layers_is_validated_in_linear_time()
    {
        var spec = File.ReadAllText(SpecTestFiles.CnnExample);
        var path = Write("layers.yaml", spec.Replace("    - dense: {units: 10}\n", string.Concat(Enumerable.Repeat("    - dense: {units: 10}\n", 20_000)), StringComparison.Ordinal));
        ExperimentSpecs.Loader.Load(path);
        var clock = Stopwatch.StartNew();

        ExperimentSpecs.Loader.Load(path);

        // Keras names were found by rescanning the list for every layer: 14 s before, well under 1 s now.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"took {clock.Elapsed}");
    }

    [Theory]
    [InlineData("seed: !!int 42", null)]
    [InlineData("seed: !!str 42", "5:7: `seed` is the string '42'; expected an integer")]
    [InlineData("seed: !!int forty", "5:7: `seed` is 'forty'; expected an integer")]
    [InlineData("seed: !custom 42", "5:7: `seed` has the tag '!custom'; expected no tag, or one of !!str, !!int, !!float, !!bool, !!null")]
    [InlineData("seed: !!binary 42", "5:7: `seed` has the tag '!!binary'; expected no tag, or one of !!str, !!int, !!float, !!bool, !!null")]
    public void Yaml_tags_are_understood_or_refused_accurately(string seed, string? problem)
    {
        var yaml = File.ReadAllText(SpecTestFiles.CnnExample).Replace("seed: 42", seed, StringComparison.Ordinal);
        if (problem is null)
            Assert.Equal(42, ExperimentSpecs.Loader.Parse(yaml, "spec.yaml").Seed);
        else
            Assert.Equal(["spec.yaml:" + problem], SpecTestFiles.Problems(yaml));
    }

    private string Write(string name, string text)
    {
        var path = _temp.Combine(name);
        File.WriteAllText(path, text);
        return path;
    }

    private static (CifarUserException Error, TimeSpan Elapsed) Load(string path)
    {
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<CifarUserException>(() => ExperimentSpecs.Loader.LoadAll([path]));
        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        return (error, clock.Elapsed);
    }
}
