using System.Runtime.InteropServices;
using Cifar.Cli;

namespace Cifar.Tests.Cli;

/// <summary>The one place that turns a failure into console lines and an exit code.</summary>
public sealed class FailuresTests
{
    private static (ExitCode Code, string[] Lines) Report(Exception failure, PosixSignal? signal = null)
    {
        using var error = new StringWriter();
        var code = Failures.Report(failure, signal, error);
        return (code, error.ToString().ReplaceLineEndings("\n").TrimEnd('\n').Split('\n'));
    }

    private static Exception Thrown(Func<Exception> make)
    {
        try
        {
            throw make();
        }
        catch (Exception e)
        {
            return e;
        }
    }

    [Fact]
    public void A_bug_exits_1_with_one_unexpected_line_then_its_stack_trace()
    {
        var (code, lines) = Report(Thrown(() => new InvalidOperationException("the model has no layers\nsecond line")));

        Assert.Equal(ExitCode.Failure, code);
        Assert.Equal("error: unexpected System.InvalidOperationException: the model has no layers second line; " +
            "this is a bug, please report it with the trace below", lines[0]);
        Assert.Contains(lines, line => line.TrimStart().StartsWith("at Cifar.Tests.Cli.FailuresTests", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(UserErrorKind.InvalidInput, 2)]
    [InlineData(UserErrorKind.Download, 3)]
    [InlineData(UserErrorKind.Other, 1)]
    public void A_user_error_is_its_lines_with_one_error_prefix_and_no_trace(UserErrorKind kind, int expected)
    {
        var (code, lines) = Report(Thrown(() => new CifarUserException(kind, "cache folder '/x' is not writable")));

        Assert.Equal(expected, (int)code);
        Assert.Equal(["error: cache folder '/x' is not writable"], lines);
    }

    [Fact]
    public void Spec_problems_keep_their_position_first_and_other_lines_get_the_prefix()
    {
        var (code, lines) = Report(new CifarUserException(UserErrorKind.InvalidInput,
            ["specs/cnn.yaml:24:21: `training.optimizer.type` is 'adma'", "specs/other.yaml: cannot read: it is a folder; expected a YAML file"]));

        Assert.Equal(ExitCode.InvalidInput, code);
        Assert.Equal(["specs/cnn.yaml:24:21: `training.optimizer.type` is 'adma'",
            "error: specs/other.yaml: cannot read: it is a folder; expected a YAML file"], lines);
    }

    [Theory]
    [InlineData(PosixSignal.SIGINT, 130, "error: interrupted by SIGINT")]
    [InlineData(PosixSignal.SIGTERM, 143, "error: interrupted by SIGTERM")]
    public void After_a_signal_the_cancellation_is_one_line_with_the_signal_code(PosixSignal signal, int expected, string line)
    {
        var cancelled = Report(new OperationCanceledException(), signal);
        Assert.Equal(expected, (int)cancelled.Code);
        Assert.Equal([line], cancelled.Lines);
        // What a cancelled step surfaced as (a git child killed by the same Ctrl+C, say) reads the same.
        var failed = Report(new CifarUserException(UserErrorKind.Other, "git failed"), signal);
        Assert.Equal(expected, (int)failed.Code);
        Assert.Equal([line], failed.Lines);
    }

    [Fact]
    public void A_cancellation_without_a_signal_is_a_bug()
    {
        var (code, lines) = Report(Thrown(() => new TaskCanceledException("a timeout nobody handled")));
        Assert.Equal(ExitCode.Failure, code);
        Assert.StartsWith("error: unexpected System.Threading.Tasks.TaskCanceledException", lines[0], StringComparison.Ordinal);
    }
}
