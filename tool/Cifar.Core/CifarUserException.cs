namespace Cifar;

/// <summary>What kind of user-facing failure happened; the command line maps each to its documented exit code.</summary>
public enum UserErrorKind
{
    /// <summary>Bad arguments, or a spec that does not parse or validate (exit code 2).</summary>
    InvalidInput,
    /// <summary>A dataset or weights file could not be downloaded, or failed its integrity check (exit code 3).</summary>
    Download,
    /// <summary>Any other failure the user can act on, such as an unwritable output folder (exit code 1).</summary>
    Other,
}

/// <summary>
/// The one exception type for errors caused by the user's input or environment, not by a bug. The command line prints
/// <see cref="Exception.Message"/> (one line per problem, no stack trace) and exits with the kind's code.
/// </summary>
public sealed class CifarUserException : Exception
{
    public CifarUserException(UserErrorKind kind, string message, Exception? inner = null)
        : base(message, inner) => Kind = kind;

    public CifarUserException(UserErrorKind kind, IReadOnlyList<string> problems)
        : base(string.Join(Environment.NewLine, problems)) => (Kind, Problems) = (kind, problems);

    public UserErrorKind Kind { get; }

    /// <summary>Each problem on its own line (a spec can have several); a single-problem error has one.</summary>
    public IReadOnlyList<string> Problems { get; } = [];

    public IReadOnlyList<string> Lines => Problems.Count > 0 ? Problems : [Message];
}
