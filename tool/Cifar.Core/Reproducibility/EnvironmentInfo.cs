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
/// <param name="OperatingSystem">OS description, e.g. <c>Debian GNU/Linux 12 (bookworm)</c> or the kernel string.</param>
/// <param name="Cpu">CPU model name (from /proc/cpuinfo on Linux), else the process architecture.</param>
/// <param name="LogicalCores">Logical processors visible to the process.</param>
/// <param name="Threads">Intra-op threads libtorch uses (<c>torch.get_num_threads()</c>).</param>
/// <param name="GitCommit">HEAD of the git repository of the current directory; null outside a repository or without git.</param>
public sealed record EnvironmentInfo(
    string ToolVersion,
    string Runtime,
    string TorchSharpVersion,
    string LibTorchVersion,
    string OperatingSystem,
    string Cpu,
    int LogicalCores,
    int Threads,
    string? GitCommit)
{
    /// <summary>Reads the real values of this process and machine. Loads libtorch (for its version and thread count).</summary>
    public static EnvironmentInfo Capture() => new(
        ToolVersion: InformationalVersion(Assembly.GetEntryAssembly()) ?? "unknown",
        Runtime: RuntimeInformation.FrameworkDescription,
        TorchSharpVersion: InformationalVersion(typeof(torch).Assembly) ?? "unknown",
        LibTorchVersion: torch.__version__,
        OperatingSystem: RuntimeInformation.OSDescription,
        Cpu: CpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString(),
        LogicalCores: Environment.ProcessorCount,
        Threads: torch.get_num_threads(),
        GitCommit: GitCommitOf(Environment.CurrentDirectory));

    private static string? InformationalVersion(Assembly? assembly)
    {
        if (assembly is null) return null;
        string? version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString();
        // SourceLink appends "+<commit of the tool's build>"; the report names the commit on its own line.
        int plus = version?.IndexOf('+', StringComparison.Ordinal) ?? -1;
        return plus > 0 ? version![..plus] : version;
    }

    /// <summary>The first "model name" line of /proc/cpuinfo (Linux x64; ARM kernels often have none).</summary>
    internal static string? CpuModel(string cpuinfoPath = "/proc/cpuinfo")
    {
        try
        {
            if (!File.Exists(cpuinfoPath)) return null;
            foreach (var line in File.ReadLines(cpuinfoPath))
            {
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && line[..colon].Trim() == "model name")
                {
                    var model = line[(colon + 1)..].Trim();
                    return model.Length > 0 ? model : null;
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return null;
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
