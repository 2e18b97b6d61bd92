using System.Runtime.InteropServices;
using Cifar.Reports;
using Cifar.Tests.Infra;
using Cifar.Tests.Reports;

namespace Cifar.Tests.Cli;

/// <summary>A generated full-size dataset in a cache folder, shared by the interrupt tests (it takes seconds to make).</summary>
public sealed class GeneratedCacheFixture : IDisposable
{
    private readonly TempFolder _temp = new("interrupt-cache");

    public GeneratedCacheFixture() => GeneratedCifarCache.Install(CacheRoot);

    public string CacheRoot => _temp.Combine("cache");

    public void Dispose() => _temp.Dispose();
}

/// <summary>
/// Ctrl+C (SIGINT) or SIGTERM during training, sent to the real tool: it stops within seconds with the documented exit
/// code and one line on standard error, and leaves the report folders exactly as they were.
/// </summary>
[Collection("libtorch")]
public sealed class InterruptTests(GeneratedCacheFixture cache) : IClassFixture<GeneratedCacheFixture>, IDisposable
{
    private readonly TempFolder _temp = new("interrupt-test");

    public void Dispose() => _temp.Dispose();

    /// <summary>A small CNN on a 2,000-image subset for far more epochs than a test waits for: training is surely running.</summary>
    private string WriteSpec()
    {
        string path = _temp.Combine("endless.yaml");
        File.WriteAllText(path, """
            name: endless
            seed: 3
            data:
              dataset: cifar10
              normalization: rescale
              validation_split: 0.1
              batch_size: 32
              train_samples: 2000
              test_samples: 100
            model:
              type: cnn
              layers:
                - conv2d: {filters: 4, kernel_size: 3, activation: relu}
                - flatten: {}
                - dense: {units: 10}
            training:
              epochs: 5000
              optimizer: {type: adam, learning_rate: 0.001}
            """);
        return path;
    }

    [SignalFact(PosixSignal.SIGINT)]
    public void Ctrl_C_during_training_exits_130_and_leaves_the_previous_report_byte_identical()
    {
        string reports = _temp.Combine("reports");
        ReportWriter.Write(ReportFixtures.Result(), Path.Combine(reports, "endless"), ReportOptions.Default);
        var before = Snapshot(reports);

        var result = InterruptTraining(PosixSignal.SIGINT, reports);

        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Equal("error: interrupted by SIGINT", Assert.Single(result.ErrorLines));
        Assert.Equal(before, Snapshot(reports));
    }

    [SignalFact(PosixSignal.SIGTERM)]
    public void SIGTERM_during_training_exits_143_and_writes_no_report_folder()
    {
        string reports = _temp.Combine("reports");

        var result = InterruptTraining(PosixSignal.SIGTERM, reports);

        Assert.True(result.ExitCode == 143, result.ToString());
        Assert.Equal("error: interrupted by SIGTERM", Assert.Single(result.ErrorLines));
        Assert.Empty(Snapshot(reports));
    }

    /// <summary>A frozen base (random weights: no download) whose features of 20,000 images take far longer than the test waits.</summary>
    [SignalFact(PosixSignal.SIGTERM)]
    public void SIGTERM_during_feature_extraction_exits_143_and_keeps_only_whole_chunks()
    {
        string spec = _temp.Combine("frozen.yaml");
        File.WriteAllText(spec, """
            name: frozen
            seed: 3
            data:
              dataset: cifar10
              normalization: imagenet
              validation_split: 0.1
              batch_size: 32
              train_samples: 20000
              test_samples: 100
            model:
              type: transfer
              base: resnet18
              weights: none
              trainable_layers: 0
              head:
                - dense: {units: 10}
            training:
              epochs: 1
              optimizer: {type: adam, learning_rate: 0.001}
            """);
        using var tool = ToolProcess.Start(_temp.Path, null,
            "run", spec, "--output", _temp.Combine("reports"), "--cache-dir", cache.CacheRoot, "--threads", "1");
        tool.WaitForOutputLine(line => line == "frozen: train features ...", TimeSpan.FromMinutes(3));
        tool.Send(PosixSignal.SIGTERM);
        var result = tool.WaitForExit(TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 143, result.ToString());
        Assert.Equal("error: interrupted by SIGTERM", Assert.Single(result.ErrorLines));
        Assert.Contains("frozen: train features: stopped after", result.Output, StringComparison.Ordinal);
        // Extraction keeps its finished chunks for the rerun to resume from (docs/data.md, "Chunked extraction"): only
        // whole chunk files may be left, never a temporary or the marker that says the entry is complete.
        var left = CacheEntries();
        Assert.Equal("cifar-10-batches-bin", left[0]);
        Assert.All(left.Skip(1), entry => Assert.Matches(@"^features/[0-9a-f]+(/chunk-\d{5}\.bin)?$", entry));
        Assert.False(Directory.Exists(_temp.Combine("reports")));
    }

