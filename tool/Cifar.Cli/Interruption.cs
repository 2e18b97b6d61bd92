using System.Runtime.InteropServices;

namespace Cifar.Cli;

/// <summary>
/// Turns the first SIGINT (Ctrl+C) or SIGTERM into a cancellation that the running verb observes at its next check
/// (every training or validation batch, every extraction batch, every downloaded chunk), so it stops with every
/// temporary file and folder cleaned up and the previous report folder as it was. A second signal is left to its
/// default action: the process ends at once, for a user who does not want to wait.
/// </summary>
/// <remarks>
/// System.CommandLine's own handling (<c>InvocationConfiguration.ProcessTerminationTimeout</c>) is turned off in
/// <c>Program</c>, for two reasons. After its timeout it completes the invocation with 130 or 143 while the action is
/// still running, so <c>Main</c> would return and the process end in the middle of whatever the run was doing (a
/// report swap, a cache write); and when the action does stop in time, the <see cref="OperationCanceledException"/>
/// it ends with no longer says which signal it was. This class keeps its exit-code convention (130 and 143).
/// </remarks>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _cancellation = new();
    private readonly PosixSignalRegistration _interrupt;
    private readonly PosixSignalRegistration _terminate;
    private PosixSignal? _signal;

    public Interruption()
    {
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
    }

    /// <summary>Cancelled when the first signal arrives.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>The first signal received, if any.</summary>
    public PosixSignal? Signal
    {
        get
        {
            lock (_cancellation) return _signal;
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        lock (_cancellation)
        {
            if (_signal is not null) return; // the second one: not cancelled, so the runtime ends the process now
            _signal = context.Signal;
        }
        context.Cancel = true;
        _cancellation.Cancel();
    }

    public void Dispose()
    {
        _interrupt.Dispose();
        _terminate.Dispose();
        _cancellation.Dispose();
    }
}
