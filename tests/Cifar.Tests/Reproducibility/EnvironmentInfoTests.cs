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
        Assert.False(string.IsNullOrWhiteSpace(env.Cpu.Model));
        Assert.InRange(env.Threads, 1, 4096);
        Assert.Equal(Environment.ProcessorCount, env.LogicalCores);
        Assert.True(env.GitCommit is null || env.GitCommit.Length == 40, env.GitCommit);
        Assert.Matches(@"^\d+\.\d+", env.OnnxRuntimeVersion);
    }

    [Fact]
    public void Cpu_identity_comes_from_the_first_processor_of_cpuinfo()
    {
        var cpuinfo = Path.Combine(_folder, "cpuinfo");
        File.WriteAllText(cpuinfo,
            "processor\t: 0\nvendor_id\t: FakeVendor\ncpu family\t: 25\nmodel\t\t: 1\nmodel name\t: Fake CPU @ 0 GHz\nstepping\t: 1\n" +
            "flags\t\t: fpu sse sse2 sse4_1 sse4_2 avx2 avx fma aes avx512f\n\nprocessor\t: 1\nmodel name\t: Other\nflags\t\t: amx_tile\n");

        var cpu = CpuInfo.Read("X64", cpuinfo);

        Assert.Equal("Fake CPU @ 0 GHz", cpu.Model);
        Assert.Equal("FakeVendor family 25 model 1 stepping 1", cpu.Identification);
        // Only the flags libtorch dispatches on, in the catalogue's order, whatever order /proc/cpuinfo gave.
        Assert.Equal(["sse4_1", "sse4_2", "avx", "fma", "avx2", "avx512f"], cpu.InstructionSets);
    }

    [Fact]
    public void Cpu_without_cpuinfo_fields_falls_back_to_the_architecture()
    {
        var cpuinfo = Path.Combine(_folder, "cpuinfo");
        File.WriteAllText(cpuinfo, "processor\t: 0\nHardware\t: FakeBoard\n");

        foreach (var cpu in new[] { CpuInfo.Read("Arm64", cpuinfo), CpuInfo.Read("Arm64", Path.Combine(_folder, "missing")) })
        {
            Assert.Equal("Arm64", cpu.Model);
            Assert.Null(cpu.Identification);
            Assert.Empty(cpu.InstructionSets);
        }
    }

    [Fact]
    public void Dispatch_overrides_are_the_set_variables_only()
    {
        var environment = new Dictionary<string, string?> { ["MKL_CBWR"] = "COMPATIBLE", ["ATEN_CPU_CAPABILITY"] = " ", ["PATH"] = "/bin" };

        var overrides = EnvironmentInfo.DispatchOverrides(name => environment.GetValueOrDefault(name));

        Assert.Equal(["MKL_CBWR"], overrides.Keys);
        Assert.Equal("COMPATIBLE", overrides["MKL_CBWR"]);
    }

    [Fact]
    public void Git_commit_is_null_outside_a_repository()
    {
        Assert.Null(EnvironmentInfo.GitCommitOf(_folder));
    }
}
