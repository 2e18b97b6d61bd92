using System.Text.Json;
using Cifar.Cli.Commands;
using Cifar.Models.Transfer;
using Cifar.Reports.Files;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Cli;

/// <summary>
/// <c>dotnet cifar sweep</c> as a user and a job array run it: the built tool as child processes on generated data.
/// </summary>
[Collection("libtorch")]
public sealed class SweepCliTests(GeneratedCacheFixture cache) : IClassFixture<GeneratedCacheFixture>, IDisposable
{
    private readonly TempFolder _temp = new("sweep-cli-test");

    public void Dispose() => _temp.Dispose();

    private string Reports => _temp.Combine("reports");

    /// <summary>A 2x3 grid of a tiny CNN, a second or two per cell.</summary>
    private string WriteSpec()
    {
        string path = _temp.Combine("grid.yaml");
        File.WriteAllText(path, """
            name: grid
            seed: 5
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
            sweep:
              grid:
                training.optimizer.learning_rate: [0.001, 0.01]
                data.batch_size: [16, 32, 64]
            """);
        return path;
    }

    private ToolProcess Start(IReadOnlyDictionary<string, string?>? environment, params string[] args) =>
        ToolProcess.Start(_temp.Path, environment, [.. args, "--output", Reports, "--cache-dir", cache.CacheRoot, "--threads", "1"]);

    private ToolResult Cifar(params string[] args) => Cifar(null, args);

    private ToolResult Cifar(IReadOnlyDictionary<string, string?>? environment, params string[] args)
    {
        using var tool = Start(environment, args);
        return tool.WaitForExit(TimeSpan.FromMinutes(4));
    }

    [Fact]
    public void List_prints_six_cells_as_a_github_matrix_on_one_line_and_writes_sweep_json()
    {
        var spec = WriteSpec();

        var matrix = Cifar("sweep", spec, "--list", "--format", "github-matrix");
        var text = Cifar("sweep", spec, "--list");
        var json = Cifar("sweep", spec, "--list", "--format", "json");

        Assert.True(matrix.ExitCode == 0, matrix.ToString());
        var line = Assert.Single(matrix.Output.TrimEnd('\n').Split('\n'));
        var include = JsonDocument.Parse(line).RootElement.GetProperty("include");
        Assert.Equal([0, 1, 2, 3, 4, 5], include.EnumerateArray().Select(e => e.GetProperty("cell").GetInt32()));
        Assert.Equal("learning_rate=0.01,batch_size=16", include[3].GetProperty("name").GetString());
        Assert.Equal("0\tlearning_rate=0.001,batch_size=16\n", text.Output.Split('\n')[0] + "\n");
        Assert.Equal(6, text.Output.TrimEnd('\n').Split('\n').Length);
        var written = File.ReadAllText(Path.Combine(Reports, "grid", SweepFile.FileName));
        Assert.Equal(written, json.Output);
        Assert.Equal(6, SweepFile.Read(written, "sweep.json").Cells.Count);
    }

    [TorchFact]
    public void Cells_0_and_3_run_in_two_processes_then_sweep_runs_only_the_other_four()
    {
        var spec = WriteSpec();

        using (var first = Start(null, "sweep", spec, "--cell", "0"))
        using (var second = Start(null, "sweep", spec, "--cell", "3"))
        {
            var a = first.WaitForExit(TimeSpan.FromMinutes(4));
            var b = second.WaitForExit(TimeSpan.FromMinutes(4));
            Assert.True(a.ExitCode == 0, a.ToString());
            Assert.True(b.ExitCode == 0, b.ToString());
        }
        var cell0 = Path.Combine(Reports, "grid", "learning_rate=0.001,batch_size=16");
        var cell3 = Path.Combine(Reports, "grid", "learning_rate=0.01,batch_size=16");
        var manifestBefore = File.ReadAllBytes(Path.Combine(cell0, "manifest.json"));
        Assert.Equal(["learning_rate=0.001,batch_size=16", "learning_rate=0.01,batch_size=16", "sweep.json"],
            Directory.EnumerateFileSystemEntries(Path.Combine(Reports, "grid")).Select(Path.GetFileName).Order(StringComparer.Ordinal));

        var rest = Cifar("sweep", spec);

        Assert.True(rest.ExitCode == 0, rest.ToString());
        Assert.Contains("grid: skipped 2 complete cells", rest.Output, StringComparison.Ordinal);
        var started = rest.Output.Split('\n').Where(l => l.StartsWith("grid: cell ", StringComparison.Ordinal)).ToList();
        Assert.Equal(["grid: cell 1 of 5 (learning_rate=0.001,batch_size=32)", "grid: cell 2 of 5 (learning_rate=0.001,batch_size=64)",
                      "grid: cell 4 of 5 (learning_rate=0.01,batch_size=32)", "grid: cell 5 of 5 (learning_rate=0.01,batch_size=64)"], started);
        Assert.Equal(manifestBefore, File.ReadAllBytes(Path.Combine(cell0, "manifest.json")));
        var sweep = SweepFile.Read(File.ReadAllText(Path.Combine(Reports, "grid", SweepFile.FileName)), "sweep.json");
        foreach (var cell in sweep.Cells)
        {
            var manifest = ReportFileJson.ReadManifest(File.ReadAllText(Path.Combine(Reports, "grid", cell.Name, "manifest.json")), cell.Name);
            Assert.Equal(cell.SpecSha256, manifest.SpecSha256);
            Assert.Equal($"grid/{cell.Name}", manifest.Name);
        }
        Assert.Contains("name: grid/learning_rate=0.01,batch_size=16", File.ReadAllText(Path.Combine(cell3, "spec.yaml")), StringComparison.Ordinal);

        // A worker of a Slurm array whose cell is complete does nothing; an index past the last cell is an error.
        var again = Cifar(new Dictionary<string, string?> { ["SLURM_ARRAY_TASK_ID"] = "3", ["JOB_COMPLETION_INDEX"] = null }, "sweep", spec);
        var outside = Cifar(new Dictionary<string, string?> { ["SLURM_ARRAY_TASK_ID"] = null, ["JOB_COMPLETION_INDEX"] = "6" }, "sweep", spec);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("grid: cell 3 (learning_rate=0.01,batch_size=16) is complete; skipped", again.Output, StringComparison.Ordinal);
        Assert.True(outside.ExitCode == 2, outside.ToString());
        Assert.Equal(["error: JOB_COMPLETION_INDEX is '6'; expected a cell index 0 to 5 (the sweep has 6 cells)"], outside.ErrorLines);
    }

