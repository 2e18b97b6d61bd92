using Cifar.Reports.Files;
using Cifar.Running;
using Cifar.Specs;
using Cifar.Tests.Cli;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Running;

/// <summary>
/// <see cref="SweepRunner"/> over cells that are multi-seed (the spec lists <c>seeds</c>): a cell's folder is then the
/// runner's multi-seed folder (seed-N/ per seed, seeds.json and spec.yaml, no manifest of its own), and "complete"
/// must mean every seed complete for the cell's current spec. Real runs of a tiny CNN on a generated dataset.
/// </summary>
[Collection("libtorch")]
public sealed class SweepRunnerTests(GeneratedCacheFixture cache) : IClassFixture<GeneratedCacheFixture>, IDisposable
{
    private readonly TempFolder _temp = new("sweep-runner-test");

    public void Dispose() => _temp.Dispose();

    private string Reports => _temp.Combine("reports");

    /// <summary>Two cells (two learning rates) of two seeds each: four runs of a second or so.</summary>
    private SweepPlan Plan(params string[] overrides)
    {
        var path = _temp.Combine("seeded.yaml");
        File.WriteAllText(path, """
            name: seeded
            seeds: [5, 6]
            data:
              dataset: cifar10
              normalization: rescale
              validation_split: 0.1
              batch_size: 32
              train_samples: 300
              test_samples: 100
            model:
              type: cnn
              layers:
                - conv2d: {filters: 4, kernel_size: 3, activation: relu}
                - flatten: {}
                - dense: {units: 10}
            training:
              epochs: 1
              optimizer: {type: adam, learning_rate: 0.001}
            report:
              formats: [markdown]
            sweep:
              grid:
                training.optimizer.learning_rate: [0.001, 0.01]
            """);
        return ExperimentSpecs.Loader.LoadSweep(path, overrides);
    }

    private SweepRunner Runner(string? reports = null) =>
        new(new RunOptions(reports ?? Reports, cache.CacheRoot, Threads: 1), SilentRunObserver.Instance);

    private string CellFolder(SweepPlan plan, int cell) => Runner().CellFolder(plan, plan.Cells[cell]);

    [TorchFact]
    public void A_complete_multi_seed_cell_is_skipped_and_one_with_a_seed_missing_or_a_changed_spec_is_rerun()
    {
        var plan = Plan();
        Assert.All(plan.Cells, cell => Assert.True(SeedRuns.IsMultiSeed(cell.Spec)));

        var first = Runner().Run(plan, null, rerunComplete: false);

        Assert.Equal(2, first.Ran.Count);
        Assert.Equal(["seed-5", "seed-6"], Directory.GetDirectories(CellFolder(plan, 0)).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.False(File.Exists(Path.Combine(CellFolder(plan, 0), ReportFiles.Manifest))); // the case a manifest-only check missed
        Assert.All(plan.Cells, cell => Assert.True(Runner().IsComplete(plan, cell), cell.Name));

        // Run again: nothing to do, and the folders are left as they were.
        var seedsBefore = File.ReadAllBytes(Path.Combine(CellFolder(plan, 1), ReportFiles.Seeds));
        var again = Runner().Run(plan, null, rerunComplete: false);
        Assert.Empty(again.Ran);
        Assert.Equal([0, 1], again.Skipped.Select(c => c.Index));
        Assert.Equal(seedsBefore, File.ReadAllBytes(Path.Combine(CellFolder(plan, 1), ReportFiles.Seeds)));

        // A seed's folder lost (or never finished): that cell alone runs again, and is complete afterwards.
        Directory.Delete(Path.Combine(CellFolder(plan, 0), "seed-6"), recursive: true);
        Assert.False(Runner().IsComplete(plan, plan.Cells[0]));
        var repaired = Runner().Run(plan, null, rerunComplete: false);
        Assert.Equal(["seeded/learning_rate=0.001"], repaired.Ran.Select(r => r.Name));
        Assert.Equal([1], repaired.Skipped.Select(c => c.Index));
        Assert.True(Directory.Exists(Path.Combine(CellFolder(plan, 0), "seed-6")));
        Assert.True(Runner().IsComplete(plan, plan.Cells[0]));

        // The same folders are not complete for a changed spec, another list of seeds, or one more seed.
        Assert.All(Plan("training.epochs=2").Cells, cell => Assert.False(Runner().IsComplete(plan, cell), cell.Name));
        Assert.All(Plan("seeds=[5, 7]").Cells, cell => Assert.False(Runner().IsComplete(plan, cell), cell.Name));
        Assert.All(Plan("seeds=[5, 6, 7]").Cells, cell => Assert.False(Runner().IsComplete(plan, cell), cell.Name));
    }

    [TorchFact]
    public void A_multi_seed_cell_whose_seed_was_run_for_another_spec_is_not_complete()
    {
        var plan = Plan();
        Runner().Run(plan, [1], rerunComplete: false);
        Assert.True(Runner().IsComplete(plan, plan.Cells[1]));

        // One seed's folder replaced by the same seed's folder of a run with another epoch count: seeds.json and
        // spec.yaml are unchanged, but that seed's manifest records another spec.
        var elsewhere = _temp.Combine("elsewhere");
        var other = Plan("training.epochs=2");
        Runner(elsewhere).Run(other, [1], rerunComplete: false);
        var seed5 = Path.Combine(CellFolder(plan, 1), "seed-5");
        Directory.Delete(seed5, recursive: true);
        Directory.Move(Path.Combine(Runner(elsewhere).CellFolder(other, other.Cells[1]), "seed-5"), seed5);

        Assert.False(Runner().IsComplete(plan, plan.Cells[1]));
    }
}
