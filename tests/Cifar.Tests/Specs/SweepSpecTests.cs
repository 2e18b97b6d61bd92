using System.Text.Json;
using Cifar.Running;
using Cifar.Specs;
using Cifar.Tests.Infra;
using static Cifar.Tests.Specs.SpecTestFiles;

namespace Cifar.Tests.Specs;

/// <summary>A spec's <c>sweep:</c> section: the cells it makes, their names and specs, and its problems.</summary>
public sealed class SweepSpecTests : IDisposable
{
    private readonly TempFolder _temp = new("sweep-spec-test");

    public void Dispose() => _temp.Dispose();

    // MinimalSpec is 13 lines; the sweep starts at line 14.
    private const string GridSweep = MinimalSpec + """

        sweep:
          grid:
            training.optimizer.learning_rate: [0.001, 0.01]
            data.batch_size: [16, 32, 64]
        """;

    private string Write(string text, string name = "sweep.yaml")
    {
        var path = _temp.Combine(name);
        File.WriteAllText(path, text);
        return path;
    }

    private SweepPlan Load(string text, params string[] overrides) => ExperimentSpecs.Loader.LoadSweep(Write(text), overrides);

    /// <summary>The problem lines, one string (so a failed comparison shows them whole).</summary>
    private string Problems(string text)
    {
        var error = Assert.Throws<CifarUserException>(() => Load(text));
        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        return string.Join("\n", error.Lines);
    }

    private static string Lines(params string[] lines) => string.Join("\n", lines);

    [Fact]
    public void A_2x3_grid_makes_six_cells_in_grid_order_named_by_their_values()
    {
        var plan = Load(GridSweep);

        Assert.Equal("t", plan.Name);
        Assert.Equal(["training.optimizer.learning_rate", "data.batch_size"], plan.Keys);
        Assert.Equal(
            [
                "learning_rate=0.001,batch_size=16", "learning_rate=0.001,batch_size=32", "learning_rate=0.001,batch_size=64",
                "learning_rate=0.01,batch_size=16", "learning_rate=0.01,batch_size=32", "learning_rate=0.01,batch_size=64",
            ],
            plan.Cells.Select(c => c.Name));
        Assert.Equal([0, 1, 2, 3, 4, 5], plan.Cells.Select(c => c.Index));
        var cell = plan.Cells[4];
        Assert.Equal("t/learning_rate=0.01,batch_size=32", cell.Spec.Name);
        Assert.Equal((0.01, 32), (cell.Spec.Training.Optimizer.LearningRate, cell.Spec.Data.BatchSize));
        Assert.Equal(2, cell.Spec.Training.Epochs);
    }

    [Fact]
    public void A_cells_spec_text_is_complete_and_reloads_to_the_same_text_and_name()
    {
        var cell = Load(GridSweep).Cells[3];
        var copy = Write(cell.Spec.SourceText, "cell-spec.yaml");

        var again = ExperimentSpecs.Loader.Load(copy);

        Assert.DoesNotContain("sweep:", cell.Spec.SourceText, StringComparison.Ordinal);
        Assert.StartsWith("# Cell 3 of sweep t (sweep.yaml)", cell.Spec.SourceText, StringComparison.Ordinal);
        Assert.Equal(cell.Spec.SourceText, again.SourceText);
        Assert.Equal(cell.Spec.Name, again.Name);
        Assert.Equal(RecordedSpec.Sha256(cell.Spec), RecordedSpec.Sha256(again));
    }

    [Fact]
    public void The_same_spec_always_gives_the_same_cells_and_hashes()
    {
        var first = SweepRunner.SweepFileOf(Load(GridSweep)).ToBytes();
        var second = SweepRunner.SweepFileOf(Load(GridSweep)).ToBytes();

        Assert.Equal(first, second);
    }

    [Fact]
    public void Exclude_drops_matching_cells_and_include_appends_cells_with_keys_of_their_own()
    {
        var plan = Load(GridSweep
            + "\n  exclude:"
            + "\n    - {data.batch_size: 64}"
            + "\n    - {training.optimizer.learning_rate: 0.01, data.batch_size: 16}"
            + "\n  include:"
            + "\n    - {training.optimizer.learning_rate: 0.1, data.batch_size: 8, training.epochs: 1}");

        Assert.Equal(
            ["learning_rate=0.001,batch_size=16", "learning_rate=0.001,batch_size=32", "learning_rate=0.01,batch_size=32",
             "learning_rate=0.1,batch_size=8,epochs=1"],
            plan.Cells.Select(c => c.Name));
        Assert.Equal(["training.optimizer.learning_rate", "data.batch_size", "training.epochs"], plan.Keys);
        Assert.Equal(1, plan.Cells[3].Spec.Training.Epochs);
        Assert.Equal(3, plan.Cells[3].Index);
    }

    [Fact]
    public void A_bad_value_is_reported_once_at_its_place_in_the_grid_with_every_other_problem()
    {
        var lines = Problems(Edited(GridSweep, "[16, 32, 64]", "[16, -2, 64]").Replace("learning_rate: [", "learning_rat: [", StringComparison.Ordinal));

        var path = _temp.Combine("sweep.yaml");
        Assert.Equal(Lines(
            $"{path}:16:5: `training.optimizer.learning_rat` is an unknown key; expected one of type, learning_rate, beta_1, beta_2, epsilon. Did you mean 'learning_rate'?",
            $"{path}:17:27: `data.batch_size` is '-2'; expected an integer >= 1"), lines);
    }

