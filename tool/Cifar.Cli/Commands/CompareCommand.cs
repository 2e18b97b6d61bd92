using System.CommandLine;
using Cifar.Reports.Comparison;
using Cifar.Reports.Sweeps;

namespace Cifar.Cli.Commands;

/// <summary><c>dotnet cifar compare [DIR...]</c>: the side-by-side comparison of existing report folders, or the
/// report of each sweep folder given (a folder holding sweep.json).</summary>
internal static class CompareCommand
{
    private static readonly Argument<string[]> Folders = new("report-folder")
    {
        Description = "Report folders to compare [default: every folder under --output that holds a metrics.json], or sweep folders (holding sweep.json) to report on.",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static readonly Option<string> Output = new("--output", "-o")
    {
        Description = "Reports root that receives comparison.md and comparison.html.",
        DefaultValueFactory = _ => "reports",
    };

    public static Command Create()
    {
        var command = new Command("compare", "Write comparison.md and comparison.html: experiments side by side, curves overlaid; for a sweep folder, sweep-report.md and sweep-report.html in it.")
        {
            Folders, Output,
        };
        command.SetAction(parsed => Execute(parsed.GetRequiredValue(Output), parsed.GetValue(Folders) ?? []));
        return command;
    }

    private static int Execute(string output, string[] folders)
    {
        var sweeps = folders.Where(SweepReport.IsSweepFolder).ToList();
        if (sweeps.Count > 0)
        {
            if (sweeps.Count < folders.Length)
            {
                throw new CifarUserException(UserErrorKind.InvalidInput,
                    $"'{folders.First(f => !SweepReport.IsSweepFolder(f))}' is not a sweep folder; compare takes either report folders or sweep folders (holding sweep.json), not both");
            }
            foreach (var sweep in sweeps)
            {
                var report = SweepReport.Write(Path.GetFullPath(sweep));
                Console.WriteLine($"sweep report written to {report.Markdown} and {report.Html}");
            }
            return (int)ExitCode.Success;
        }
        var files = ComparisonReport.Write(Path.GetFullPath(output), folders.Select(Path.GetFullPath).ToList());
        Console.WriteLine($"comparison written to {files.Markdown} and {files.Html}");
        return (int)ExitCode.Success;
    }
}
