using System.Diagnostics;

namespace Cifar.Tests.Infra;

/// <summary>
/// A tiny tmpfs mounted on a fresh temporary folder, to fill a real file system in a test (a full disk during a
/// download or an extraction). Needs root and the <c>mount</c> command: CI runs as root; elsewhere
/// <see cref="TmpfsFactAttribute"/> skips the test with the reason.
/// </summary>
public sealed class SmallTmpfs : IDisposable
{
    private readonly TempFolder _folder = new("cifar-tmpfs");

    public SmallTmpfs(int kibibytes)
    {
        Path = _folder.Path;
        var problem = Run("mount", "-t", "tmpfs", "-o", $"size={kibibytes}k,mode=0700", "tmpfs", Path);
        if (problem is not null) throw new InvalidOperationException("mount failed: " + problem);
    }

    public string Path { get; }

    public void Dispose()
    {
        Run("umount", "-l", Path);
        _folder.Dispose();
    }

    /// <summary>Why a tmpfs cannot be mounted here, or null if it can (checked once, by mounting one).</summary>
    internal static readonly Lazy<string?> Unavailable = new(() =>
    {
        if (!OperatingSystem.IsLinux()) return "tmpfs needs Linux";
        if (Environment.UserName != "root") return "mounting a tmpfs needs root (CI runs as root)";
        try
        {
            using var probe = new SmallTmpfs(64);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return e.Message;
        }
    });

    /// <summary>Runs a command; returns null on success, else its error output.</summary>
    private static string? Run(string command, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0 ? null : error.Trim();
    }
}

/// <summary>A fact that needs <see cref="SmallTmpfs"/>; skips with the reason where a tmpfs cannot be mounted.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    public TmpfsFactAttribute()
    {
        if (SmallTmpfs.Unavailable.Value is { } problem) Skip = "no small file system to fill: " + problem;
    }
}
