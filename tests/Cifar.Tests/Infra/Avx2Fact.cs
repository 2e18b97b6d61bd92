using System.Runtime.InteropServices;
using Cifar.Reproducibility;

namespace Cifar.Tests.Infra;

/// <summary>
/// A fact about <c>determinism: portable</c>, which needs Linux on an x86-64 CPU with AVX2 and FMA. Skips with a reason
/// elsewhere (ARM, macOS, Windows, an old x86-64 CPU); CI's x86-64 Linux runners have both, so it runs there.
/// </summary>
public sealed class Avx2FactAttribute : FactAttribute
{
    private static readonly Lazy<bool> Supported = new(() =>
        OperatingSystem.IsLinux()
        && RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.X64
        && PortableNumerics.RequiredInstructionSets.All(CpuInfo.Read("X64").InstructionSets.Contains));

    public Avx2FactAttribute()
    {
        if (!Supported.Value) Skip = "needs Linux on an x86-64 CPU with AVX2 and FMA (determinism: portable's pins)";
    }
}
