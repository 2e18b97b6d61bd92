using System.CommandLine;
using Cifar.Running;

namespace Cifar.Cli.Commands;

/// <summary><c>dotnet cifar validate SPEC...</c>: load and validate specs without downloading or training anything.</summary>
internal static class ValidateCommand
{
    private static readonly Argument<string[]> Specs = new("spec")
    {
        Description = "YAML experiment specs to check.",
        Arity = ArgumentArity.OneOrMore,
    };

    public static Command Create()
    {
        var command = new Command("validate", "Check experiment specs and report every problem at once, as file:line:col: message.")
        {
            Specs,
        };
        command.SetAction(parsed => Execute(parsed.GetRequiredValue(Specs)));
        return command;
    }

    private static int Execute(string[] specPaths)
    {
        foreach (var spec in ExperimentSpecs.Loader.LoadAll(SpecArguments.Check(specPaths)))
            Console.WriteLine($"{spec.SourcePath}: ok ({spec.Name}, {spec.Model.Type})");
        return (int)ExitCode.Success;
    }
}