    [Fact]
    public void Sweep_section_problems_are_each_one_line()
    {
        var path = _temp.Combine("sweep.yaml");
        Assert.Equal(Lines($"{path}:15:3: `sweep.gird` is an unknown key; expected one of grid, include, exclude. Did you mean 'grid'?",
                           $"{path}:15:3: `sweep` has no `grid`; expected `grid:` mapping dotted spec keys to lists of values, e.g. training.optimizer.learning_rate: [0.001, 0.01]"),
            Problems(Edited(GridSweep, "  grid:", "  gird:")));
        Assert.Equal(Lines($"{path}:16:39: `sweep.grid.training.optimizer.learning_rate` is '0.1'; expected a list of one or more values, e.g. [0.001, 0.01]"),
            Problems(Edited(GridSweep, "[0.001, 0.01]", "0.1")));
        Assert.Equal(Lines($"{path}:16:53: `sweep.grid.training.optimizer.learning_rate` lists '0.010' twice (first at line 16, column 47); expected each value once"),
            Problems(Edited(GridSweep, "[0.001, 0.01]", "[0.001, 0.01, 0.010]")));
        Assert.Equal(Lines($"{path}:16:5: `sweep.grid` varies `name`; expected any spec key but name, sweep and extends (each cell is named by its values)"),
            Problems(Edited(GridSweep, "training.optimizer.learning_rate: [0.001, 0.01]", "name: [a, b]")));
        Assert.Equal(Lines($"{path}:19:7: `sweep.exclude[0]` matches no cell of the grid; expected values the grid lists"),
            Problems(GridSweep + "\n  exclude:\n    - {data.batch_size: 128}"));
        Assert.Equal(Lines($"{path}:19:8: `sweep.exclude[0]` names `data.batch_sise`, which is not a grid key; expected one of training.optimizer.learning_rate, data.batch_size. Did you mean 'data.batch_size'?"),
            Problems(GridSweep + "\n  exclude:\n    - {data.batch_sise: 16}"));
        Assert.Equal(Lines($"{path}:19:7: `sweep.include[0]` is already a cell of the grid; expected a cell the grid does not have"),
            Problems(GridSweep + "\n  include:\n    - {data.batch_size: 16, training.optimizer.learning_rate: 0.001}"));
    }

    [Fact]
    public void A_spec_without_sweep_is_pointed_at_run()
    {
        var line = Problems(MinimalSpec);

        Assert.EndsWith(":1:1: the spec has no `sweep`; expected `sweep:` with `grid:` (dotted keys to lists of values); one experiment runs with `dotnet cifar run`", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Set_changes_the_base_of_every_cell_before_the_grid_is_expanded()
    {
        var plan = Load(GridSweep, "training.epochs=1", "sweep.grid.seed=[1, 2]");

        Assert.Equal(12, plan.Cells.Count);
        Assert.All(plan.Cells, c => Assert.Equal(1, c.Spec.Training.Epochs));
        Assert.Equal("learning_rate=0.01,batch_size=64,seed=2", plan.Cells[^1].Name);
        Assert.Equal(2, plan.Cells[^1].Spec.Seed);
    }

    [Fact]
    public void Sweep_json_holds_the_values_as_json_numbers_and_the_cells_spec_hashes()
    {
        var plan = Load(GridSweep);

        var json = JsonDocument.Parse(SweepRunner.SweepFileOf(plan).ToBytes()).RootElement;

        Assert.Equal("t", json.GetProperty("name").GetString());
        Assert.Equal(["training.optimizer.learning_rate", "data.batch_size"], json.GetProperty("keys").EnumerateArray().Select(k => k.GetString()));
        var cell = json.GetProperty("cells")[5];
        Assert.Equal(5, cell.GetProperty("index").GetInt32());
        Assert.Equal("learning_rate=0.01,batch_size=64", cell.GetProperty("name").GetString());
        Assert.Equal(0.01, cell.GetProperty("values").GetProperty("training.optimizer.learning_rate").GetDouble());
        Assert.Equal(JsonValueKind.Number, cell.GetProperty("values").GetProperty("data.batch_size").ValueKind);
        Assert.Equal(RecordedSpec.Sha256(plan.Cells[5].Spec), cell.GetProperty("spec_sha256").GetString());
        Assert.Equal(plan, plan with { }); // the plan is plain data
    }

    [Fact]
    public void The_github_matrix_is_one_line_of_include_entries()
    {
        var matrix = SweepRunner.SweepFileOf(Load(GridSweep)).ToGitHubMatrix();

        Assert.DoesNotContain('\n', matrix);
        Assert.StartsWith("""{"include":[{"cell":0,"name":"learning_rate=0.001,batch_size=16"},{"cell":1,""", matrix, StringComparison.Ordinal);
        Assert.Equal(6, JsonDocument.Parse(matrix).RootElement.GetProperty("include").GetArrayLength());
    }
}
