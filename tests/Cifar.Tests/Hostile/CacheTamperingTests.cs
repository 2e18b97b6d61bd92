using Cifar.Data;
using Cifar.Models.Transfer;
using Cifar.Tests.Infra;
using static TorchSharp.torch;

namespace Cifar.Tests.Hostile;

/// <summary>
/// Cached data changed behind the tool's back without changing size: caught on use by the checksum kept with each
/// entry, so a report never names the canonical dataset hash for bytes nobody checked.
/// </summary>
public sealed class CacheTamperingTests : IDisposable
{
    private const int Records = 20;

    private readonly TempFolder _temp = new("cifar-tamper");

    public void Dispose() => _temp.Dispose();

    [TorchFact]
    public async Task A_batch_changed_in_place_is_caught_when_loaded()
    {
        var generated = new CifarArchiveBuilder(Records).Build();
        var files = await Install(generated);
        var batch = Path.Combine(files.Folder, "data_batch_3.bin");
        FlipOneByte(batch, 3073 * 7 + 100); // a pixel: same size, labels still 0-9

        var error = Assert.Throws<CifarUserException>(() => Cifar10Dataset.Load(files));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.StartsWith($"{batch} has changed since it was verified (xxh128 ", error.Message);
        Assert.EndsWith($"; the cached dataset was modified: delete {files.Folder} to download it again", error.Message);
    }

    [TorchFact]
    public async Task A_batch_changed_between_runs_is_caught_on_the_next_run()
    {
        var generated = new CifarArchiveBuilder(Records).Build();
        var first = await Install(generated);
        FlipOneByte(Path.Combine(first.Folder, "test_batch.bin"), 5000);

        var again = await Install(generated); // from the cache: no download, no MD5
        var error = Assert.Throws<CifarUserException>(() => Cifar10Dataset.Load(again));

        Assert.True(again.FromCache);
        Assert.Contains("test_batch.bin has changed since it was verified", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_entry_without_checksums_is_verified_once_against_the_md5_list_and_then_gets_them()
    {
        var generated = new CifarArchiveBuilder(Records).Build();
        var first = await Install(generated);
        var checksums = Path.Combine(first.Folder, Cifar10Download.ChecksumFile);
        var written = await File.ReadAllTextAsync(checksums);
        File.Delete(checksums); // as installed by a version before checksums

        var again = await Install(generated);

        Assert.Equal(written, await File.ReadAllTextAsync(checksums));
        Assert.Equal(first.Checksums, again.Checksums);
    }

    [Fact]
    public async Task An_entry_without_checksums_whose_batch_changed_is_refused()
    {
        var generated = new CifarArchiveBuilder(Records).Build();
        var first = await Install(generated);
        File.Delete(Path.Combine(first.Folder, Cifar10Download.ChecksumFile));
        FlipOneByte(Path.Combine(first.Folder, "data_batch_1.bin"), 10);

        var error = await Assert.ThrowsAsync<CifarUserException>(() => Install(generated));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.StartsWith($"{first.Folder}: data_batch_1.bin md5 is ", error.Message);
        Assert.EndsWith($"; the cached dataset was modified: delete {first.Folder} to download it again", error.Message);
        Assert.False(File.Exists(Path.Combine(first.Folder, Cifar10Download.ChecksumFile)));
    }

    [TorchFact]
    public void A_feature_file_changed_in_place_is_extracted_again()
    {
        var cache = new FeatureCache(_temp.Combine("features"));
        var key = new FeatureCacheKey("fake|base|w|norm|8", ChannelNormalization.Rescale, new ImageSubset("d", "train", [0, 1, 2]));
        using var features = arange(12, dtype: ScalarType.Float32).reshape(3, 4);
        cache.Save(key, features);
        FlipOneByte(cache.PathOf(key), (int)new FileInfo(cache.PathOf(key)).Length - 16 - 5); // inside the floats

        Assert.Null(cache.TryLoad(key, 3, 4));
    }

    /// <summary>A run killed while saving features leaves its temporary file; the next run removes it, unless a live
    /// save still holds it (locked) or it is too new to tell.</summary>
    [TorchFact]
    public void Leftovers_of_a_killed_save_are_removed_on_the_next_run_but_a_live_save_is_spared()
    {
        var cache = new FeatureCache(_temp.Combine("features"));
        Directory.CreateDirectory(cache.Folder);
        var old = DateTime.UtcNow - LeftoverTempFiles.Age - TimeSpan.FromMinutes(1);
        string Leftover(string name)
        {
            var path = Path.Combine(cache.Folder, name);
            File.WriteAllBytes(path, new byte[100]);
            File.SetLastWriteTimeUtc(path, old);
            return path;
        }
        var killed = Leftover($".abc.features.{Guid.NewGuid():N}.tmp");
        var live = Leftover($".def.features.{Guid.NewGuid():N}.tmp");
        var fresh = Path.Combine(cache.Folder, $".ghi.features.{Guid.NewGuid():N}.tmp");
        File.WriteAllBytes(fresh, new byte[100]);
        var other = Leftover("notes.tmp");
        var key = new FeatureCacheKey("fake|base|w|norm|8", ChannelNormalization.Rescale, new ImageSubset("d", "train", [0, 1, 2]));

        using (new FileStream(live, FileMode.Open, FileAccess.ReadWrite, FileShare.None))
        {
            Assert.Null(cache.TryLoad(key, 3, 4));
        }

        Assert.False(File.Exists(killed));
        Assert.True(File.Exists(live));
        Assert.True(File.Exists(fresh));
        Assert.True(File.Exists(other));
    }

    [TorchFact]
    public void An_intact_feature_file_loads_bit_for_bit()
    {
        var cache = new FeatureCache(_temp.Combine("features"));
        var key = new FeatureCacheKey("fake|base|w|norm|8", ChannelNormalization.Rescale, new ImageSubset("d", "train", [0, 1, 2]));
        using var features = randn(3, 4);
        cache.Save(key, features);

        using var loaded = cache.TryLoad(key, 3, 4);

        Assert.NotNull(loaded);
        Assert.True(loaded.equal(features).all().item<bool>());
    }

    [TorchFact]
    public void A_feature_file_of_the_first_format_is_used_and_rewritten_with_a_checksum()
    {
        var cache = new FeatureCache(_temp.Combine("features"));
        var key = new FeatureCacheKey("fake|base|w|norm|8", ChannelNormalization.Rescale, new ImageSubset("d", "train", [0, 1, 2]));
        using var features = randn(3, 4);
        cache.Save(key, features);
        var path = cache.PathOf(key);
        var current = File.ReadAllBytes(path);
        var first = current[..^16]; // the first format had no checksum and magic CIFARFT1
        first[7] = (byte)'1';
        File.WriteAllBytes(path, first);

        using var loaded = cache.TryLoad(key, 3, 4);

        Assert.NotNull(loaded);
        Assert.True(loaded.equal(features).all().item<bool>());
        Assert.Equal(current, File.ReadAllBytes(path));
    }

    private static void FlipOneByte(string path, int offset)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        var b = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(b ^ 0x01));
    }

    private Task<Cifar10Files> Install(GeneratedCifarArchive generated) =>
        new Cifar10Download(generated.Md5s, generated.RecordsPerBatch)
            .EnsureAsync(new ArtifactCache(_temp.Combine("cache")), generated.WriteTo(_temp.Combine("c.tar.gz")));
}
