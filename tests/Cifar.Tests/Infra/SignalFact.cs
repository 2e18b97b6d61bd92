namespace Cifar.Tests.Infra;

/// <summary>
/// A fact that sends POSIX signals to the tool it runs, which then trains: skips on Windows (no kill(2)) and where
/// libtorch does not load, with the reason. CI runs on Linux, so it runs there.
/// </summary>
public sealed class SignalFactAttribute : FactAttribute
{
    public SignalFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "POSIX signals: not on Windows";
        else if (new TorchFactAttribute().Skip is { } problem) Skip = problem;
    }
}