    [SignalFact(PosixSignal.SIGINT)]
    public void Ctrl_C_during_a_download_exits_130_and_leaves_nothing_in_the_cache()
    {
        using var server = new LoopbackHttpServer();
        // Headers at once, the body only after two minutes: the download is surely under way when the signal comes.
        string url = server.Route("/cifar-10-binary.tar.gz", new LoopbackResponse(200, new byte[1000], Delay: TimeSpan.FromMinutes(2)));
        string cacheRoot = _temp.Combine("download-cache");
        using var tool = ToolProcess.Start(_temp.Path, new Dictionary<string, string?> { ["CIFAR10_URL"] = url },
            "run", WriteSpec(), "--output", _temp.Combine("reports"), "--cache-dir", cacheRoot, "--threads", "1");
        tool.WaitForOutputLine(line => line.StartsWith($"endless: CIFAR-10 from {url}", StringComparison.Ordinal), TimeSpan.FromMinutes(3));
        tool.Send(PosixSignal.SIGINT);
        var result = tool.WaitForExit(TimeSpan.FromSeconds(60));

        Assert.True(result.ExitCode == 130, result.ToString());
        Assert.Equal("error: interrupted by SIGINT", Assert.Single(result.ErrorLines));
        Assert.Contains("stopped after 0 B of 1000 B", result.Output, StringComparison.Ordinal);
        // Only the lock folder, which is never deleted (see docs/data.md): no download or partial leftovers.
        var leftovers = Directory.GetFileSystemEntries(cacheRoot, "*", SearchOption.AllDirectories)
            .Select(e => Path.GetRelativePath(cacheRoot, e).Replace('\\', '/')).ToList();
        Assert.All(leftovers, e => Assert.StartsWith(".locks", e, StringComparison.Ordinal));
        Assert.False(Directory.Exists(_temp.Combine("reports")));
    }

    /// <summary>Starts a run, waits for its first epoch line (plain lines: NO_COLOR), sends the signal, waits for the end.</summary>
    private ToolResult InterruptTraining(PosixSignal signal, string reports)
    {
        using var tool = ToolProcess.Start(_temp.Path, null,
            "run", WriteSpec(), "--output", reports, "--cache-dir", cache.CacheRoot, "--threads", "1", "--restart");
        tool.WaitForOutputLine(line => line.StartsWith("endless epoch 1/5000:", StringComparison.Ordinal), TimeSpan.FromMinutes(3));
        tool.Send(signal);
        var result = tool.WaitForExit(TimeSpan.FromSeconds(60));

        Assert.DoesNotContain("endless: test accuracy", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
        // The cache holds the dataset and nothing half-written (no partial or download leftovers).
        Assert.Equal(["cifar-10-batches-bin"], CacheEntries());
        return result;
    }

    /// <summary>What the shared cache holds besides its lock folder, the dataset's files and whole training checkpoints
    /// (an interrupted run keeps its last one to resume from); any file in the feature cache (<c>features/</c>) is
    /// listed, the folder alone is not, and so is any temporary file beside the checkpoints.</summary>
    private List<string> CacheEntries() =>
        Directory.GetFileSystemEntries(cache.CacheRoot, "*", SearchOption.AllDirectories)
            .Select(e => Path.GetRelativePath(cache.CacheRoot, e).Replace('\\', '/'))
            .Where(e => !e.StartsWith(".locks", StringComparison.Ordinal) && !e.StartsWith("cifar-10-batches-bin/", StringComparison.Ordinal)
                && e != "features" && e != "checkpoints"
                && !(e.StartsWith("checkpoints/endless.", StringComparison.Ordinal) && e.EndsWith(".train.checkpoint", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal).ToList();

    /// <summary>Every file under <paramref name="root"/> (hidden temporary ones included), with its bytes.</summary>
    private static SortedDictionary<string, string> Snapshot(string root)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (!Directory.Exists(root)) return files;
        foreach (var entry in Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories))
        {
            string name = Path.GetRelativePath(root, entry).Replace('\\', '/');
            files[name] = File.Exists(entry) ? Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(entry))) : "folder";
        }
        return files;
    }
}
