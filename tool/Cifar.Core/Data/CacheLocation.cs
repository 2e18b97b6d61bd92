namespace Cifar.Data;

/// <summary>Where downloaded datasets and weights are cached (see docs/data.md).</summary>
public static class CacheLocation
{
    /// <summary>Environment variable that overrides the cache folder when <c>--cache-dir</c> is not given.</summary>
    public const string EnvironmentVariable = "CIFAR_CACHE_DIR";

    /// <summary>
    /// The cache folder: <paramref name="cacheDirOption"/> (the CLI's <c>--cache-dir</c>) &gt; <c>CIFAR_CACHE_DIR</c>
    /// &gt; <c>$XDG_CACHE_HOME/dotnet-cifar</c> &gt; <c>~/.cache/dotnet-cifar</c>. Returned as an absolute path; not created.
    /// </summary>
    public static string Resolve(string? cacheDirOption) => Resolve(cacheDirOption, Environment.GetEnvironmentVariable);

    internal static string Resolve(string? cacheDirOption, Func<string, string?> environment)
    {
        if (!string.IsNullOrWhiteSpace(cacheDirOption)) return Path.GetFullPath(cacheDirOption);
        if (environment(EnvironmentVariable) is { Length: > 0 } fromEnvironment) return Path.GetFullPath(fromEnvironment);
        // The XDG base-directory spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
        if (environment("XDG_CACHE_HOME") is { Length: > 0 } xdg && Path.IsPathRooted(xdg)) return Path.Combine(xdg, "dotnet-cifar");
        var home = environment("HOME") is { Length: > 0 } h ? h : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Path.Combine(home, ".cache", "dotnet-cifar");
    }
}
