using System.Text.Json;
using Cifar.Reports.Files;
using Cifar.Reproducibility;
using Cifar.Tests.Cli;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Running;

/// <summary>
/// <c>determinism: portable</c> as a user meets it: the built tool run as a child process (libtorch's CPU code is chosen
/// when it loads, so only a fresh process can show that the pins were in the native environment before that).
/// </summary>
public sealed class PortableDeterminismTests(GeneratedCacheFixture cache) : IClassFixture<GeneratedCacheFixture>, IDisposable
{
    private readonly TempFolder _temp = new("portable-test");

    public void Dispose() => _temp.Dispose();

    private const string TinySpec = """
        name: NAME
        seed: 7
        LEVEL
        data:
          dataset: cifar10
          batch_size: 32
          train_samples: 320
          test_samples: 64
        model:
          type: cnn
          layers:
            - conv2d: {filters: 4, kernel_size: 3, activation: relu}
            - max_pooling2d: {pool_size: 2}
            - flatten: {}
            - dense: {units: 10}
        training:
          epochs: 1
          optimizer: {type: adam}
        report:
          formats: [markdown]
        """;

    private string Spec(string name, string level)
    {
        var path = _temp.Combine(name + ".yaml");
        File.WriteAllText(path, TinySpec.Replace("NAME", name, StringComparison.Ordinal).Replace("LEVEL", level, StringComparison.Ordinal));
        return path;
    }

    private ToolResult Run(IReadOnlyDictionary<string, string?>? environment, params string[] specs) =>
        ToolProcess.Run(_temp.Path, environment, timeout: null,
            ["run", .. specs, "--output", _temp.Combine("reports"), "--cache-dir", cache.CacheRoot, "--threads", "1"]);

    /// <summary>Clears the variables the portable level pins, so the child starts from the machine's defaults.</summary>
    private static Dictionary<string, string?> CleanEnvironment() =>
        EnvironmentInfo.CpuDispatchVariables.ToDictionary(name => name, _ => (string?)null);

    [Avx2Fact]
    public void A_portable_run_records_the_level_and_the_pins_libtorch_ran_under()
    {
        var result = Run(CleanEnvironment(), Spec("tiny-portable", "determinism: portable"));

        Assert.True(result.ExitCode == 0, result.ToString());
        var folder = _temp.Combine("reports", "tiny-portable");
        var manifest = ReportFileJson.ReadManifest(File.ReadAllText(Path.Combine(folder, ReportFiles.Manifest)), "manifest");
        Assert.Equal("portable", manifest.Environment.Determinism);
        // Read back from the child's native environment (getenv), which is what ATen and MKL read at their first use.
        Assert.Equal("avx2", manifest.Environment.CpuDispatchOverrides["ATEN_CPU_CAPABILITY"]);
        Assert.Equal("AVX2", manifest.Environment.CpuDispatchOverrides["MKL_CBWR"]);
        var report = File.ReadAllText(Path.Combine(folder, "report.md"));
        Assert.Contains("It ran at `determinism: portable` (ATEN_CPU_CAPABILITY=avx2, MKL_CBWR=AVX2, oneDNN's convolutions off (libtorch's userEnabledMkldnn read back false))",
            report, StringComparison.Ordinal);
    }

    [Avx2Fact]
    public void A_fast_run_records_the_default_level_and_no_pins()
    {
        var result = Run(CleanEnvironment(), Spec("tiny-fast", ""));

        Assert.True(result.ExitCode == 0, result.ToString());
        var folder = _temp.Combine("reports", "tiny-fast");
        var manifest = ReportFileJson.ReadManifest(File.ReadAllText(Path.Combine(folder, ReportFiles.Manifest)), "manifest");
        Assert.Equal("fast", manifest.Environment.Determinism);
        Assert.Empty(manifest.Environment.CpuDispatchOverrides);
        Assert.Contains("It ran at `determinism: fast`", File.ReadAllText(Path.Combine(folder, "report.md")), StringComparison.Ordinal);
    }

    [Fact]
    public void Specs_of_different_levels_in_one_run_are_refused_before_anything_runs_with_one_line()
    {
        var fast = Spec("a-fast", "determinism: fast");
        var portable = Spec("b-portable", "determinism: portable");

        var result = Run(CleanEnvironment(), fast, portable);

        Assert.True(result.ExitCode == 2, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.Equal(
            "error: the specs ask for different determinism levels (fast: a-fast.yaml; portable: b-portable.yaml); libtorch's CPU code is fixed once it loads, so run each level in its own `dotnet cifar run`",
            line);
        Assert.False(Directory.Exists(_temp.Combine("reports")));
    }

    [Avx2Fact]
    public void A_pinned_variable_already_set_otherwise_is_refused_rather_than_overridden()
    {
        var environment = CleanEnvironment();
        environment["ATEN_CPU_CAPABILITY"] = "default";

        var result = Run(environment, Spec("tiny-conflict", "determinism: portable"));

        Assert.True(result.ExitCode == 1, result.ToString());
        var line = Assert.Single(result.ErrorLines);
        Assert.Equal(
            "error: determinism: portable sets ATEN_CPU_CAPABILITY=avx2, but the environment already has ATEN_CPU_CAPABILITY=default: unset it, or use `determinism: fast` to run with it",
            line);
    }
}
