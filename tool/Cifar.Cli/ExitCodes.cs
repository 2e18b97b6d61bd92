namespace Cifar.Cli;

internal static class ExitCodes
{
    public static ExitCode For(UserErrorKind kind) => kind switch
    {
        UserErrorKind.InvalidInput => ExitCode.InvalidInput,
        UserErrorKind.Download => ExitCode.DownloadFailed,
        _ => ExitCode.Failure,
    };
}
