using Cifar.Tests.Infra;

namespace Cifar.Tests.Cli;

/// <summary><c>dotnet cifar cache</c> and <c>cache prune</c> through the real tool: what the user reads and the exit codes.</summary>
public sealed class CacheCliTests : IDisposable
{
    private readonly TempFolder _temp = new("cache-cli");

    public void Dispose() => _temp.Dispose();

    private ToolResult Cifar(params string[] args) => ToolProcess.Run(_temp.Path, null, timeout: null, args);

    private string MakeCache()
    {
        var root = _temp.Combine("cache");
        Directory.CreateDirectory(Path.Combine(root, "checkpoints"));
        Directory.CreateDirectory(Path.Combine(root, "cifar-10-batches-bin"));
        File.WriteAllBytes(Path.Combine(root, "checkpoints", "cnn.0123456789abcdef.train.checkpoint"), new byte[2048]);
        File.WriteAllBytes(Path.Combine(root, "cifar-10-batches-bin", "test_batch.bin"), new byte[3072]);
        return root;
    }

    [Fact]
    public void Cache_lists_each_entry_with_its_kind_and_size_and_the_totals()
    {
        var root = MakeCache();

        var result = Cifar("cache", "--cache-dir", root);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(
            [
                $"cache {root}",
                "  dataset     cifar-10-batches-bin                                   3.0 KB",
                "  checkpoint  checkpoints/cnn.0123456789abcdef.train.checkpoint      2.0 KB",
                "total 5.0 KB in 2 entries (dataset 3.0 KB, checkpoint 2.0 KB)",
            ],
            result.Output.TrimEnd('\n').Split('\n'));
        Assert.Empty(result.Error);
    }

    [Fact]
    public void Prune_without_a_kind_is_a_usage_error_and_removes_nothing()
    {
        var root = MakeCache();

        var result = Cifar("cache", "prune", "--cache-dir", root);

        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("error: cache prune: say what to remove: --checkpoints", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(root, "checkpoints", "cnn.0123456789abcdef.train.checkpoint")));
    }

    [Fact]
    public void Prune_checkpoints_dry_run_then_for_real()
    {
        var root = MakeCache();
        var checkpoint = Path.Combine(root, "checkpoints", "cnn.0123456789abcdef.train.checkpoint");

        var dry = Cifar("cache", "prune", "--checkpoints", "--dry-run", "--cache-dir", root);
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains("would remove checkpoint checkpoints/cnn.0123456789abcdef.train.checkpoint (2.0 KB)", dry.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(checkpoint));

        var real = Cifar("cache", "prune", "--checkpoints", "--cache-dir", root);
        Assert.True(real.ExitCode == 0, real.ToString());
        Assert.Contains($"freed 2.0 KB in 1 entry from {root}", real.Output, StringComparison.Ordinal);
        Assert.False(File.Exists(checkpoint));
        Assert.True(File.Exists(Path.Combine(root, "cifar-10-batches-bin", "test_batch.bin")));
    }
}
