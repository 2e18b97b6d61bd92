using System.ComponentModel;
using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Cifar.Reproducibility;

/// <summary>
/// Where a run happened, as the header of a BenchmarkDotNet report shows it: enough to tell two machines or two
/// builds apart when results differ. Plain strings only, so reports can be rendered (and tested) without libtorch.
/// </summary>
/// <param name="ToolVersion">Informational version of the entry assembly (dotnet-cifar), without SourceLink's build-commit suffix, e.g. <c>0.1.0</c>.</param>
/// <param name="Runtime">The .NET runtime, e.g. <c>.NET 10.0.0</c>.</param>
/// <param name="TorchSharpVersion">Version of the TorchSharp managed assembly.</param>
/// <param name="LibTorchVersion">libtorch's own version string (<c>torch.__version__</c>), e.g. <c>2.10.0+cpu</c>.</param>
/// <param name="OnnxRuntimeVersion">Version of the ONNX Runtime package (which ships its native library), used for frozen-base features.</param>
/// <param name="OperatingSystem">OS description, e.g. <c>Debian GNU/Linux 12 (bookworm)</c> or the kernel string.</param>
/// <param name="Cpu">The CPU: model name, vendor, family/model/stepping and the instruction sets libtorch dispatches on.</param>
/// <param name="LogicalCores">Logical processors visible to the process.</param>
/// <param name="Threads">Intra-op threads libtorch uses (<c>torch.get_num_threads()</c>).</param>
/// <param name="GitCommit">HEAD of the git repository of the current directory; null outside a repository or without git.</param>
/// <param name="CpuDispatchOverrides">Environment variables that change which CPU code libtorch's kernels run
/// (<see cref="CpuDispatchVariables"/>), as set for this run, by name; empty when none is set.</param>
public sealed record EnvironmentInfo(
    string ToolVersion,
    string Runtime,
    string TorchSharpVersion,
    string LibTorchVersion,
    string OnnxRuntimeVersion,
    string OperatingSystem,
    CpuInfo Cpu,
    int LogicalCores,
    int Threads,
    string? GitCommit,
    IReadOnlyDictionary<string, string> CpuDispatchOverrides)
{
    /// <summary>The spec's <c>determinism</c> level the run had in force (<c>fast</c> or <c>portable</c>).</summary>
    public string Determinism { get; init; } = "fast";

    /// <summary>
    /// Variables that make ATen (<c>ATEN_CPU_CAPABILITY</c>), Intel MKL (<c>MKL_CBWR</c>, <c>MKL_ENABLE_INSTRUCTIONS</c>)
    /// or oneDNN (<c>ONEDNN_MAX_CPU_ISA</c>, its older name <c>DNNL_MAX_CPU_ISA</c>) run other code than the CPU would
    /// get by default; each is measured to change a CNN's metrics.json (issue 12).
    /// </summary>
    public static IReadOnlyList<string> CpuDispatchVariables { get; } =
        ["ATEN_CPU_CAPABILITY", "MKL_CBWR", "MKL_ENABLE_INSTRUCTIONS", "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA"];

    /// <summary>Reads the real values of this process and machine. Loads libtorch (for its version and thread count).</summary>
    public static EnvironmentInfo Capture() => new(
        ToolVersion: InformationalVersion(Assembly.GetEntryAssembly()) ?? "unknown",
        Runtime: RuntimeInformation.FrameworkDescription,
        TorchSharpVersion: InformationalVersion(typeof(torch).Assembly) ?? "unknown",
        LibTorchVersion: torch.__version__,
        // The managed package's version, not OrtEnv's: asking the native library would load it for every run.
        OnnxRuntimeVersion: InformationalVersion(typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly) ?? "unknown",
        OperatingSystem: RuntimeInformation.OSDescription,
        Cpu: CpuInfo.Read(RuntimeInformation.ProcessArchitecture.ToString()),
        LogicalCores: Environment.ProcessorCount,
        Threads: torch.get_num_threads(),
        GitCommit: GitCommitOf(Environment.CurrentDirectory),
        CpuDispatchOverrides: DispatchOverrides(NativeEnvironment.Get)); // what native code reads, not .NET's copy

    /// <summary>The <see cref="CpuDispatchVariables"/> that are set (to something other than blank), sorted by name.</summary>
    internal static IReadOnlyDictionary<string, string> DispatchOverrides(Func<string, string?> environment)
    {
        var set = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in CpuDispatchVariables)
        {
            if (environment(name) is { } value && !string.IsNullOrWhiteSpace(value)) set[name] = value.Trim();
        }
        return set;
    }

    private static string? InformationalVersion(Assembly? assembly)
    {
        if (assembly is null) return null;
        string? version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString();
        // SourceLink appends "+<commit of the tool's build>"; the report names the commit on its own line.
        int plus = version?.IndexOf('+', StringComparison.Ordinal) ?? -1;
        return plus > 0 ? version![..plus] : version;
    }

    /// <summary>Runs <c>git rev-parse HEAD</c> in <paramref name="directory"/>; null if git is missing or it fails.</summary>
    internal static string? GitCommitOf(string directory)
    {
        var start = new ProcessStartInfo("git", ["rev-parse", "HEAD"])
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        try
        {
            using var git = Process.Start(start);
            if (git is null) return null;
            var output = git.StandardOutput.ReadToEndAsync();
            var error = git.StandardError.ReadToEndAsync();
            // A healthy rev-parse takes milliseconds; a hung git (credential prompt, network mount) must not stall a run.
            if (!git.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                git.Kill(entireProcessTree: true);
                return null;
            }
            var commit = output.GetAwaiter().GetResult().Trim();
            _ = error.GetAwaiter().GetResult();
            return git.ExitCode == 0 && commit.Length is 40 or 64 && commit.All(Uri.IsHexDigit) ? commit : null;
        }
        catch (Win32Exception)
        {
            return null; // git is not installed
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }
}
