namespace Cifar.Cli;

/// <summary>The documented exit codes of dotnet-cifar (README, "Exit codes"). Mapped from errors in one place: Program.</summary>
internal enum ExitCode
{
    Success = 0,
    /// <summary>Anything else: a bug, an unwritable folder, an interrupted run.</summary>
    Failure = 1,
    /// <summary>Bad command-line arguments or an invalid spec.</summary>
    InvalidInput = 2,
    /// <summary>A dataset or weights download failed or did not pass its integrity check.</summary>
    DownloadFailed = 3,
    /// <summary><c>diff --fail-on-regression</c> found a regression.</summary>
    Regression = 4,
}
