using System.Globalization;
using System.Runtime.InteropServices;

namespace Cifar.Tests.Infra;

/// <summary>
/// A fact that sends a POSIX signal to the tool it runs, which then trains. Skips, with the reason, on Windows (no
/// kill(2)), where libtorch does not load, and where this test process ignores the signal: a child inherits an
/// ignored signal (a job started with <c>&amp;</c> in a non-interactive shell ignores SIGINT), and .NET, like every
/// Unix program, leaves it ignored, unless <see cref="ToolProcess"/> can start the tool through coreutils' <c>env
/// --default-signal</c>, which it does wherever that exists (every Debian and Ubuntu), so CI runs these tests.
/// </summary>
public sealed class SignalFactAttribute : FactAttribute
{
    public SignalFactAttribute(PosixSignal signal)
    {
        if (OperatingSystem.IsWindows()) Skip = "POSIX signals: not on Windows";
        else if (new TorchFactAttribute().Skip is { } problem) Skip = problem;
        else if (!ToolProcess.CanResetSignals && IsIgnoredHere(signal)) Skip = $"{signal} is ignored by this test process, so the tool it starts would ignore it too";
    }

    private static bool IsIgnoredHere(PosixSignal signal)
    {
        int number = signal switch
        {
            PosixSignal.SIGINT => 2,
            PosixSignal.SIGTERM => 15,
            _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "SIGINT or SIGTERM"),
        };
        // Linux shows the ignored signals as a hexadecimal mask, bit n - 1 for signal n; elsewhere assume not ignored.
        const string Status = "/proc/self/status";
        if (!File.Exists(Status)) return false;
        string? mask = File.ReadLines(Status).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal))?["SigIgn:".Length..].Trim();
        return mask is not null && (ulong.Parse(mask, NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (number - 1))) != 0;
    }
}
