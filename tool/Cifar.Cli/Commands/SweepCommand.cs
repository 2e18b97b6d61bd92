using System.CommandLine;
using System.Globalization;
using Cifar.Models.Transfer;
using Cifar.Running;

namespace Cifar.Cli.Commands;

/// <summary>
/// <c>dotnet cifar sweep SPEC</c>: list a sweep's cells (<c>--list</c>), run one (<c>--cell N</c>, or the index a job
/// array gives the worker), or run every cell that is not complete yet.
/// </summary>
internal static class SweepCommand
{
    /// <summary>Where a worker of a job array finds its index when no <c>--cell</c> is given, in this order: a Slurm
    /// array task, then a Kubernetes Indexed Job's pod.</summary>
    internal static readonly string[] WorkerIndexVariables = ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"];

    private static readonly string[] Formats = ["text", "json", "github-matrix"];

    private static readonly Argument<string> Spec = new("spec")
    {
        Description = "YAML spec with a `sweep:` section (grid, include, exclude).",
    };

    private static readonly Option<string[]> Set = new("--set")
    {
        Description = "Override a spec key before the sweep is expanded: --set training.epochs=3 (a YAML value; repeatable).",
        AllowMultipleArgumentsPerToken = false,
    };

    private static readonly Option<bool> List = new("--list")
    {
        Description = "Print the cells (index and name) instead of running them, and write <output>/<sweep>/sweep.json.",
    };

    private static readonly Option<string> Format = new("--format")
    {
        Description = "With --list: text (index and name a line), json (as sweep.json) or github-matrix (one line of "
            + "{\"include\":[{\"cell\":0,\"name\":...}]} for a workflow's fromJSON).",
        DefaultValueFactory = _ => "text",
    };

    private static readonly Option<int?> Cell = new("--cell")
    {
        Description = "Run only the cell with this index (from 0) [default: $SLURM_ARRAY_TASK_ID, else $JOB_COMPLETION_INDEX, else every cell].",
    };

    private static readonly Option<string> Output = new("--output", "-o")
    {
        Description = "Folder that receives the sweep's folder (<output>/<name>/, a report folder per cell and sweep.json).",
        DefaultValueFactory = _ => "reports",
    };

    private static readonly Option<string?> CacheDir = new("--cache-dir")
    {
        Description = "Cache folder, shared safely by workers [default: $CIFAR_CACHE_DIR, else $XDG_CACHE_HOME/dotnet-cifar or ~/.cache/dotnet-cifar].",
    };

    private static readonly Option<string?> Templates = new("--templates")
    {
        Description = "Folder with your own report.md.scriban / report.html.scriban.",
    };

    private static readonly Option<int?> Threads = new("--threads")
    {
        Description = "CPU threads for libtorch [default: all cores]. Results repeat bit for bit only with the same count.",
    };

    private static readonly Option<string?> Shard = new("--shard")
    {
        Description = "i/n: this worker extracts chunks i, i+n, ... of a missing frozen-base feature or activation extraction first, "
            + "then helps with the rest, when n workers share one cache folder (0-based, e.g. 1/4) [default: with one cell "
            + "of n to run (--cell N, $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX), N/n, so the workers of a job array "
            + "start on different chunks; else in order].",
    };

    private static readonly Option<bool> Restart = new("--restart")
    {
        Description = "Run cells again even if their report folder is complete, each from its first epoch.",
    };

    public static Command Create()
    {
        var command = new Command("sweep", "List or run the cells of a sweep: every combination of the values in the spec's sweep.grid.")
        {
            Spec, Set, List, Format, Cell, Output, CacheDir, Templates, Threads, Shard, Restart,
        };
        command.SetAction((parsed, cancellationToken) => Task.FromResult(Execute(new SweepSettings(
            parsed.GetRequiredValue(Spec),
            parsed.GetValue(Set) ?? [],
            parsed.GetValue(List),
            parsed.GetRequiredValue(Format),
            parsed.GetValue(Cell),
            parsed.GetRequiredValue(Output),
            parsed.GetValue(CacheDir),
            parsed.GetValue(Templates),
            parsed.GetValue(Threads),
            parsed.GetValue(Shard) is { } shard ? ExtractionShard.Parse(shard) : null,
            parsed.GetValue(Restart)), cancellationToken)));
        return command;
    }

