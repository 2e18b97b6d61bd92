using System.CommandLine;
using Cifar.Cli;
using Cifar.Cli.Commands;

var root = new RootCommand("Train and compare CIFAR-10 classifiers from YAML experiment specs, with reproducible reports.")
{
    RunCommand.Create(),
    SweepCommand.Create(),
    ValidateCommand.Create(),
    CompareCommand.Create(),
    DiffCommand.Create(),
    VerifyCommand.Create(),
    CacheCommand.Create(),
};

ParseResult parsed = root.Parse(args);
if (parsed.Errors.Count > 0) return (int)Failures.ReportArguments(parsed.Errors.Select(e => e.Message), Console.Error);

using var interruption = new Interruption();
try
{
    StandardOutput.Guard();
    // SIGINT and SIGTERM are handled by Interruption (see there why not by System.CommandLine), whose token reaches the
    // verbs' actions; every failure goes through Failures, so none escapes Main.
    var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
    return await parsed.InvokeAsync(configuration, interruption.Token).ConfigureAwait(false);
}
#pragma warning disable CA1031 // the top of the tool: every exception becomes a message and a documented exit code
catch (Exception e)
#pragma warning restore CA1031
{
    return (int)Failures.Report(e, interruption.Signal, Console.Error);
}
