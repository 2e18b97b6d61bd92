using Cifar.Running;
using System.Diagnostics;
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
