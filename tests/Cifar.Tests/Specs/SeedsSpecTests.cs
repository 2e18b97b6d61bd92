using Cifar.Running;
using Cifar.Specs;
using static Cifar.Tests.Specs.SpecTestFiles;

namespace Cifar.Tests.Specs;

/// <summary>`seeds: [...]` and `run --seeds N` (issue 12 point 3): validation, and the per-seed specs they stand for.</summary>
public class SeedsSpecTests
{
    private static string WithSeeds(string seeds) => Edited(MinimalSpec, "seed: 1", seeds);

    [Fact]
    public void A_seeds_list_loads_and_stands_for_one_single_seed_spec_per_seed()
    {
        var spec = ExperimentSpecs.Loader.Parse(WithSeeds("seeds: [3, 1, 2]   # three runs"), "s.yaml");
        Assert.Equal([3, 1, 2], spec.Seeds);
        Assert.True(SeedRuns.IsMultiSeed(spec));

        var runs = SeedRuns.PerSeed(spec);
        Assert.Equal([3, 1, 2], runs.Select(r => r.Seed));
        Assert.All(runs, r => Assert.Empty(r.Seeds));
        // Each run's spec.yaml is the spec with `seed: N`, and loads as exactly that run.
        Assert.Equal(Edited(MinimalSpec, "seed: 1", "seed: 1   # three runs"), runs[1].SourceText);
        foreach (var run in runs)
        {
            var reloaded = ExperimentSpecs.Loader.Parse(run.SourceText, "s.yaml");
            Assert.Equal(run.Seed, reloaded.Seed);
            Assert.Empty(reloaded.Seeds);
        }
    }

    [Fact]
    public void A_block_list_of_seeds_is_rewritten_whole()
    {
        var spec = ExperimentSpecs.Loader.Parse(WithSeeds("seeds:\n  - 5\n  - 6"), "s.yaml");
        Assert.Equal(MinimalSpec.Replace("seed: 1", "seed: 6", StringComparison.Ordinal), SeedRuns.PerSeed(spec)[1].SourceText);
    }

    [Fact]
    public void Seeds_from_the_command_line_count_up_from_the_spec_seed_and_are_written_into_its_text()
    {
        var spec = SeedRuns.WithSeedCount(ExperimentSpecs.Loader.Parse(Edited(MinimalSpec, "seed: 1", "seed: 42"), "s.yaml"), 3);
        Assert.Equal([42, 43, 44], spec.Seeds);
        Assert.Contains("seeds: [42, 43, 44]", spec.SourceText, StringComparison.Ordinal);
        Assert.Equal([42, 43, 44], ExperimentSpecs.Loader.Parse(spec.SourceText, "s.yaml").Seeds);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(101)]
    public void A_seed_count_outside_2_to_100_is_refused(int count)
    {
        var error = Assert.Throws<CifarUserException>(() => SeedRuns.WithSeedCount(ExperimentSpecs.Loader.Parse(MinimalSpec, "s.yaml"), count));
        Assert.Contains("--seeds is", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_seed_count_on_a_spec_that_lists_seeds_is_refused()
    {
        var spec = ExperimentSpecs.Loader.Parse(WithSeeds("seeds: [1, 2]"), "s.yaml");
        var error = Assert.Throws<CifarUserException>(() => SeedRuns.WithSeedCount(spec, 3));
        Assert.Contains("already lists `seeds`", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Seed_and_seeds_together_are_an_error_at_seeds()
    {
        var problems = Problems(Edited(MinimalSpec, "seed: 1", "seed: 1\nseeds: [1, 2]"), "s.yaml");
        Assert.Equal(["s.yaml:3:1: `seeds` and `seed` are both set (seed at line 2, column 1); expected one of them: `seed` for one run, `seeds` for one run per seed"], problems);
    }

    [Fact]
    public void A_repeated_seed_is_an_error_at_the_repeat()
    {
        var problems = Problems(WithSeeds("seeds: [1, 2, 1]"), "s.yaml");
        Assert.Equal(["s.yaml:2:15: `seeds[2]` is '1', the same as seeds[0]; expected different seeds (a repeated seed repeats its run bit for bit and adds no information)"], problems);
    }

    [Theory]
    [InlineData("seeds: [1]", "s.yaml:2:8: `seeds` has 1 entry; expected a list of 2 to 100 different integers >= 0 (one seed: use `seed`)")]
    [InlineData("seeds: 3", "s.yaml:2:8: `seeds` is '3'; expected a list of 2 to 100 different integers >= 0, e.g. [1, 2, 3]")]
    [InlineData("seeds: [1, -2]", "s.yaml:2:12: `seeds[1]` is '-2'; expected an integer >= 0")]
    [InlineData("seeds: [1, x]", "s.yaml:2:12: `seeds[1]` is 'x'; expected an integer")]
    public void A_bad_seeds_list_is_an_error_at_its_position(string seeds, string expected) =>
        Assert.Contains(expected, Problems(WithSeeds(seeds), "s.yaml"));

    [Fact]
    public void More_seeds_than_the_limit_are_an_error()
    {
        var list = "seeds: [" + string.Join(", ", Enumerable.Range(0, 101)) + "]";
        Assert.Contains("s.yaml:2:8: `seeds` has 101 entries; expected a list of 2 to 100 different integers >= 0 (one seed: use `seed`)",
            Problems(WithSeeds(list), "s.yaml"));
    }

    [Fact]
    public void A_misspelt_seeds_key_gets_a_suggestion()
    {
        var problems = Problems(Edited(MinimalSpec, "seed: 1", "seedz: [1, 2]"), "s.yaml");
        Assert.Contains(problems, p => p.Contains("Did you mean 'seeds'?", StringComparison.Ordinal) || p.Contains("Did you mean 'seed'?", StringComparison.Ordinal));
    }
}
