using Cifar.Running;
using Cifar.Specs;
using static Cifar.Tests.Specs.SpecTestFiles;

namespace Cifar.Tests.Specs;

/// <summary>The spec's top-level <c>determinism</c>: parsed, defaulted, checked like every other name.</summary>
public sealed class DeterminismSpecTests
{
    [Fact]
    public void Without_the_key_a_spec_runs_at_the_fast_level()
    {
        Assert.Equal(DeterminismLevel.Fast, ExperimentSpecs.Loader.Parse(MinimalSpec, "spec.yaml").Determinism);
    }

    [Theory]
    [InlineData("fast", DeterminismLevel.Fast)]
    [InlineData("portable", DeterminismLevel.Portable)]
    public void The_level_is_read_by_name(string name, DeterminismLevel expected)
    {
        var spec = ExperimentSpecs.Loader.Parse(Edited(MinimalSpec, "seed: 1", "seed: 1\ndeterminism: " + name), "spec.yaml");
        Assert.Equal(expected, spec.Determinism);
    }

    [Fact]
    public void A_misspelt_level_is_positioned_lists_the_choices_and_suggests_the_closest()
    {
        Assert.Equal(
            ["spec.yaml:3:14: `determinism` is 'portabel'; expected one of fast, portable. Did you mean 'portable'?"],
            Problems(Edited(MinimalSpec, "seed: 1", "seed: 1\ndeterminism: portabel")));
    }

    [Fact]
    public void Specs_of_one_level_pass_and_of_two_levels_are_refused_naming_each_file()
    {
        var fast = ExperimentSpecs.Loader.Parse(MinimalSpec, "a.yaml");
        var portable = ExperimentSpecs.Loader.Parse(Edited(MinimalSpec, "seed: 1", "seed: 1\ndeterminism: portable"), "dir/b.yaml");

        DeterminismGuard.RequireOneLevel([fast, fast]);
        var error = Assert.Throws<CifarUserException>(() => DeterminismGuard.RequireOneLevel([fast, portable]));

        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        Assert.Equal(
            "the specs ask for different determinism levels (fast: a.yaml; portable: b.yaml); libtorch's CPU code is fixed once it loads, so run each level in its own `dotnet cifar run`",
            error.Message);
    }
}
