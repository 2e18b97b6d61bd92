using System.CommandLine;
using Cifar.Running;
using Cifar.Specs;

namespace Cifar.Cli.Commands;

/// <summary><c>dotnet cifar run SPEC...</c>: validate every spec, then train, evaluate and report each in turn.</summary>
internal static class RunCommand
{
    private static readonly Argument<string[]> Specs = new("spec")
    {
        Description = "YAML experiment specs to run (all are validated before the first one starts).",
        Arity = ArgumentArity.OneOrMore,
    };

    private static readonly Option<string> Output = new("--output", "-o")
    {
        Description = "Folder that receives one report folder per experiment (and comparison.* for several).",
        DefaultValueFactory = _ => "reports",
    };

    private static readonly Option<string?> CacheDir = new("--cache-dir")
    {
        Description = "Where datasets, weights and features are cached [default: $CIFAR_CACHE_DIR, else $XDG_CACHE_HOME/dotnet-cifar or ~/.cache/dotnet-cifar].",
    };

    private static readonly Option<string?> Templates = new("--templates")
    {
        Description = "Folder with your own report.md.scriban / report.html.scriban (overrides the spec's report.templates).",
    };

    private static readonly Option<int?> Threads = new("--threads")
    {
        Description = "CPU threads for libtorch [default: all cores]. Results repeat bit for bit only with the same count.",
    };

    private static readonly Option<bool> Restart = new("--restart")
    {
        Description = "Start training from the first epoch even if the cache holds a checkpoint of the same run (which is replaced).",
    };

    private static readonly Option<int?> SeedCount = new("--seeds")
    {
        Description = "Run each spec N times, with seeds seed, seed + 1, ..., seed + N - 1 (2 to 100), into one multi-seed "
            + "report folder (a folder per seed and the aggregate). A spec that lists `seeds` itself takes no --seeds.",
    };

    private static readonly Option<string?> Shard = new("--shard")
    {
        Description = "i/n: this worker extracts chunks i, i+n, ... of a missing frozen-base feature or activation extraction first, "
            + "then helps with the rest, when n workers share one cache folder (0-based, e.g. 1/4). Workers split an "
            + "extraction without it too; the shard only spreads their starting points.",
    };

    private static readonly Option<string[]> Set = new("--set")
    {
        Description = "Override a spec key after `extends` and before validation: --set training.optimizer.learning_rate=0.01 "
            + "(the value is read as YAML; repeatable; applied to every spec).",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Command Create()
    {
        var command = new Command("run", "Train, evaluate and report the experiments described by YAML specs.")
        {
            Specs, Output, CacheDir, Templates, Threads, Restart, SeedCount, Shard, Set,
        };
        command.SetAction((parsed, cancellationToken) => Task.FromResult(Execute(new RunSettings(
            parsed.GetRequiredValue(Specs),
            parsed.GetRequiredValue(Output),
            parsed.GetValue(CacheDir),
            parsed.GetValue(Templates),
            parsed.GetValue(Threads),
            parsed.GetValue(Restart),
            parsed.GetValue(SeedCount),
            parsed.GetValue(Shard) is { } shard ? Cifar.Models.Transfer.ExtractionShard.Parse(shard) : null,
            parsed.GetValue(Set) ?? []), cancellationToken)));
        return command;
    }

    /// <param name="cancellationToken">Cancelled by SIGINT or SIGTERM: the run stops at its next check and leaves no
    /// partial report folder or cache entry behind.</param>
    private static int Execute(RunSettings settings, CancellationToken cancellationToken)
    {
        CheckThreads(settings.Threads);
        var specs = ExperimentSpecs.Loader.LoadAll(SpecArguments.Check(settings.SpecPaths), settings.Overrides);
        if (settings.SeedCount is { } count) specs = [.. specs.Select(spec => SeedRuns.WithSeedCount(spec, count))];
        return ConsoleRunObserver.Run(observer =>
        {
            var runner = new ExperimentRunner(settings.ToRunOptions(), observer);
            runner.RunAll(specs, cancellationToken);
            return (int)ExitCode.Success;
        });
    }

    /// <summary>More libtorch threads than a few per core only slows a run down, and a huge count fails inside
    /// libtorch when its pool is made: 1 to 4x the logical cores.</summary>
    internal static void CheckThreads(int? threads)
    {
        var most = 4 * Environment.ProcessorCount;
        if (threads is < 1 || threads > most)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"--threads is {threads}; expected 1 to {most} (4 per logical core, {Environment.ProcessorCount} here)");
        }
    }

    private sealed record RunSettings(
        string[] SpecPaths, string Output, string? CacheDir, string? Templates, int? Threads, bool Restart, int? SeedCount,
        Cifar.Models.Transfer.ExtractionShard? Shard, string[] Overrides)
    {
        public RunOptions ToRunOptions() => new(Path.GetFullPath(Output), CacheDir, Templates, Threads)
        {
            Checkpoints = Restart ? CheckpointMode.Restart : CheckpointMode.Resume,
            Shard = Shard,
        };
    }
}
