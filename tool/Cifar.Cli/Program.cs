using System.CommandLine;
using Cifar;
using Cifar.Cli;
using Cifar.Cli.Commands;

var root = new RootCommand("Train and compare CIFAR-10 classifiers from YAML experiment specs, with reproducible reports.")
{
    RunCommand.Create(),
    ValidateCommand.Create(),
    CompareCommand.Create(),
    DiffCommand.Create(),
};

ParseResult parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (var error in parsed.Errors) Console.Error.WriteLine($"error: {error.Message}");
    Console.Error.WriteLine("Run 'dotnet cifar --help' for usage.");
    return (int)ExitCode.InvalidInput;
}

try
{
    return parsed.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
}
catch (CifarUserException e)
{
    // A user error: one line per problem, no stack trace.
    // Redacted here too, as the last line of defence: a spec problem may quote a URL with credentials.
    foreach (var line in e.Lines) Console.Error.WriteLine(Cifar.Data.UrlRedaction.Redact(line));
    return (int)ExitCodes.For(e.Kind);
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("error: interrupted");
    return (int)ExitCode.Failure;
}
