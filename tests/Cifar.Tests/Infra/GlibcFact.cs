using System.Runtime.InteropServices;

namespace Cifar.Tests.Infra;

/// <summary>
/// A fact about glibc's allocator (malloc_trim). Skips with a reason where the C library is not glibc (macOS, Windows,
/// musl); CI runs on glibc Linux, where it runs.
/// </summary>
public sealed class GlibcFactAttribute : FactAttribute
{
    private static readonly Lazy<bool> HasMallocTrim = new(() =>
        OperatingSystem.IsLinux()
        && NativeLibrary.TryLoad("libc.so.6", out var libc)
        && NativeLibrary.TryGetExport(libc, "malloc_trim", out _));

    public GlibcFactAttribute()
    {
        if (!HasMallocTrim.Value) Skip = "needs glibc (malloc_trim); this C library has none";
    }
}
