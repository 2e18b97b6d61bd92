using Cifar.Data;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Hostile;

/// <summary>
/// A cache folder someone else prepared: links planted at temporary names, and a disk that fills up mid-download or
/// mid-extraction. Nothing outside the cache is touched, and every failure is a download error with a clean cache.
/// </summary>
public sealed class HostileFileSystemTests : IDisposable
{
    private const int Records = 20;

    private readonly LoopbackHttpServer _server = new();
    private readonly TempFolder _temp = new("cifar-hostile-fs");

    public void Dispose()
    {
        _server.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Links_planted_at_temporary_names_are_removed_and_never_followed()
    {
        var victimFile = _temp.Combine("victim.txt");
        var victimFolder = _temp.Combine("victim-folder");
        await File.WriteAllTextAsync(victimFile, "keep me");
        Directory.CreateDirectory(victimFolder);
        await File.WriteAllTextAsync(Path.Combine(victimFolder, "inside.txt"), "keep me too");
        var cache = _temp.Combine("cache");
        Directory.CreateDirectory(cache);
        File.CreateSymbolicLink(Path.Combine(cache, ".cifar-10-batches-bin.0123.download"), victimFile);
        Directory.CreateSymbolicLink(Path.Combine(cache, ".cifar-10-batches-bin.4567.partial"), victimFolder);
        var generated = new CifarArchiveBuilder(Records).Build();
        var url = _server.Serve("c.tar.gz", generated.Archive);

        var files = await new Cifar10Download(generated.Md5s, Records).EnsureAsync(new ArtifactCache(cache), url);

        Assert.Equal("keep me", await File.ReadAllTextAsync(victimFile));
        Assert.Equal("keep me too", await File.ReadAllTextAsync(Path.Combine(victimFolder, "inside.txt")));
        Assert.DoesNotContain(_temp.Contents("cache"), p => p.StartsWith(".cifar-10-batches-bin.", StringComparison.Ordinal));
        Assert.Equal(8, Directory.GetFiles(files.Folder).Length);
    }

    [Fact]
    public async Task A_link_planted_at_a_lock_file_is_refused_not_followed()
    {
        var cache = _temp.Combine("cache");
        Directory.CreateDirectory(Path.Combine(cache, ".locks"));
        var elsewhere = _temp.Combine("created-by-the-link");
        var lockPath = Path.Combine(cache, ".locks", "weights_w.pth.lock");
        File.CreateSymbolicLink(lockPath, elsewhere);
        var url = _server.Serve("w.pth", [1]);

        var error = await Assert.ThrowsAsync<CifarUserException>(() => new ArtifactCache(cache).GetFileAsync(url, "weights/w.pth", _ => { }));

        Assert.Equal($"cache folder '{cache}': {lockPath} is a link to {elsewhere}, not a lock file; delete it", error.Message);
        Assert.False(File.Exists(elsewhere));
        Assert.Equal(0, _server.RequestCount);
    }

    [TorchFact]
    public void A_file_where_the_features_folder_goes_is_reported_before_any_extraction()
    {
        var folder = _temp.Combine("features");
        File.WriteAllText(folder, "not a folder");
        var cache = new Cifar.Models.Transfer.FeatureCache(folder);
        var key = new Cifar.Models.Transfer.FeatureCacheKey(
            "fake", ChannelNormalization.Rescale, new Cifar.Models.Transfer.ImageSubset("d", "train", [0]));

        var error = Assert.Throws<CifarUserException>(() => cache.TryLoad(key, 1, 1));

        Assert.Equal((UserErrorKind.Other, $"feature cache folder '{folder}' is a file, expected a folder or nothing; delete it"), (error.Kind, error.Message));
    }

    [TmpfsFact]
    public async Task A_disk_full_during_the_download_is_a_download_error_and_leaves_the_cache_clean()
    {
        using var disk = new SmallTmpfs(kibibytes: 512);
        var url = _server.Serve("w.pth", Random.Shared.GetItems<byte>(Enumerable.Range(0, 256).Select(i => (byte)i).ToArray(), 2 << 20));

        var error = await Assert.ThrowsAsync<CifarUserException>(() => new ArtifactCache(disk.Path).GetFileAsync(url, "weights/w.pth", _ => { }));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.StartsWith($"{url}: cannot write ", error.Message);
        Assert.Contains("No space left on device", error.Message, StringComparison.Ordinal);
        Assert.Equal([".locks", ".locks/weights_w.pth.lock", "weights"], Contents(disk.Path));
    }

    [TmpfsFact]
    public async Task A_disk_full_while_copying_a_local_file_is_a_download_error_and_leaves_the_cache_clean()
    {
        using var disk = new SmallTmpfs(kibibytes: 512);
        var source = _temp.Combine("w.pth");
        await File.WriteAllBytesAsync(source, new byte[2 << 20]);

        var error = await Assert.ThrowsAsync<CifarUserException>(() => new ArtifactCache(disk.Path).GetFileAsync(source, "weights/w.pth", _ => { }));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.StartsWith($"{source}: cannot write ", error.Message);
        Assert.Contains("No space left on device", error.Message, StringComparison.Ordinal);
        Assert.Equal([".locks", ".locks/weights_w.pth.lock", "weights"], Contents(disk.Path));
    }

    [TmpfsFact]
    public async Task A_disk_full_during_extraction_is_a_download_error_and_leaves_the_cache_clean()
    {
        using var disk = new SmallTmpfs(kibibytes: 512);
        var generated = new CifarArchiveBuilder(recordsPerBatch: 100).Build(); // 1.8 MB of batches
        var archive = generated.WriteTo(_temp.Combine("c.tar.gz"));

        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new Cifar10Download(generated.Md5s, 100).EnsureAsync(new ArtifactCache(disk.Path), archive));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.StartsWith($"{archive}: archive entry 'cifar-10-batches-bin/", error.Message);
        Assert.Contains("No space left on device", error.Message, StringComparison.Ordinal);
        Assert.Equal([".locks", ".locks/cifar-10-batches-bin.lock"], Contents(disk.Path));
    }

    private static List<string> Contents(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/')).Order(StringComparer.Ordinal).ToList();
}
