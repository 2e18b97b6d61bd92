using System.CommandLine;
using Cifar.Reports.Comparison;

namespace Cifar.Cli.Commands;

/// <summary><c>dotnet cifar compare [DIR...]</c>: the side-by-side comparison of existing report folders.</summary>
internal static class CompareCommand
{
    private static readonly Argument<string[]> Folders = new("report-folder")
    {
        Description = "Report folders to compare [default: every folder under --output that holds a metrics.json].",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static readonly Option<string> Output = new("--output", "-o")
    {
        Description = "Reports root that receives comparison.md and comparison.html.",
        DefaultValueFactory = _ => "reports",
    };

    public static Command Create()
    {
        var command = new Command("compare", "Write comparison.md and comparison.html: experiments side by side, curves overlaid.")
        {
            Folders, Output,
        };
        command.SetAction(parsed => Execute(parsed.GetRequiredValue(Output), parsed.GetValue(Folders) ?? []));
        return command;
    }

    private static int Execute(string output, string[] folders)
    {
        var files = ComparisonReport.Write(Path.GetFullPath(output), folders.Select(Path.GetFullPath).ToList());
        Console.WriteLine($"comparison written to {files.Markdown} and {files.Html}");
        return (int)ExitCode.Success;
    }
}
