using System.Globalization;

namespace Cifar.Specs;

/// <summary>
/// A multi-seed spec as the runs it stands for. The spec itself never changes: each run gets a spec of its own, equal
/// to the multi-seed one except for its <c>seed</c>, whose text (its spec.yaml, hashed and kept in its report folder)
/// reads <c>seed: N</c> where the spec had <c>seeds: [...]</c>, so every per-seed folder reruns and verifies alone.
/// </summary>
public static class SeedRuns
{
    /// <summary>The folder of one seed's report inside the multi-seed report folder: <c>seed-N</c>.</summary>
    public static string FolderName(int seed) => "seed-" + seed.ToString(CultureInfo.InvariantCulture);

    /// <summary>True when the spec runs once per seed.</summary>
    public static bool IsMultiSeed(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Seeds.Count > 1;
    }

    /// <summary>One single-seed spec per entry of <see cref="ExperimentSpec.Seeds"/>, in order.</summary>
    public static IReadOnlyList<ExperimentSpec> PerSeed(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return [.. spec.Seeds.Select(seed => Rewrite(spec, "seed: " + seed.ToString(CultureInfo.InvariantCulture)) with { Seed = seed, Seeds = [] })];
    }

    /// <summary>
    /// <c>run --seeds N</c>: the spec with <c>seeds</c> = its seed, seed + 1, ..., seed + N − 1 (so the first run is the
    /// single-seed run of the spec as written). Its text says so, <c>seeds: [42, 43, 44]</c> in place of
    /// <c>seed: 42</c>, so the multi-seed folder's spec.yaml reruns the same seeds.
    /// </summary>
    /// <exception cref="CifarUserException">InvalidInput when the spec already lists <c>seeds</c>, N is outside 2 to
    /// <see cref="SpecLimits.MaxSeeds"/>, or the last seed would pass 2,147,483,647.</exception>
    public static ExperimentSpec WithSeedCount(ExperimentSpec spec, int count)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (count is < 2 or > SpecLimits.MaxSeeds)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, string.Create(CultureInfo.InvariantCulture,
                $"--seeds is {count}; expected 2 to {SpecLimits.MaxSeeds} (the number of runs, with seeds derived from the spec's seed)"));
        }
        if (spec.Seeds.Count > 0)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"{spec.SourcePath}: --seeds is given but the spec already lists `seeds`; expected one of them");
        }
        if ((long)spec.Seed + count - 1 > int.MaxValue)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, string.Create(CultureInfo.InvariantCulture,
                $"{spec.SourcePath}: --seeds {count} from seed {spec.Seed} goes past 2147483647; expected a smaller seed or count"));
        }
        var seeds = Enumerable.Range(0, count).Select(i => spec.Seed + i).ToArray();
        var list = "seeds: [" + string.Join(", ", seeds.Select(s => s.ToString(CultureInfo.InvariantCulture))) + "]";
        return Rewrite(spec, list) with { Seeds = seeds };
    }

    private static ExperimentSpec Rewrite(ExperimentSpec spec, string replacement)
    {
        if (spec.SeedText is not { } span || span.End > spec.SourceText.Length)
        {
            throw new InvalidOperationException($"The spec '{spec.Name}' does not record where its seed is written.");
        }
        var text = string.Concat(spec.SourceText.AsSpan(0, span.Start), replacement, spec.SourceText.AsSpan(span.End));
        return spec with { SourceText = text, SeedText = new TextSpan(span.Start, replacement.Length) };
    }
}
