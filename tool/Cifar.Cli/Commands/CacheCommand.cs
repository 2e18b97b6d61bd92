using System.CommandLine;
using Cifar.Data;
using Cifar.Running;

namespace Cifar.Cli.Commands;

/// <summary><c>dotnet cifar cache</c>: list what the cache holds; <c>dotnet cifar cache prune --KIND...</c>: remove it.</summary>
internal static class CacheCommand
{
    private static readonly Option<string?> CacheDir = new("--cache-dir")
    {
        Description = "The cache folder [default: $CIFAR_CACHE_DIR, else $XDG_CACHE_HOME/dotnet-cifar or ~/.cache/dotnet-cifar].",
        Recursive = true,
    };

    private static readonly (Option<bool> Option, CacheEntryKind Kind)[] Kinds =
    [
        (new("--checkpoints") { Description = "Training checkpoints of runs that did not finish (they cannot be resumed afterwards)." }, CacheEntryKind.Checkpoint),
        (new("--features") { Description = "Cached features of frozen bases (extracted again when needed)." }, CacheEntryKind.Features),
        (new("--activations") { Description = "Cached activations below fine-tuned stages (computed again when needed)." }, CacheEntryKind.Activations),
        (new("--weights") { Description = "Pretrained weights (downloaded again when needed)." }, CacheEntryKind.Weights),
        (new("--datasets") { Description = "Unpacked datasets (downloaded again when needed)." }, CacheEntryKind.Dataset),
        (new("--temporary") { Description = "Leftovers of downloads and writes that were killed (only those over a minute old)." }, CacheEntryKind.Temporary),
    ];

    private static readonly Option<bool> All = new("--all")
    {
        Description = "Everything above. Files the tool did not put there, links and lock files are never removed.",
    };

    private static readonly Option<bool> DryRun = new("--dry-run", "-n")
    {
        Description = "Only list what would be removed.",
    };

    public static Command Create()
    {
        var prune = new Command("prune", "Remove cache entries of the kinds given (at least one, or --all).") { All, DryRun };
        foreach (var (option, _) in Kinds) prune.Options.Add(option);
        prune.SetAction(parsed => Prune(
            CacheLocation.Resolve(parsed.GetValue(CacheDir)),
            parsed.GetValue(All) ? [.. Kinds.Select(k => k.Kind)] : [.. Kinds.Where(k => parsed.GetValue(k.Option)).Select(k => k.Kind)],
            parsed.GetValue(DryRun)));

        var command = new Command("cache", "List what the cache holds (datasets, weights, features, checkpoints) with sizes; 'cache prune' removes it.")
        {
            CacheDir, prune,
        };
        command.SetAction(parsed => List(CacheLocation.Resolve(parsed.GetValue(CacheDir))));
        return command;
    }

    private static int List(string root)
    {
        var entries = CacheInventory.List(root);
        Console.WriteLine($"cache {root}");
        if (entries.Count == 0)
        {
            Console.WriteLine("  (empty)");
            return (int)ExitCode.Success;
        }
        var width = entries.Max(e => e.Path.Length);
        foreach (var entry in entries)
            Console.WriteLine($"  {Name(entry.Kind),-10}  {entry.Path.PadRight(width)}  {CacheInventory.FormatBytes(entry.Bytes),10}");
        var byKind = entries.GroupBy(e => e.Kind).Select(g => $"{Name(g.Key)} {CacheInventory.FormatBytes(g.Sum(e => e.Bytes))}");
        Console.WriteLine($"total {CacheInventory.FormatBytes(entries.Sum(e => e.Bytes))} in {entries.Count} entr{(entries.Count == 1 ? "y" : "ies")} ({string.Join(", ", byKind)})");
        return (int)ExitCode.Success;
    }

    private static int Prune(string root, HashSet<CacheEntryKind> kinds, bool dryRun)
    {
        if (kinds.Count == 0)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                "cache prune: say what to remove: --checkpoints, --features, --weights, --datasets, --temporary or --all");
        }
        var result = CacheInventory.Prune(root, kinds, dryRun);
        foreach (var entry in result.Removed)
            Console.WriteLine($"{(dryRun ? "would remove" : "removed")} {Name(entry.Kind)} {entry.Path} ({CacheInventory.FormatBytes(entry.Bytes)})");
        foreach (var (entry, reason) in result.Failed)
            Console.Error.WriteLine(Failures.ErrorLine($"cannot remove {Path.Combine(root, entry.Path)}: {reason}"));
        Console.WriteLine($"{(dryRun ? "would free" : "freed")} {CacheInventory.FormatBytes(result.Removed.Sum(e => e.Bytes))} in {result.Removed.Count} entr{(result.Removed.Count == 1 ? "y" : "ies")} from {root}");
        return result.Failed.Count > 0 ? (int)ExitCode.Failure : (int)ExitCode.Success;
    }

    private static string Name(CacheEntryKind kind) => kind switch
    {
        CacheEntryKind.Dataset => "dataset",
        CacheEntryKind.Weights => "weights",
        CacheEntryKind.Features => "features",
        CacheEntryKind.Activations => "activations",
        CacheEntryKind.Checkpoint => "checkpoint",
        CacheEntryKind.Temporary => "temporary",
        _ => "other",
    };
}
