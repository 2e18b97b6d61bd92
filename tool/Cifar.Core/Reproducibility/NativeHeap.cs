using System.Runtime.InteropServices;

namespace Cifar.Reproducibility;

/// <summary>
/// Hands freed native memory back to the OS. Training a pretrained base allocates and frees activations of many sizes
/// every batch; glibc's malloc raises its mmap threshold after such frees and then keeps the memory in fragmented heap
/// arenas, so resident memory grew every batch while fine-tuning although no tensor was alive (the live-tensor count
/// stays flat). The measured growth, and the peak with and without the trim, are in benchmarks/RESULTS.md
/// ("Fine-tuning").
/// </summary>
public static partial class NativeHeap
{
    private static bool _unavailable = !OperatingSystem.IsLinux();

    /// <summary>glibc's malloc_trim(0); a no-op where the C library has none (musl, macOS, Windows).</summary>
    public static void Trim()
    {
        if (_unavailable) return;
        try
        {
            _ = MallocTrim(0);
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            _unavailable = true;
        }
    }

    /// <summary>The process's resident set size in bytes (the second field of /proc/self/statm, in pages); null where there
    /// is no /proc (not Linux) or it cannot be read.</summary>
    public static long? ResidentBytes()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            var fields = File.ReadAllText("/proc/self/statm").Split(' ');
            return fields.Length > 1 && long.TryParse(fields[1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var pages)
                ? pages * Environment.SystemPageSize
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
