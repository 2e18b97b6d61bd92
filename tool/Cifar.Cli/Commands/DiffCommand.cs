using System.CommandLine;
using Cifar.Reports.Diff;

namespace Cifar.Cli.Commands;

/// <summary><c>dotnet cifar diff BASE HEAD</c>: what changed between two sets of reports, for a pull-request comment.</summary>
internal static class DiffCommand
{
    private static readonly Argument<string> Base = new("base")
    {
        Description = "Report folder, reports root, metrics.json, or git revision (HEAD~1, a branch, a tag, a commit) whose committed reports are read.",
    };

    private static readonly Argument<string> Head = new("head")
    {
        Description = "The newer side, in any of the forms BASE takes (e.g. reports/ for the working tree).",
    };

    private static readonly Option<string> Format = new("--format", "-f")
    {
        Description = "markdown, json or text.",
        DefaultValueFactory = _ => "markdown",
    };

    private static readonly Option<string?> Output = new("--output", "-o")
    {
        Description = "Write the diff to this file instead of standard output.",
    };

    private static readonly Option<double?> FailOnRegression = new("--fail-on-regression")
    {
        Description = "Exit with code 4 if any test accuracy drops by more than POINTS percentage points, or drops significantly (McNemar, 5%).",
        HelpName = "POINTS",
    };

    private static readonly Option<string> ReportsPath = new("--reports-path")
    {
        Description = "Where the reports live inside a git revision.",
        DefaultValueFactory = _ => "reports",
    };

    public static Command Create()
    {
        var command = new Command("diff", "Compare reports between two commits or folders: metric deltas, significance, spec changes.")
        {
            Base, Head, Format, Output, FailOnRegression, ReportsPath,
        };
        command.SetAction((parsed, cancellationToken) => Task.FromResult(Execute(
            parsed.GetRequiredValue(Base), parsed.GetRequiredValue(Head), parsed.GetRequiredValue(Format),
            parsed.GetValue(Output), parsed.GetValue(FailOnRegression), parsed.GetRequiredValue(ReportsPath), cancellationToken)));
        return command;
    }

    private static int Execute(
        string baseSide, string headSide, string format, string? output, double? failOnRegression, string reportsPath,
        CancellationToken cancellationToken)
    {
        var diffFormat = DiffRenderer.ParseFormat(format);
        var diff = ReportDiffer.Diff(baseSide, headSide, new DiffOptions(ReportsPath: reportsPath));
        bool regressed = failOnRegression is { } points && diff.HasRegression(points);
        string text = DiffRenderer.Render(diff, diffFormat, failOnRegression);
        cancellationToken.ThrowIfCancellationRequested();

        if (output is null)
        {
            Console.Write(text);
        }
        else
        {
            WriteOutput(output, text);
            Console.WriteLine($"{diff.Summary} (written to {output})");
        }

        if (!regressed) return (int)ExitCode.Success;
        foreach (var reason in diff.Regressions(failOnRegression!.Value)) Console.Error.WriteLine($"regression: {reason}");
        return (int)ExitCode.Regression;
    }

    /// <summary>Through a temporary sibling, so an existing file is replaced only by a complete diff.</summary>
    private static void WriteOutput(string output, string text)
    {
        string path = Path.GetFullPath(output);
        if (Directory.Exists(path)) throw new CifarUserException(UserErrorKind.Other, $"--output '{output}' is a folder; expected a file name");
        string temp = Path.Combine(Path.GetDirectoryName(path) ?? ".", $".{Path.GetFileName(path)}.writing-{Guid.NewGuid():N}");
        try
        {
            File.WriteAllText(temp, text);
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CifarUserException(UserErrorKind.Other, $"cannot write the diff to '{output}': {e.Message}", e);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
