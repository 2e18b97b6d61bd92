namespace Cifar.Cli;

/// <summary>
/// The documented exit codes of dotnet-cifar (README, "Exit codes"). Failures are mapped to them in one place,
/// <see cref="Failures"/>.
/// </summary>
internal enum ExitCode
{
    Success = 0,
    /// <summary>Anything else: a bug (printed as <c>error: unexpected ...</c> with its stack trace), an unwritable folder.</summary>
    Failure = 1,
    /// <summary>Bad command-line arguments or an invalid spec.</summary>
    InvalidInput = 2,
    /// <summary>A dataset or weights download failed or did not pass its integrity check.</summary>
    DownloadFailed = 3,
    /// <summary><c>diff --fail-on-regression</c> found a regression.</summary>
    Regression = 4,
    /// <summary><c>verify</c>: a report folder differs from its manifest or from a rerun of its spec.</summary>
    Differs = 5,
    /// <summary><c>verify</c>: a report folder cannot be checked (no manifest or spec, a spec no longer valid, no dataset).</summary>
    CannotVerify = 6,
    /// <summary>Stopped by SIGINT (Ctrl+C): 128 + 2, the shell's code for a process ended by that signal.</summary>
    Interrupted = 130,
    /// <summary>Stopped by SIGTERM: 128 + 15, as above.</summary>
    Terminated = 143,
}
