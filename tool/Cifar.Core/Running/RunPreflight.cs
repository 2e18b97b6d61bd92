using Cifar.Reports;
using Cifar.Specs;

namespace Cifar.Running;

/// <summary>
/// What a run checks before it downloads or trains anything, for every spec of the run, so it never fails after
/// training for a reason knowable before: the output root is a folder (or can be made one), each report folder is
/// absent or one this tool wrote (it is replaced; anything else would be lost), and the report templates parse.
/// </summary>
internal static class RunPreflight
{
    /// <exception cref="CifarUserException">InvalidInput for templates; Other for the output folders.</exception>
    public static void Check(IReadOnlyList<ExperimentSpec> specs, RunOptions options)
    {
        var root = Path.GetFullPath(options.OutputRoot);
        CheckOutputRoot(root);
        foreach (var spec in specs)
        {
            ReportFolders.PrepareTarget(Path.Combine(root, spec.Name));
            ReportWriter.CheckTemplates(ReportOptionsFor(spec, options));
        }
    }

    /// <summary>
    /// The output root is a folder, or can be created: its nearest existing ancestor is a folder that accepts a new
    /// entry (probed with a hidden folder, removed at once). Nothing is created, so a run that fails later for
    /// another reason leaves no empty output folder behind.
    /// </summary>
    private static void CheckOutputRoot(string root)
    {
        var existing = root;
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                throw new CifarUserException(UserErrorKind.Other, existing == root
                    ? $"--output '{root}' is a file; expected a folder"
                    : $"--output '{root}' cannot be created: '{existing}' is a file");
            }
            existing = Path.GetDirectoryName(existing)
                ?? throw new CifarUserException(UserErrorKind.Other, $"--output '{root}' cannot be created: no existing parent folder");
        }
        var probe = Path.Combine(existing, $".dotnet-cifar-probe-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CifarUserException(UserErrorKind.Other,
                $"--output '{root}' cannot be written: {e.Message}", e);
        }
    }

    /// <summary>The report options of <paramref name="spec"/>, with --templates winning over report.templates.</summary>
    public static ReportOptions ReportOptionsFor(ExperimentSpec spec, RunOptions options)
    {
        var reportOptions = ReportOptions.From(spec.Report);
        return options.TemplatesFolder is null
            ? reportOptions
            : reportOptions with { TemplatesFolder = Path.GetFullPath(options.TemplatesFolder) };
    }
}
