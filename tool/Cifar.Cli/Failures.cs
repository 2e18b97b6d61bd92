using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Cifar.Data;

namespace Cifar.Cli;

/// <summary>
/// The one place where a failure becomes what the user sees: its lines on standard error and its documented
/// <see cref="ExitCode"/>. Every message gets the <c>error: </c> prefix here, except a spec problem, which already
/// reads <c>file:line:col: message</c> as compilers print it; a stack trace is printed for bugs only.
/// </summary>
internal static partial class Failures
{
    /// <summary>Command-line syntax errors from System.CommandLine: one line each, then where to find the usage.</summary>
    public static ExitCode ReportArguments(IEnumerable<string> messages, TextWriter error)
    {
        foreach (var message in messages) error.WriteLine(ErrorLine(message));
        error.WriteLine("Run 'dotnet cifar --help' for usage.");
        return ExitCode.InvalidInput;
    }

    /// <summary>
    /// Prints <paramref name="failure"/> and returns its exit code. <paramref name="signal"/> is the interrupting
    /// signal, if one arrived: the cancellation it caused is then reported as one line, and so is a user error that
    /// followed it (a git child process ended by the same Ctrl+C, say); only a bug still shows its stack trace.
    /// </summary>
    public static ExitCode Report(Exception failure, PosixSignal? signal, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(failure);
        ArgumentNullException.ThrowIfNull(error);
        if (signal is { } received && (IsCancellation(failure) || failure is CifarUserException))
        {
            bool interrupt = received == PosixSignal.SIGINT;
            error.WriteLine(ErrorLine($"interrupted by {(interrupt ? "SIGINT" : "SIGTERM")}"));
            return interrupt ? ExitCode.Interrupted : ExitCode.Terminated;
        }

        if (failure is CifarUserException user)
        {
            foreach (var line in user.Lines) error.WriteLine(ErrorLine(line));
            return user.Kind switch
            {
                UserErrorKind.InvalidInput => ExitCode.InvalidInput,
                UserErrorKind.Download => ExitCode.DownloadFailed,
                _ => ExitCode.Failure,
            };
        }

        // A bug: one line that says so, then everything needed to find it.
        error.WriteLine(ErrorLine($"unexpected {failure.GetType().FullName}: {OneLine(failure.Message)}; this is a bug, please report it with the trace below"));
        error.WriteLine(UrlRedaction.Redact(failure.ToString()));
        return ExitCode.Failure;
    }

    /// <summary>
    /// <paramref name="message"/> as printed: prefixed with <c>error: </c> unless it is a <c>file:line:col:</c> line, and
    /// with any URL's credentials hidden (<see cref="UrlRedaction"/>): the last line of defence, since a spec problem
    /// or an exception may quote a URL.
    /// </summary>
    internal static string ErrorLine(string message)
    {
        var redacted = UrlRedaction.Redact(message);
        return PositionedLine().IsMatch(redacted) ? redacted : "error: " + redacted;
    }

    private static bool IsCancellation(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is OperationCanceledException) return true;
            if (e is AggregateException aggregate && aggregate.InnerExceptions.Any(IsCancellation)) return true;
        }
        return false;
    }

    private static string OneLine(string text) => string.Join(' ', text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

    /// <summary><c>path:line:col: </c> at the start, as the spec loader formats every problem.</summary>
    [GeneratedRegex(@"^.+?:\d+:\d+: ", RegexOptions.CultureInvariant)]
    private static partial Regex PositionedLine();
}
