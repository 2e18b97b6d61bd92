using Cifar.Data;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Data;

public sealed class Cifar10DownloadTests : IDisposable
{
    private const int Records = 20;

    private readonly LoopbackHttpServer _server = new();
    private readonly TempFolder _cache = new("cifar-cache");
    private readonly TempFolder _files = new("cifar-files");

    public void Dispose()
    {
        _server.Dispose();
        _cache.Dispose();
        _files.Dispose();
    }

    [Fact]
    public async Task Good_archive_is_extracted_verified_and_cached()
    {
        var generated = new CifarArchiveBuilder(Records).Build();
        var url = _server.Serve("cifar-10-binary.tar.gz", generated.Archive);

        var files = await DownloadFor(generated).EnsureAsync(Cache(), url);

        Assert.Equal(_cache.Combine("cifar-10-batches-bin"), files.Folder);
        Assert.Equal(
            ["batches.meta.txt", "checksums.xxh128", "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"],
            _cache.Contents("cifar-10-batches-bin"));
        Assert.Equal(generated.Batches["data_batch_4.bin"], await File.ReadAllBytesAsync(Path.Combine(files.Folder, "data_batch_4.bin")));
        Assert.Equal(CifarArchiveBuilder.Classes, files.Classes);
        Assert.Equal(url, files.Source);
        Assert.Equal(Cifar10Download.ContentHashOf(generated.Md5s), files.ContentHash);
        Assert.Equal(Records, files.RecordsPerBatch);
        Assert.False(files.FromCache);
    }

    [Fact]
    public async Task Second_run_uses_the_cache_without_any_request()
    {
        var generated = new CifarArchiveBuilder(Records).Build();
        var url = _server.Serve("cifar-10-binary.tar.gz", generated.Archive);
        await DownloadFor(generated).EnsureAsync(Cache(), url);

        var again = await DownloadFor(generated).EnsureAsync(Cache(), url);

        Assert.Equal(1, _server.RequestCount);
        Assert.True(again.FromCache);
        Assert.Equal(Cifar10Download.ContentHashOf(generated.Md5s), again.ContentHash);
    }

    [Fact]
    public async Task Corrupt_batch_is_a_download_error_naming_file_and_sums_and_leaves_the_cache_empty()
    {
        var generated = new CifarArchiveBuilder(Records).Corrupt("data_batch_3.bin").Build();
        var url = _server.Serve("cifar-10-binary.tar.gz", generated.Archive);
        var actual = Md5(generated.Batches["data_batch_3.bin"]);
        var expected = generated.Md5s[2].Value;

        var error = await Assert.ThrowsAsync<CifarUserException>(() => DownloadFor(generated).EnsureAsync(Cache(), url));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.Equal($"{url}: data_batch_3.bin md5 is {actual}, expected {expected}", error.Message);
        Assert.Empty(CacheEntries());
    }

    [Fact]
    public async Task Truncated_archive_is_a_download_error_and_leaves_the_cache_empty()
    {
        var generated = new CifarArchiveBuilder(Records).Build();
        var url = _server.Serve("cifar-10-binary.tar.gz", generated.Archive[..(generated.Archive.Length * 2 / 3)]);

        var error = await Assert.ThrowsAsync<CifarUserException>(() => DownloadFor(generated).EnsureAsync(Cache(), url));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.StartsWith($"{url}: archive is not a readable .tar.gz: ", error.Message);
        Assert.Empty(CacheEntries());
    }

