using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Cifar.Reports.Files;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Engines;

/// <summary>
/// The Slurm path end to end, as benchmarks/slurm/sweep-on-slurm.sh runs it by hand on the real CIFAR-10, here on a
/// generated dataset in a fresh cache (so it needs no ../shared and no network): a one-node Slurm is started, the sweep
/// is submitted as one job array with deploy/slurm/submit-sweep.sh, every task runs one cell of the built tool, the
/// cells are merged with <c>compare</c>, and the cluster is stopped.
/// </summary>
[Collection("libtorch")]
public sealed class SlurmSweepTests : IDisposable
{
    private readonly TempFolder _temp = new("slurm-sweep");

    public void Dispose() => _temp.Dispose();

    [SlurmFact]
    public void The_sweep_runs_as_a_job_array_on_a_local_slurm_one_cell_per_task_and_compare_merges_it()
    {
        var cache = _temp.Combine("cache");
        GeneratedCifarCache.Install(cache);
        var work = _temp.Combine("work");
        var slurm = _temp.Combine("slurm");
        var tool = typeof(global::Cifar.Cli.ExitCode).Assembly.Location;

        var start = new ProcessStartInfo("bash", [RepositoryFiles.PathOf("benchmarks/slurm/sweep-on-slurm.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _temp.Path,
        };
        start.Environment["SWEEP_ON_SLURM_DIR"] = work;
        start.Environment["LOCAL_SLURM_DIR"] = slurm;
        start.Environment["LOCAL_SLURM_PORT"] = FreePortPair().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["CIFAR_CACHE_DIR"] = cache;
        start.Environment["SWEEP_TRAIN_SAMPLES"] = "1000"; // a few seconds per cell
        start.Environment["SWEEP_EPOCHS"] = "1";
        // A source that cannot be fetched: the tasks must find the dataset in the shared cache.
        start.Environment["CIFAR10_URL"] = "file://" + _temp.Combine("no-such-archive.tar.gz");
        start.Environment["CIFAR_COMMAND"] = $"dotnet {tool}";
        start.Environment["NO_COLOR"] = "1";
        start.Environment.Remove("SLURM_CONF");

        using var script = Process.Start(start)!;
        var error = script.StandardError.ReadToEndAsync();
        var output = script.StandardOutput.ReadToEnd();
        Assert.True(script.WaitForExit(TimeSpan.FromMinutes(10)), "the Slurm sweep did not finish in 10 minutes");
        var log = $"exit code {script.ExitCode}\n--- stdout ---\n{output}\n--- stderr ---\n{error.Result}";

        Assert.True(script.ExitCode == 0, log);
        var states = output.Split('\n').Where(l => l.Contains(" exit=", StringComparison.Ordinal)).Select(l => l.Trim()).ToList();
        Assert.Equal(6, states.Count);
        Assert.All(states, s => Assert.Matches(@"^\d+_\d COMPLETED exit=0:0$", s));
        Assert.Contains("local-slurm: stopped", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(slurm), "the cluster's folder is removed when it stops");

        var sweep = Path.Combine(work, "reports", "slurm-sweep");
        var cells = SweepFile.Read(File.ReadAllText(Path.Combine(sweep, SweepFile.FileName)), "sweep.json").Cells;
        Assert.Equal(6, cells.Count);
        foreach (var cell in cells)
        {
            var manifest = ReportFileJson.ReadManifest(File.ReadAllText(Path.Combine(sweep, cell.Name, ReportFiles.Manifest)), cell.Name);
            Assert.Equal(cell.SpecSha256, manifest.SpecSha256);
        }
        var report = File.ReadAllText(Path.Combine(sweep, "sweep-report.md"));
        Assert.DoesNotContain("missing", report, StringComparison.Ordinal);
        Assert.Contains(report.Split('\n')[0], output, StringComparison.Ordinal); // the script prints the report's head
        Assert.False(Directory.Exists(_temp.Combine("reports")), "everything goes under the script's folder, nothing to the working directory");
    }

    /// <summary>A port p with p and p + 1 free (slurmctld and slurmd), so a test cluster never meets a running one.</summary>
    private static int FreePortPair()
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var first = new TcpListener(IPAddress.Any, 0);
            first.Start();
            var port = ((IPEndPoint)first.LocalEndpoint).Port;
            if (port >= IPEndPoint.MaxPort) continue;
            try
            {
                using var second = new TcpListener(IPAddress.Any, port + 1);
                second.Start();
                return port;
            }
            catch (SocketException)
            {
                // taken: try another
            }
        }
        throw new InvalidOperationException("no two consecutive free ports");
    }
}
