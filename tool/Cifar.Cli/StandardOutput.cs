using System.Text;

namespace Cifar.Cli;

/// <summary>
/// Standard output that reports a failed write (a full disk behind <c>&gt; file</c>, say) as a user error, one line
/// and exit code 1, instead of an unexpected exception that asks for a bug report.
/// </summary>
internal sealed class StandardOutput(TextWriter inner) : TextWriter
{
    /// <summary>Makes every later <see cref="Console.Out"/> (and the console library that wraps it) report failures so.</summary>
    public static void Guard() => Console.SetOut(TextWriter.Synchronized(new StandardOutput(Console.Out)));

    public override Encoding Encoding => inner.Encoding;

    public override IFormatProvider FormatProvider => inner.FormatProvider;

    [System.Diagnostics.CodeAnalysis.AllowNull]
    public override string NewLine
    {
        get => inner.NewLine;
        set => inner.NewLine = value;
    }

    public override void Write(char value) => Guarded(() => inner.Write(value));

    public override void Write(string? value) => Guarded(() => inner.Write(value));

    public override void Write(char[] buffer, int index, int count) => Guarded(() => inner.Write(buffer, index, count));

    public override void Write(ReadOnlySpan<char> buffer)
    {
        string text = buffer.ToString();
        Guarded(() => inner.Write(text));
    }

    public override void WriteLine(string? value) => Guarded(() => inner.WriteLine(value));

    public override void Flush() => Guarded(inner.Flush);

    private static void Guarded(Action write)
    {
        try
        {
            write();
        }
        catch (IOException e)
        {
            throw new CifarUserException(UserErrorKind.Other, $"cannot write to standard output: {e.Message}", e);
        }
    }
}