    private static int Execute(SweepSettings settings, CancellationToken cancellationToken)
    {
        if (!Formats.Contains(settings.Format))
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"--format is '{settings.Format}'; expected one of {string.Join(", ", Formats)}");
        }
        if (settings.List && settings.Cell is not null)
            throw new CifarUserException(UserErrorKind.InvalidInput, "--list and --cell are both given; expected one of them");
        if (!settings.List && settings.Format != "text")
            throw new CifarUserException(UserErrorKind.InvalidInput, "--format is given without --list; expected --list --format ...");
        RunCommand.CheckThreads(settings.Threads);

        var plan = ExperimentSpecs.Loader.LoadSweep(SpecArguments.Check([settings.SpecPath])[0], settings.Overrides);
        if (settings.List)
        {
            var options = settings.ToRunOptions(cell: null, plan.Cells.Count);
            var file = new SweepRunner(options, SilentRunObserver.Instance).WriteSweepFile(plan);
            Console.Write(settings.Format switch
            {
                "json" => System.Text.Encoding.UTF8.GetString(file.ToBytes()),
                "github-matrix" => file.ToGitHubMatrix() + "\n",
                _ => string.Concat(plan.Cells.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.Index}\t{c.Name}\n"))),
            });
            return (int)ExitCode.Success;
        }

        var cell = ChosenCell(settings.Cell, plan.Cells.Count);
        var runOptions = settings.ToRunOptions(cell, plan.Cells.Count);
        return ConsoleRunObserver.Run(observer =>
        {
            var outcome = new SweepRunner(runOptions, observer).Run(plan, cell is null ? null : [cell.Value], settings.Restart, cancellationToken);
            if (cell is null)
            {
                observer.Info(string.Create(CultureInfo.InvariantCulture,
                    $"{plan.Name}: {plan.Cells.Count} cells, {outcome.Ran.Count} run, {outcome.Skipped.Count} skipped as complete; reports in {Path.Combine(runOptions.OutputRoot, plan.Name)}"));
            }
            return (int)ExitCode.Success;
        });
    }

    /// <summary>
    /// The cell to run: <c>--cell</c>, else the first worker index variable that is set (so a plain
    /// <c>dotnet cifar sweep SPEC</c> in a Slurm array task or a Kubernetes Indexed Job runs that worker's cell), else
    /// null for every cell.
    /// </summary>
    internal static int? ChosenCell(int? option, int cellCount, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var (source, text) = option is { } given
            ? ("--cell", given.ToString(CultureInfo.InvariantCulture))
            : WorkerIndexVariables.Select(v => (v, environment(v))).FirstOrDefault(p => !string.IsNullOrWhiteSpace(p.Item2));
        if (source is null) return null;

        var range = cellCount == 1 ? "0 (the sweep has 1 cell)" : string.Create(CultureInfo.InvariantCulture, $"0 to {cellCount - 1} (the sweep has {cellCount} cells)");
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= cellCount)
            throw new CifarUserException(UserErrorKind.InvalidInput, $"{source} is '{text?.Trim()}'; expected a cell index {range}");
        return index;
    }

    /// <summary>
    /// This worker's share of a frozen base's first feature extraction (issue 13: "split across workers, <c>--shard
    /// i/n</c> or automatically per cell"): <c>--shard</c> when given; else, when one cell of n runs, shard
    /// <c>cell/n</c>, so the n workers of a job array (one cell each, sharing a cache) start on n different chunks
    /// instead of all on the first; else null (every cell in turn: chunks in order). Workers split the chunks through
    /// the cache's locks either way; the shard only spreads their starting points.
    /// </summary>
    internal static ExtractionShard? ShardFor(ExtractionShard? option, int? cell, int cellCount) =>
        option ?? (cell is { } index ? new ExtractionShard(index, cellCount) : null);

    internal sealed record SweepSettings(
        string SpecPath, string[] Overrides, bool List, string Format, int? Cell, string Output, string? CacheDir, string? Templates,
        int? Threads, ExtractionShard? Shard, bool Restart)
    {
        /// <summary>The options the sweep's runner gets when it runs <paramref name="cell"/> (null: every cell) of
        /// <paramref name="cellCount"/>.</summary>
        public RunOptions ToRunOptions(int? cell, int cellCount) => new(Path.GetFullPath(Output), CacheDir, Templates, Threads)
        {
            Checkpoints = Restart ? CheckpointMode.Restart : CheckpointMode.Resume,
            Shard = ShardFor(Shard, cell, cellCount),
        };
    }
}
