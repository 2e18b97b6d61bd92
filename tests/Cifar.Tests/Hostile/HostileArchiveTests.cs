using System.Diagnostics;
using System.Formats.Tar;
using Cifar.Data;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Hostile;

/// <summary>
/// Archives built to hurt: bombs, lying headers, links and devices, truncation. Each is refused with one line of the
/// one error kind (a download error), within seconds, and leaves nothing in the cache.
/// </summary>
public sealed class HostileArchiveTests : IDisposable
{
    private const int Records = 20;

    private readonly TempFolder _temp = new("cifar-hostile");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_gzip_bomb_stops_at_the_size_of_cifar10_within_seconds_and_writes_nothing()
    {
        // 2 GiB of zeros in about 2 MB, in a member the dataset does not need; the official allowance is ~185 MB.
        var bomb = HostileArchives.GzipBomb("cifar-10-batches-bin/padding.bin", 2L << 30);
        var archive = _temp.Combine("bomb.tar.gz");
        File.WriteAllBytes(archive, bomb);
        var allowance = new Cifar10Download().Allowance;
        var clock = Stopwatch.StartNew();

        var error = Assert.Throws<InvalidDataException>(() => SafeArchive.Extract(archive, _temp.Combine("out"), allowance));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.Equal($"archive unpacks to more than {allowance.MaxUnpackedBytes} bytes, more than the files it should hold take; refused as a possible decompression bomb", error.Message);
        Assert.InRange(allowance.MaxUnpackedBytes, 184_380_000, 190_000_000);
        Assert.Empty(_temp.Contents("out"));
    }

    [Fact]
    public void A_batch_whose_header_claims_more_than_a_batch_is_refused_before_its_data_is_read()
    {
        var archive = _temp.Combine("liar.tar.gz");
        File.WriteAllBytes(archive, HostileArchives.HeaderOnly("cifar-10-batches-bin/data_batch_1.bin", 4L << 30));

        var error = Assert.Throws<InvalidDataException>(() => SafeArchive.Extract(archive, _temp.Combine("out"), new Cifar10Download().Allowance));

        Assert.Equal("archive entry 'cifar-10-batches-bin/data_batch_1.bin' is 4294967296 bytes; expected at most 30730000", error.Message);
        Assert.Empty(_temp.Contents("out"));
    }

    [Fact]
    public async Task A_bomb_from_a_server_is_a_download_error_and_leaves_the_cache_clean()
    {
        using var server = new LoopbackHttpServer();
        var url = server.Serve("cifar-10-binary.tar.gz", HostileArchives.GzipBomb("data_batch_1.bin", 256L << 20));
        var generated = new CifarArchiveBuilder(Records).Build();

        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new Cifar10Download(generated.Md5s, Records).EnsureAsync(new ArtifactCache(_temp.Combine("cache")), url));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.StartsWith($"{url}: archive entry 'data_batch_1.bin' is 268435456 bytes; expected at most {Records * 3073}", error.Message);
        Assert.Equal([".locks", ".locks/cifar-10-batches-bin.lock"], _temp.Contents("cache"));
    }

    [Fact]
    public async Task Members_the_dataset_does_not_need_are_skipped_not_written()
    {
        var generated = new CifarArchiveBuilder(Records)
            .AddEntry("cifar-10-batches-bin/notes.txt", "hello"u8.ToArray())
            .AddEntry("elsewhere/deeper/data_batch_1.bin", new byte[10]) // too deep to be a batch: skipped, not a duplicate
            .AddEntry("run.sh", "rm -rf ~"u8.ToArray())
            .Build();
        var archive = generated.WriteTo(_temp.Combine("extra.tar.gz"));

        var files = await new Cifar10Download(generated.Md5s, Records).EnsureAsync(new ArtifactCache(_temp.Combine("cache")), archive);

        Assert.Equal(
            ["batches.meta.txt", "checksums.xxh128", "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"],
            _temp.Contents(Path.Combine("cache", "cifar-10-batches-bin")));
        Assert.False(files.FromCache);
    }

    [Theory]
    [InlineData(TarEntryType.SymbolicLink)]
    [InlineData(TarEntryType.HardLink)]
    [InlineData(TarEntryType.CharacterDevice)]
    [InlineData(TarEntryType.BlockDevice)]
    [InlineData(TarEntryType.Fifo)]
    public void Links_devices_and_fifos_are_refused_even_under_a_batch_name(TarEntryType type)
    {
        var builder = type is TarEntryType.SymbolicLink or TarEntryType.HardLink
            ? new TarGzBuilder().AddFile("x", [1]).AddSymbolicOrHardLink(type, "cifar-10-batches-bin/data_batch_1.bin", "/etc/passwd")
            : new TarGzBuilder().AddSpecial(type, "cifar-10-batches-bin/data_batch_1.bin");
        var archive = builder.WriteTo(_temp.Combine("special.tar.gz"));

        var error = Assert.Throws<InvalidDataException>(() => SafeArchive.Extract(archive, _temp.Combine("out"), new Cifar10Download().Allowance));

        Assert.Equal($"archive entry 'cifar-10-batches-bin/data_batch_1.bin' is a {type} entry; only files and folders are extracted", error.Message);
        Assert.Empty(_temp.Contents("out"));
    }

    [Theory]
    [InlineData("../../etc/cron.d/x")]
    [InlineData("cifar-10-batches-bin/../../data_batch_1.bin")]
    [InlineData("/tmp/data_batch_1.bin")]
    [InlineData("..")]
    public void Paths_out_of_the_folder_are_refused_even_for_members_that_would_be_skipped(string name)
    {
        var archive = new TarGzBuilder().AddFile(name, [1, 2, 3]).WriteTo(_temp.Combine("t.tar.gz"));

        var error = Assert.Throws<InvalidDataException>(() => SafeArchive.Extract(archive, _temp.Combine("a", "out"), new Cifar10Download().Allowance));

        Assert.Equal($"archive entry '{name}' points outside the extraction folder", error.Message);
        Assert.Equal(["out"], _temp.Contents("a"));
    }

    [Theory]
    [InlineData(0.05)]
    [InlineData(0.5)]
    [InlineData(0.95)]
    public async Task An_archive_cut_anywhere_is_one_kind_of_error_and_leaves_the_cache_clean(double fraction)
    {
        var generated = new CifarArchiveBuilder(Records).Build();
        var cut = _temp.Combine("cut.tar.gz");
        File.WriteAllBytes(cut, generated.Archive[..(int)(generated.Archive.Length * fraction)]);

        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new Cifar10Download(generated.Md5s, Records).EnsureAsync(new ArtifactCache(_temp.Combine("cache")), cut));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.StartsWith($"{cut}: archive is not a readable .tar.gz: ", error.Message);
        Assert.Single(error.Lines);
        Assert.Equal([".locks", ".locks/cifar-10-batches-bin.lock"], _temp.Contents("cache"));
    }
}
