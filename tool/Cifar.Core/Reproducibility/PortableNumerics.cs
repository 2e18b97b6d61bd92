using System.Runtime.InteropServices;

namespace Cifar.Reproducibility;

/// <summary>
/// Pins libtorch's CPU numerics to code whose summation order does not depend on the CPU model (the spec's
/// <c>determinism: portable</c>, issue 12 point 5). Three libraries inside libtorch pick code by CPU, and each was
/// measured to change a CNN's metrics.json: ATen's vectorised kernels (AVX-512 sums 16 lanes, AVX2 8), Intel MKL's
/// matrix products (a branch per processor generation) and oneDNN's convolutions (ISA and blocking chosen from the
/// cache sizes). The pin: <c>ATEN_CPU_CAPABILITY=avx2</c>, <c>MKL_CBWR=AVX2</c> (MKL's conditional numerical
/// reproducibility) and oneDNN's convolutions switched off, so convolutions run as ATen's im2col plus MKL matrix
/// products, under the first two pins.
/// </summary>
/// <remarks>
/// ATen and MKL read their variables with getenv at their first use, so they must be in the native environment before
/// libtorch loads. On Linux, .NET's Environment.SetEnvironmentVariable changes only the runtime's managed copy, so the
/// variables are set with libc's setenv (and in the managed copy, for child processes and readers in .NET). The
/// alternative, re-executing the process with the variables set, doubles start-up, must forward arguments, signals and
/// exit codes, and cannot work inside a test host; setenv is safe here because it runs before libtorch (the only native
/// reader) is loaded, which <see cref="Pin"/> checks. TorchSharp 0.107 has no switch for oneDNN (its
/// <c>torch.backends</c> has cuDNN and CUDA only), so the switch Python's <c>torch.backends.mkldnn.enabled = False</c>
/// uses, <c>at::globalContext().setUserEnabledMkldnn(false)</c>, is called through libtorch_cpu's exported C++ symbols:
/// Itanium-mangled names of a public libtorch API, looked up at run time (a missing one is a clear error, never a
/// silent fast run) and read back through <c>userEnabledMkldnn()</c> for the report.
/// </remarks>
public static unsafe partial class PortableNumerics
{
    /// <summary>The environment variables the portable level sets, in the order they are set.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Variables { get; } =
    [
        new("ATEN_CPU_CAPABILITY", "avx2"),
        new("MKL_CBWR", "AVX2"),
    ];

    /// <summary>The x86-64 instruction sets the pinned code needs (ATen's AVX2 kernels use FMA too).</summary>
    public static IReadOnlyList<string> RequiredInstructionSets { get; } = ["avx2", "fma"];

    private const string LibTorchCpu = "libtorch_cpu.so";
    private const string GlobalContextSymbol = "_ZN2at13globalContextEv";
    private const string SetMkldnnSymbol = "_ZN2at7Context20setUserEnabledMkldnnEb";
    private const string GetMkldnnSymbol = "_ZNK2at7Context17userEnabledMkldnnEv";

    /// <summary>
    /// Sets <see cref="Variables"/> in the native environment, loads libtorch, and switches oneDNN's convolutions off.
    /// Throws <see cref="CifarUserException"/> when the pin cannot hold: not Linux x86-64, a CPU without AVX2 and FMA,
    /// libtorch already loaded, a pinned variable already set to another value, or the oneDNN switch not found.
    /// </summary>
    /// <param name="loadLibTorch">Loads libtorch (any TorchSharp call does); a parameter so this layer needs no TorchSharp.</param>
    public static void Pin(CpuInfo cpu, Action loadLibTorch, string procMaps = "/proc/self/maps")
    {
        ArgumentNullException.ThrowIfNull(cpu);
        ArgumentNullException.ThrowIfNull(loadLibTorch);
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            throw Refused($"needs Linux on x86-64 (this is {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture}): its pins are x86-64 instruction sets and libtorch's Linux symbols");
        }
        var missing = RequiredInstructionSets.Where(s => !cpu.InstructionSets.Contains(s)).ToList();
        if (missing.Count > 0)
        {
            throw Refused($"needs a CPU with {string.Join(" and ", RequiredInstructionSets)}; this one ({cpu.Model}) lacks {string.Join(", ", missing)}");
        }
        if (LoadedLibTorch(procMaps) is not null)
        {
            throw Refused("must be chosen before libtorch loads, and this process has already loaded it: run the spec in its own `dotnet cifar run`");
        }
        foreach (var (name, value) in Variables)
        {
            if (NativeEnvironment.Get(name) is { } set && !string.IsNullOrWhiteSpace(set) && !string.Equals(set.Trim(), value, StringComparison.OrdinalIgnoreCase))
            {
                throw Refused($"sets {name}={value}, but the environment already has {name}={set}: unset it, or use `determinism: fast` to run with it");
            }
        }