    [Fact]
    public async Task Path_traversal_entry_is_refused()
    {
        var generated = new CifarArchiveBuilder(Records).AddEntry("../evil", "pwned"u8.ToArray()).Build();
        var url = _server.Serve("cifar-10-binary.tar.gz", generated.Archive);

        var error = await Assert.ThrowsAsync<CifarUserException>(() => DownloadFor(generated).EnsureAsync(Cache(), url));

        Assert.Equal((UserErrorKind.Download, $"{url}: archive entry '../evil' points outside the extraction folder"), (error.Kind, error.Message));
        Assert.Empty(CacheEntries());
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(Path.GetDirectoryName(_cache.Path)!), p => Path.GetFileName(p) == "evil");
    }

    [Fact]
    public async Task Http_500_is_a_download_error()
    {
        var generated = new CifarArchiveBuilder(Records).Build();
        var url = _server.Route("cifar-10-binary.tar.gz", LoopbackResponse.Error(500));

        var error = await Assert.ThrowsAsync<CifarUserException>(() => DownloadFor(generated).EnsureAsync(Cache(), url));

        Assert.Equal((UserErrorKind.Download, $"{url}: HTTP 500 Internal Server Error"), (error.Kind, error.Message));
        Assert.Empty(CacheEntries());
    }

    [Fact]
    public async Task Connection_dropped_mid_stream_is_a_download_error()
    {
        var generated = new CifarArchiveBuilder(Records).Build();
        var url = _server.Route("cifar-10-binary.tar.gz", LoopbackResponse.DropMidStream(generated.Archive, generated.Archive.Length / 2));

        var error = await Assert.ThrowsAsync<CifarUserException>(() => DownloadFor(generated).EnsureAsync(Cache(), url));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.StartsWith($"{url}: connection lost after ", error.Message);
        Assert.Empty(CacheEntries());
    }

    [Fact]
    public async Task Batch_of_the_wrong_size_is_a_download_error()
    {
        var generated = new CifarArchiveBuilder(Records).Build();
        var path = generated.WriteTo(_files.Combine("c.tar.gz"));

        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new Cifar10Download(generated.Md5s, Records * 2).EnsureAsync(Cache(), path));

        Assert.Equal($"{path}: data_batch_1.bin is {Records * 3073} bytes, expected {Records * 2 * 3073}", error.Message);
    }

    [Fact]
    public async Task Missing_batch_is_a_download_error()
    {
        var generated = new CifarArchiveBuilder(Records).Omit("test_batch.bin").Build();
        var path = generated.WriteTo(_files.Combine("c.tar.gz"));

        var error = await Assert.ThrowsAsync<CifarUserException>(() => DownloadFor(generated).EnsureAsync(Cache(), path));

        Assert.Equal($"{path}: archive has no test_batch.bin", error.Message);
    }

    [Fact]
    public async Task Archive_of_another_format_gets_a_hint()
    {
        var path = new TarGzBuilder().AddFile("cifar-10-batches-py/data_batch_1", [1, 2]).WriteTo(_files.Combine("py.tar.gz"));

        var error = await Assert.ThrowsAsync<CifarUserException>(() => new Cifar10Download().EnsureAsync(Cache(), path));

        Assert.Contains("expected the CIFAR-10 binary version (cifar-10-binary.tar.gz)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Repackaged_flat_archive_without_meta_is_accepted_with_standard_classes()
    {
        var generated = new CifarArchiveBuilder(Records).Flat().WithoutMeta().Build();
        var path = generated.WriteTo(_files.Combine("mirror.tar.gz"));

        var files = await DownloadFor(generated).EnsureAsync(Cache(), path);

        Assert.Equal(Cifar10Download.StandardClasses, files.Classes);
        Assert.Equal(7, _cache.Contents("cifar-10-batches-bin").Count); // six batches and their checksums
    }

    [Fact]
    public async Task Cifar10_url_as_a_local_path_needs_no_server()
    {
        var generated = new CifarArchiveBuilder(Records).Build();
        var path = generated.WriteTo(_files.Combine("offline copy.tar.gz"));
        var source = Cifar10Download.ResolveSource(null, name => name == "CIFAR10_URL" ? path : null);

        var files = await DownloadFor(generated).EnsureAsync(Cache(), source);

        Assert.Equal(path, files.Source);
        Assert.Equal(generated.Batches["test_batch.bin"], await File.ReadAllBytesAsync(Path.Combine(files.Folder, "test_batch.bin")));
        Assert.Equal(0, _server.RequestCount);
        Assert.True(File.Exists(path)); // a local source is read, not moved or deleted
    }

    [Fact]
    public async Task Spec_url_and_cache_dir_option_take_precedence_over_the_environment()
    {
        // Both overrides beat CIFAR10_URL / CIFAR_CACHE_DIR, so this holds whatever the machine's environment says.
        var generated = new CifarArchiveBuilder(Records).Build();
        var path = generated.WriteTo(_files.Combine("c.tar.gz"));
        var spec = new Cifar.Specs.DataSpec(
            Cifar.Specs.DatasetName.Cifar10, Cifar.Specs.Normalization.Rescale, 0.1, 32, null, null, null, Url: path);

        var files = await DownloadFor(generated).EnsureAsync(spec, _cache.Path);

        Assert.Equal(_cache.Combine("cifar-10-batches-bin"), files.Folder);
        Assert.Equal(path, files.Source);
    }

    [Fact]
    public async Task Source_user_info_is_not_reported()
    {
        var generated = new CifarArchiveBuilder(Records).Build();
        var url = _server.Serve("c.tar.gz", generated.Archive).Replace("http://", "http://user:secret@", StringComparison.Ordinal);
        var missing = _server.Url("missing.tar.gz").Replace("http://", "http://user:secret@", StringComparison.Ordinal);

        var files = await DownloadFor(generated).EnsureAsync(Cache(), url);
        var error = await Assert.ThrowsAsync<CifarUserException>(() => DownloadFor(generated).EnsureAsync(new ArtifactCache(_files.Path), missing));

        Assert.Equal(_server.Url("c.tar.gz").Replace("http://", "http://***@", StringComparison.Ordinal), files.Source);
        Assert.Equal($"{_server.Url("missing.tar.gz").Replace("http://", "http://***@", StringComparison.Ordinal)}: HTTP 404 Not Found", error.Message);
    }

    [Fact]
    public void Source_precedence_is_spec_then_environment_then_official()
    {
        Func<string, string?> env = name => name == "CIFAR10_URL" ? "https://mirror/c.tar.gz" : null;
        Func<string, string?> none = _ => null;

        Assert.Equal("/data/c.tar.gz", Cifar10Download.ResolveSource("/data/c.tar.gz", env));
        Assert.Equal("https://mirror/c.tar.gz", Cifar10Download.ResolveSource(null, env));
        Assert.Equal("https://mirror/c.tar.gz", Cifar10Download.ResolveSource("  ", env));
        Assert.Equal("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", Cifar10Download.ResolveSource(null, none));
        Assert.Equal(Cifar10Download.OfficialUrl, Cifar10Download.ResolveSource(null, name => name == "CIFAR10_URL" ? "" : null));
    }

    [Fact]
    public void Cache_location_precedence_is_option_then_environment_then_xdg_then_home()
    {
        var all = new Dictionary<string, string?> { ["CIFAR_CACHE_DIR"] = "/env/cache", ["XDG_CACHE_HOME"] = "/xdg", ["HOME"] = "/home/u" };
        string? Env(string name) => all.GetValueOrDefault(name);

        Assert.Equal(Path.GetFullPath("/opt/c"), CacheLocation.Resolve("/opt/c", Env));
        Assert.Equal(Path.GetFullPath("/env/cache"), CacheLocation.Resolve(null, Env));
        all["CIFAR_CACHE_DIR"] = null;
        Assert.Equal(Path.Combine("/xdg", "dotnet-cifar"), CacheLocation.Resolve(null, Env));
        all["XDG_CACHE_HOME"] = "relative/ignored";
        Assert.Equal(Path.Combine("/home/u", ".cache", "dotnet-cifar"), CacheLocation.Resolve(null, Env));
    }

    [Fact]
    public void Official_content_hash_is_stable()
    {
        // Reports quote this value; it changes only if the official MD5 list does. Same as
        // `sha256sum` of the md5sum-format listing of the six batches.
        Assert.Equal("933f552fa34f2e7dc9d85a2f215dfa084054febcda2fe76952d2195b795ddf58", new Cifar10Download().ContentHash);
    }

    private static Cifar10Download DownloadFor(GeneratedCifarArchive generated) => new(generated.Md5s, generated.RecordsPerBatch);

    private ArtifactCache Cache() => new(_cache.Path);

    private List<string> CacheEntries() =>
        _cache.Contents().Where(p => p != ".locks" && !p.StartsWith(".locks/", StringComparison.Ordinal)).ToList();

    private static string Md5(byte[] bytes) =>
#pragma warning disable CA5351 // comparing with published MD5 sums, as the code under test does
        Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(bytes));
#pragma warning restore CA5351
}
