namespace Cifar.Tests.Infra;

/// <summary>
/// A fact checked in a real browser: Debian's Chromium at <see cref="ExecutablePath"/>, driven by Playwright. Skips
/// with a reason where it is not installed; CI installs it (<c>.ci/run</c>: <c>apt-get install -y chromium</c>), so
/// there it runs. Playwright's own browser download (<c>playwright install</c>) is never used: it needs the internet.
/// </summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    /// <summary>Where Debian's <c>chromium</c> package puts its launcher; <c>CHROMIUM_PATH</c> overrides it.</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public ChromiumFactAttribute()
    {
        if (!File.Exists(ExecutablePath)) Skip = $"needs Chromium at {ExecutablePath} (apt-get install -y chromium; .ci/run installs it)";
    }
}