        foreach (var (name, value) in Variables) NativeEnvironment.Set(name, value);
        loadLibTorch();

        var library = LoadedLibTorch(procMaps) ?? throw Refused($"could not find {LibTorchCpu} among the loaded libraries after loading libtorch");
        var handle = NativeLibrary.Load(library);
        if (!NativeLibrary.TryGetExport(handle, GlobalContextSymbol, out var globalContext)
            || !NativeLibrary.TryGetExport(handle, SetMkldnnSymbol, out var setMkldnn)
            || !NativeLibrary.TryGetExport(handle, GetMkldnnSymbol, out var getMkldnn))
        {
            throw Refused($"cannot switch oneDNN off: {library} does not export at::Context::setUserEnabledMkldnn (another libtorch build?)");
        }
        _getMkldnn = getMkldnn;
        _globalContext = globalContext;
        var context = ((delegate* unmanaged<nint>)globalContext)();
        ((delegate* unmanaged<nint, byte, void>)setMkldnn)(context, 0);
        if (OneDnnConvolutionsEnabled() != false) throw Refused("switched oneDNN off, but libtorch still reports it on");
    }

    private static nint _globalContext;
    private static nint _getMkldnn;

    /// <summary>libtorch's own answer to "may convolutions use oneDNN?"; null when <see cref="Pin"/> has not run (the default: yes).</summary>
    public static bool? OneDnnConvolutionsEnabled()
    {
        if (_getMkldnn == 0) return null;
        var context = ((delegate* unmanaged<nint>)_globalContext)();
        return ((delegate* unmanaged<nint, byte>)_getMkldnn)(context) != 0;
    }

    /// <summary>The full path of libtorch_cpu.so if this process has mapped it, from /proc/self/maps.</summary>
    internal static string? LoadedLibTorch(string maps)
    {
        try
        {
            foreach (var line in File.ReadLines(maps))
            {
                var slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash >= 0 && line.EndsWith("/" + LibTorchCpu, StringComparison.Ordinal)) return line[slash..];
            }
        }
        catch (IOException)
        {
        }
        return null;
    }

    private static CifarUserException Refused(string why) =>
        new(UserErrorKind.Other, "determinism: portable " + why);
}

/// <summary>The process's native environment (libc's), which native libraries read; .NET's view of it is a copy on Linux.</summary>
public static partial class NativeEnvironment
{
    /// <summary>getenv, or .NET's copy where there is no libc.</summary>
    public static string? Get(string name)
    {
        if (!OperatingSystem.IsLinux()) return Environment.GetEnvironmentVariable(name);
        return Marshal.PtrToStringUTF8(GetEnv(name));
    }

    /// <summary>setenv in libc and in .NET's copy, so native code, child processes and .NET all see the value.</summary>
    public static void Set(string name, string value)
    {
        if (OperatingSystem.IsLinux() && SetEnv(name, value, 1) != 0)
        {
            throw new InvalidOperationException($"setenv({name}) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        Environment.SetEnvironmentVariable(name, value);
    }

    [LibraryImport("libc", EntryPoint = "getenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint GetEnv(string name);

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
