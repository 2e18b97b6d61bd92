using System.CommandLine;
using Cifar.Reports.Diff;
using Cifar.Running;

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
        Description = "markdown, json, text or html (one self-contained file with a gallery of the flipped test images).",
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

    private static readonly Option<int> Flipped = new("--flipped")
    {
        Description = "How many flipped test images (right on one side, wrong on the other) to list per direction.",
        DefaultValueFactory = _ => FlippedImages.DefaultShown,
        HelpName = "N",
    };

    private static readonly Option<string?> HtmlLink = new("--html-link")
    {
        Description = "Markdown and text: link the flipped images' line to the HTML diff at this URL (e.g. a CI artifact).",
        HelpName = "URL",
    };

    private static readonly Option<string?> CacheDir = new("--cache-dir")
    {
        Description = "HTML: where to find the cached CIFAR-10 test set for the gallery (never downloaded) [default: as for run].",
    };

    public static Command Create()
    {
        var command = new Command("diff", "Compare reports between two commits or folders: metric deltas, significance, flipped test images, spec changes.")
        {
            Base, Head, Format, Output, FailOnRegression, ReportsPath, Flipped, HtmlLink, CacheDir,
        };
        command.SetAction((parsed, cancellationToken) => Execute(
            parsed.GetRequiredValue(Base), parsed.GetRequiredValue(Head), parsed.GetRequiredValue(Format),
            parsed.GetValue(Output), parsed.GetValue(FailOnRegression), parsed.GetRequiredValue(ReportsPath),
            parsed.GetValue(Flipped), parsed.GetValue(HtmlLink), parsed.GetValue(CacheDir), cancellationToken));
        return command;
    }

    private static async Task<int> Execute(
        string baseSide, string headSide, string format, string? output, double? failOnRegression, string reportsPath,
        int flipped, string? htmlLink, string? cacheDir, CancellationToken cancellationToken)
    {
        var diffFormat = DiffRenderer.ParseFormat(format);
        var diff = ReportDiffer.Diff(baseSide, headSide, new DiffOptions(ReportsPath: reportsPath, FlippedShown: flipped));
        bool regressed = failOnRegression is { } points && diff.HasRegression(points);
        var pictures = diffFormat == DiffFormat.Html && diff.Experiments.Any(e => e.Flipped is not null)
            ? await DiffTestImages.FromCacheAsync(cacheDir, cancellationToken).ConfigureAwait(false)
            : null;
        string text = DiffRenderer.Render(diff, diffFormat, failOnRegression, pictures, htmlLink);
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