    [Fact]
    public void An_invalid_grid_exits_2_listing_every_problem_before_anything_runs()
    {
        var spec = WriteSpec();
        File.WriteAllText(spec, File.ReadAllText(spec).Replace("[16, 32, 64]", "[16, 0, 64]", StringComparison.Ordinal)
            .Replace("[0.001, 0.01]", "[0.001, fast]", StringComparison.Ordinal));

        var result = Cifar("sweep", spec);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Equal(
            [$"{spec}:21:47: `training.optimizer.learning_rate` is 'fast'; expected a number", $"{spec}:22:27: `data.batch_size` is '0'; expected an integer >= 1"],
            result.ErrorLines);
        Assert.False(Directory.Exists(Reports));
    }

    [Theory]
    [InlineData(null, null, null, null)]
    [InlineData(2, "5", null, 2)]
    [InlineData(null, "4", "1", 4)]
    [InlineData(null, null, "1", 1)]
    [InlineData(null, " ", "0", 0)]
    public void The_cell_comes_from_the_option_then_slurm_then_kubernetes(int? option, string? slurm, string? kubernetes, int? expected)
    {
        var environment = new Dictionary<string, string?> { ["SLURM_ARRAY_TASK_ID"] = slurm, ["JOB_COMPLETION_INDEX"] = kubernetes };

        Assert.Equal(expected, SweepCommand.ChosenCell(option, 6, name => environment[name]));
    }

    [Theory]
    [InlineData(6, "--cell is '6'; expected a cell index 0 to 5 (the sweep has 6 cells)")]
    [InlineData(-1, "--cell is '-1'; expected a cell index 0 to 5 (the sweep has 6 cells)")]
    public void A_cell_outside_the_sweep_is_one_clear_error(int cell, string message)
    {
        var error = Assert.Throws<CifarUserException>(() => SweepCommand.ChosenCell(cell, 6, _ => null));

        Assert.Equal((UserErrorKind.InvalidInput, message), (error.Kind, error.Message));
    }

    [Theory]
    [InlineData(null, null, null)]        // every cell in turn: chunks in order
    [InlineData(null, 3, "3/6")]          // one cell of six (--cell 3, or task 3 of a job array): its own starting chunk
    [InlineData(null, 0, "0/6")]
    [InlineData("1/4", 3, "1/4")]         // --shard wins
    [InlineData("1/4", null, "1/4")]
    public void The_runner_gets_the_shard_option_else_the_cells_own_shard_of_the_sweep(string? option, int? cell, string? expected)
    {
        var settings = new SweepCommand.SweepSettings(
            "grid.yaml", [], List: false, "text", cell, Reports, CacheDir: null, Templates: null, Threads: 1,
            option is null ? null : ExtractionShard.Parse(option), Restart: false);

        var options = settings.ToRunOptions(SweepCommand.ChosenCell(cell, 6, _ => null), 6);

        Assert.Equal(expected is null ? null : ExtractionShard.Parse(expected), options.Shard);
    }

    [Fact]
    public void A_slurm_or_kubernetes_worker_without_shard_gets_its_cells_shard()
    {
        var settings = new SweepCommand.SweepSettings(
            "grid.yaml", [], List: false, "text", Cell: null, Reports, CacheDir: null, Templates: null, Threads: 1, Shard: null, Restart: false);

        var cell = SweepCommand.ChosenCell(null, 6, name => name == "JOB_COMPLETION_INDEX" ? "4" : null);

        Assert.Equal(new ExtractionShard(4, 6), settings.ToRunOptions(cell, 6).Shard);
    }

    [Theory]
    [InlineData("2/2")]
    [InlineData("1")]
    [InlineData("a/3")]
    public void A_bad_shard_is_the_same_one_line_error_with_exit_2_for_sweep_and_run(string shard)
    {
        var spec = WriteSpec();

        var sweep = Cifar("sweep", spec, "--cell", "0", "--shard", shard);
        var run = Cifar("run", spec, "--shard", shard);

        Assert.True(sweep.ExitCode == 2, sweep.ToString());
        Assert.Equal([$"error: --shard is '{shard}'; expected i/n with 0 <= i < n, such as 0/2 (this worker's share of a feature extraction)"],
            sweep.ErrorLines);
        Assert.Equal(sweep.ExitCode, run.ExitCode);
        Assert.Equal(sweep.ErrorLines, run.ErrorLines);
        Assert.False(Directory.Exists(Path.Combine(Reports, "grid")));
    }
}
