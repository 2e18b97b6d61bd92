using Cifar.Running;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Running;

/// <summary><c>dotnet cifar cache</c>'s logic: what is listed with which size, what prune removes, and that it never reaches outside the cache.</summary>
public sealed class CacheInventoryTests : IDisposable
{
    private readonly TempFolder _temp = new("cache-inventory");

    public void Dispose() => _temp.Dispose();

    private string Root => _temp.Combine("cache");

    private string Write(string relative, int bytes, DateTime? lastWriteUtc = null)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, new byte[bytes]);
        if (lastWriteUtc is { } at) File.SetLastWriteTimeUtc(path, at);
        return path;
    }

    private void FillCache()
    {
        Write("cifar-10-batches-bin/data_batch_1.bin", 3000);
        Write("cifar-10-batches-bin/test_batch.bin", 1000);
        Write("weights/resnet18.pth", 500);
        Write("features/abc.features", 200);
        Write("checkpoints/cnn.0123456789abcdef.train.checkpoint", 100);
        Write("checkpoints/.cnn.0123456789abcdef.train.checkpoint.1234.tmp", 10, DateTime.UtcNow.AddHours(-1));
        Write(".locks/cifar-10-batches-bin.lock", 0);
        Write("notes.txt", 7);
    }

    [Fact]
    public void Lists_every_entry_with_its_kind_and_size_and_leaves_out_the_lock_files()
    {
        FillCache();

        var entries = CacheInventory.List(Root);

        Assert.Equal(
            [
                (CacheEntryKind.Dataset, "cifar-10-batches-bin", 4000L),
                (CacheEntryKind.Weights, "weights/resnet18.pth", 500L),
                (CacheEntryKind.Features, "features/abc.features", 200L),
                (CacheEntryKind.Checkpoint, "checkpoints/cnn.0123456789abcdef.train.checkpoint", 100L),
                (CacheEntryKind.Temporary, "checkpoints/.cnn.0123456789abcdef.train.checkpoint.1234.tmp", 10L),
                (CacheEntryKind.Other, "notes.txt", 7L),
            ],
            entries.Select(e => (e.Kind, e.Path, e.Bytes)));
    }

    /// <summary>Chunked entries (issue 12, 14): one folder per key in <c>features/</c> and <c>activations/</c>, listed
    /// with the size of their chunks and pruned by kind; a folder of another name there is not the tool's.</summary>
    [Fact]
    public void Chunked_feature_and_activation_folders_are_listed_with_their_size_and_pruned_by_kind()
    {
        var features = new string('a', 64);
        var activations = new string('b', 64);
        Write($"features/{features}/chunk-00000.bin", 300);
        Write($"features/{features}/complete", 10);
        Write($"activations/{activations}/chunk-00000.bin", 4000);
        Write($"activations/{activations}/chunk-00001.bin", 2000);
        Write("activations/mine/notes.txt", 5);

        Assert.Equal(
            [
                (CacheEntryKind.Features, $"features/{features}", 310L),
                (CacheEntryKind.Activations, $"activations/{activations}", 6000L),
                (CacheEntryKind.Other, "activations/mine", 5L),
            ],
            CacheInventory.List(Root).Select(e => (e.Kind, e.Path, e.Bytes)));

        var pruned = CacheInventory.Prune(Root, new HashSet<CacheEntryKind> { CacheEntryKind.Activations }, dryRun: false);

        Assert.Equal([$"activations/{activations}"], pruned.Removed.Select(e => e.Path));
        Assert.False(Directory.Exists(Path.Combine(Root, "activations", activations)));
        Assert.True(Directory.Exists(Path.Combine(Root, "features", features)));
    }

    [Fact]
    public void A_missing_cache_folder_lists_as_empty() => Assert.Empty(CacheInventory.List(_temp.Combine("nowhere")));

    [Fact]
    public void Prune_removes_only_the_kinds_asked_for_and_a_dry_run_removes_nothing()
    {
        FillCache();

        var dry = CacheInventory.Prune(Root, new HashSet<CacheEntryKind> { CacheEntryKind.Checkpoint, CacheEntryKind.Features }, dryRun: true);
        Assert.Equal(["features/abc.features", "checkpoints/cnn.0123456789abcdef.train.checkpoint"], dry.Removed.Select(e => e.Path));
        Assert.Equal(6, CacheInventory.List(Root).Count);

        var done = CacheInventory.Prune(Root, new HashSet<CacheEntryKind> { CacheEntryKind.Checkpoint, CacheEntryKind.Features }, dryRun: false);
        Assert.Equal(dry.Removed, done.Removed);
        Assert.Empty(done.Failed);
        Assert.Equal([CacheEntryKind.Dataset, CacheEntryKind.Weights, CacheEntryKind.Temporary, CacheEntryKind.Other],
            CacheInventory.List(Root).Select(e => e.Kind));
        Assert.True(File.Exists(Path.Combine(Root, ".locks", "cifar-10-batches-bin.lock")));
    }

    [Fact]
    public void Prune_all_leaves_what_the_tool_did_not_put_there_and_a_temporary_file_a_live_run_may_be_writing()
    {
        FillCache();
        Write("features/.def.features.5678.tmp", 5); // just written: may belong to a run in progress

        var result = CacheInventory.Prune(Root, Enum.GetValues<CacheEntryKind>().ToHashSet(), dryRun: false);

        Assert.Empty(result.Failed);
        Assert.Equal(["features/.def.features.5678.tmp", "notes.txt"], CacheInventory.List(Root).Select(e => e.Path));
    }

    [Fact]
    public void Links_are_never_followed_out_of_the_cache_nor_removed_by_kind()
    {
        var outside = _temp.Combine("outside");
        Directory.CreateDirectory(outside);
        File.WriteAllBytes(Path.Combine(outside, "precious.bin"), new byte[5000]);
        Write("cifar-10-batches-bin/data_batch_1.bin", 100);
        Directory.CreateSymbolicLink(Path.Combine(Root, "cifar-10-batches-bin", "escape"), outside);
        Directory.CreateSymbolicLink(Path.Combine(Root, "linked-dataset"), outside);
        Directory.CreateDirectory(Path.Combine(Root, "checkpoints"));
        File.CreateSymbolicLink(Path.Combine(Root, "checkpoints", "x.0123.train.checkpoint"), Path.Combine(outside, "precious.bin"));

        var entries = CacheInventory.List(Root);
        Assert.Equal(100, entries.Single(e => e.Path == "cifar-10-batches-bin").Bytes); // the link inside counts as nothing
        Assert.All(entries.Where(e => e.Path != "cifar-10-batches-bin"), e => Assert.Equal((CacheEntryKind.Other, 0L), (e.Kind, e.Bytes)));

        var result = CacheInventory.Prune(Root, Enum.GetValues<CacheEntryKind>().ToHashSet(), dryRun: false);

        Assert.Equal(["cifar-10-batches-bin"], result.Removed.Select(e => e.Path));
        Assert.Equal(5000, new FileInfo(Path.Combine(outside, "precious.bin")).Length);
        Assert.True(Directory.Exists(Path.Combine(Root, "linked-dataset")));
    }

    [Theory]
    [InlineData(0, "0 B")]
    [InlineData(1023, "1023 B")]
    [InlineData(1536, "1.5 KB")]
    [InlineData(184_320_000, "175.8 MB")]
    public void Sizes_read_as_people_write_them(long bytes, string text) => Assert.Equal(text, CacheInventory.FormatBytes(bytes));
}
