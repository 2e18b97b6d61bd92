using Cifar.Reproducibility;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Reproducibility;

public sealed class EnvironmentInfoTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cifar-env-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [TorchFact]
    public void Capture_reads_real_values()
    {
        var env = EnvironmentInfo.Capture();

        Assert.StartsWith(".NET ", env.Runtime, StringComparison.Ordinal);
        Assert.StartsWith("0.107.", env.TorchSharpVersion, StringComparison.Ordinal);
        Assert.Matches(@"^\d+\.\d+", env.LibTorchVersion);
        Assert.False(string.IsNullOrWhiteSpace(env.OperatingSystem));
        Assert.False(string.IsNullOrWhiteSpace(env.Cpu));
        Assert.InRange(env.Threads, 1, 4096);
        Assert.Equal(Environment.ProcessorCount, env.LogicalCores);
        Assert.True(env.GitCommit is null || env.GitCommit.Length == 40, env.GitCommit);
    }

    [Fact]
    public void Cpu_model_comes_from_the_model_name_line()
    {
        var cpuinfo = Path.Combine(_folder, "cpuinfo");
        File.WriteAllText(cpuinfo, "processor\t: 0\nvendor_id\t: FakeVendor\nmodel name\t: Fake CPU @ 0 GHz\n\nprocessor\t: 1\nmodel name\t: Other\n");

        Assert.Equal("Fake CPU @ 0 GHz", EnvironmentInfo.CpuModel(cpuinfo));
    }

    [Fact]
    public void Cpu_model_is_null_without_a_model_name()
    {
        var cpuinfo = Path.Combine(_folder, "cpuinfo");
        File.WriteAllText(cpuinfo, "processor\t: 0\nHardware\t: FakeBoard\n");

        Assert.Null(EnvironmentInfo.CpuModel(cpuinfo));
        Assert.Null(EnvironmentInfo.CpuModel(Path.Combine(_folder, "missing")));
    }

    [Fact]
    public void Git_commit_is_null_outside_a_repository()
    {
        Assert.Null(EnvironmentInfo.GitCommitOf(_folder));
    }
}
