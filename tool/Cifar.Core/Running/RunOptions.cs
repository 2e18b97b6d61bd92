using Cifar.Specs;

namespace Cifar.Running;

/// <summary>Settings of one <c>dotnet cifar run</c> that are not part of any spec.</summary>
/// <param name="OutputRoot">Folder receiving one report folder per experiment.</param>
/// <param name="CacheDir">--cache-dir; null falls back to CIFAR_CACHE_DIR, then the XDG cache folder.</param>
/// <param name="TemplatesFolder">--templates; overrides the spec's report.templates.</param>
/// <param name="Threads">libtorch threads; null uses every core. Bit-for-bit repeats need the same count.</param>
public sealed record RunOptions(string OutputRoot, string? CacheDir = null, string? TemplatesFolder = null, int? Threads = null)
{
    /// <summary>Resume from the cache's checkpoint of the same run (the default), <c>--restart</c>, or keep none.</summary>
    public CheckpointMode Checkpoints { get; init; } = CheckpointMode.Resume;

    /// <summary><c>--shard i/n</c>: which chunks of a missing feature or activation extraction this worker takes first;
    /// null: in order (workers sharing a cache still split the chunks).</summary>
    public Cifar.Models.Transfer.ExtractionShard? Shard { get; init; }
}

/// <summary>Where one experiment's report went.</summary>
public sealed record RunOutcome(string Name, string Folder, double TestAccuracy);
