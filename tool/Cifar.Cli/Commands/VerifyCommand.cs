using System.CommandLine;
using Cifar.Reports.Files;
using Cifar.Running;

namespace Cifar.Cli.Commands;

/// <summary>
/// <c>dotnet cifar verify REPORT_DIR...</c>: rerun each folder's spec and check that it reproduces the folder, or with
/// <c>--manifest-only</c> check the files against manifest.json without training.
/// </summary>
internal static class VerifyCommand
{
    private static readonly Argument<string[]> Folders = new("report-folder")
    {
        Description = "Report folders to verify (each holds spec.yaml and manifest.json; a multi-seed folder stands for its seed folders).",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<bool> ManifestOnly = new("--manifest-only")
    {
        Description = "Only check every file against manifest.json (missing, extra, changed); no training, under a second.",
    };

    private static readonly Option<string?> CacheDir = new("--cache-dir")
    {
        Description = "Where datasets, weights and features are cached, as for 'run'.",
    };

    private static readonly Option<string?> Templates = new("--templates")
    {
        Description = "Folder with the report templates the folder was made with, if not the built-in ones.",
    };

    public static Command Create()
    {
        var command = new Command("verify",
            "Check report folders: rerun each spec under its recorded thread count and compare byte for byte, or check files against the manifest.")
        {
            Folders, ManifestOnly, CacheDir, Templates,
        };
        command.SetAction((parsed, cancellationToken) => Task.FromResult(Execute(
            parsed.GetRequiredValue(Folders), parsed.GetValue(ManifestOnly), parsed.GetValue(CacheDir), parsed.GetValue(Templates),
            cancellationToken)));
        return command;
    }

    private static int Execute(string[] folders, bool manifestOnly, string? cacheDir, string? templates, CancellationToken cancellationToken)
    {
        var results = new List<VerificationResult>();
        if (manifestOnly)
        {
            foreach (var folder in SpecArguments.Check(folders).SelectMany(ReportSnapshotReader.SingleRunFolders)) results.Add(Print(Verification.CheckManifest(folder)));
        }
        else
        {
            var options = new VerifyOptions(cacheDir, templates is null ? null : Path.GetFullPath(templates));
            foreach (var folder in SpecArguments.Check(folders).SelectMany(ReportSnapshotReader.SingleRunFolders))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var result = ConsoleRunObserver.Run(observer => new Verification(options, observer).Rerun(folder, cancellationToken));
                results.Add(Print(result));
            }
        }

        // A definite finding (some folder differs) outranks folders that could not be checked.
        if (results.Any(r => r.Verdict == VerificationVerdict.Differs)) return (int)ExitCode.Differs;
        if (results.Any(r => r.Verdict == VerificationVerdict.CannotVerify)) return (int)ExitCode.CannotVerify;
        return (int)ExitCode.Success;
    }

    /// <summary>A verdict on standard output, a folder that cannot be verified as an error line on standard error.</summary>
    private static VerificationResult Print(VerificationResult result)
    {
        if (result.Verdict == VerificationVerdict.CannotVerify)
        {
            Console.Error.WriteLine(Failures.ErrorLine($"{result.Folder}: {result.Summary}"));
            foreach (var line in result.Details) Console.Error.WriteLine(Failures.ErrorLine(line));
            return result;
        }
        Console.WriteLine($"{result.Folder}: {result.Summary}");
        foreach (var line in result.Details) Console.WriteLine("  " + line);
        return result;
    }
}
