using System.Security.Cryptography;
using Cifar.Data;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Data;

public sealed class ArtifactCacheTests : IDisposable
{
    private static readonly byte[] Payload = RandomNumberGenerator.GetBytes(300_000);
    private static readonly string PayloadSha256 = Convert.ToHexStringLower(SHA256.HashData(Payload));

    private readonly LoopbackHttpServer _server = new();
    private readonly TempFolder _cache = new("cifar-cache");

    public void Dispose()
    {
        _server.Dispose();
        _cache.Dispose();
    }

    [Fact]
    public async Task Downloads_verifies_and_installs_a_file()
    {
        var url = _server.Serve("weights.pth", Payload);
        var progress = new RecordingProgress();

        var path = await new ArtifactCache(_cache.Path).GetFileAsync(url, "weights/w.pth", FileHashes.RequireSha256(PayloadSha256), progress);

        Assert.Equal(_cache.Combine("weights", "w.pth"), path);
        Assert.Equal(Payload, await File.ReadAllBytesAsync(path));
        Assert.Equal((url, (long?)Payload.Length), (progress.Source, progress.Total));
        Assert.Equal(Payload.Length, progress.Last);
        Assert.True(progress.Ended);
        Assert.Equal(["weights", "weights/w.pth"], CacheEntries());
    }

    [Fact]
    public async Task Second_call_makes_no_request()
    {
        var url = _server.Serve("weights.pth", Payload);
        var cache = new ArtifactCache(_cache.Path);
        await cache.GetFileAsync(url, "w.pth", FileHashes.RequireSha256(PayloadSha256));
        Assert.Equal(1, _server.RequestCount);

        var again = await new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", _ => throw new InvalidOperationException("not re-verified"));

        Assert.Equal(1, _server.RequestCount);
        Assert.Equal(Payload, await File.ReadAllBytesAsync(again));
    }

    [Fact]
    public async Task Checksum_mismatch_is_a_download_error_and_leaves_nothing()
    {
        var url = _server.Serve("weights.pth", Payload);
        var wrong = new string('0', 64);

        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", FileHashes.RequireSha256(wrong)));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.Equal($"{url}: sha256 is {PayloadSha256}, expected {wrong}", error.Message);
        Assert.Empty(CacheEntries());
    }

    [Fact]
    public async Task Http_500_is_a_download_error()
    {
        var url = _server.Route("weights.pth", LoopbackResponse.Error(500));

        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", _ => { }));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.Equal($"{url}: HTTP 500 Internal Server Error", error.Message);
        Assert.Empty(CacheEntries());
    }

    [Fact]
    public async Task Connection_dropped_mid_stream_is_a_download_error_and_leaves_nothing()
    {
        var url = _server.Route("weights.pth", LoopbackResponse.DropMidStream(Payload, afterBytes: 100_000));
        var progress = new RecordingProgress();

        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", _ => { }, progress));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.StartsWith($"{url}: connection lost after 100000 of {Payload.Length} bytes (", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.True(progress.Ended);
        Assert.Empty(CacheEntries());
    }

    [Fact]
    public async Task Refused_connection_is_a_download_error()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens on this port now
        var url = $"http://127.0.0.1:{port}/weights.pth";

        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", _ => { }));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        // The OS words the reason ("Connection refused (127.0.0.1:port)" on Linux); the shape is ours.
        Assert.StartsWith($"{url}: ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.Empty(CacheEntries());
    }

    [Fact]
    public async Task Content_length_longer_than_the_body_is_a_download_error()
    {
        var url = _server.Route("weights.pth", LoopbackResponse.WrongContentLength(Payload, Payload.Length + 1000));

        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", _ => { }));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.StartsWith($"{url}: connection lost after {Payload.Length} of {Payload.Length + 1000} bytes", error.Message);
        Assert.Empty(CacheEntries());
    }

    [Fact]
    public async Task Content_length_shorter_than_the_body_fails_verification()
    {
        // The client stops at the announced length, so the file is truncated; the checksum catches it.
        var url = _server.Route("weights.pth", LoopbackResponse.WrongContentLength(Payload, Payload.Length - 1000));

        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", FileHashes.RequireSha256(PayloadSha256)));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.Contains("sha256 is", error.Message, StringComparison.Ordinal);
        Assert.Empty(CacheEntries());
    }

    [Fact]
    public async Task Body_without_content_length_is_accepted()
    {
        var url = _server.Route("weights.pth", new LoopbackResponse(200, Payload, OmitContentLength: true));
        var progress = new RecordingProgress();

        var path = await new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", FileHashes.RequireSha256(PayloadSha256), progress);

        Assert.Equal(Payload, await File.ReadAllBytesAsync(path));
        Assert.Null(progress.Total);
    }

    [Fact]
    public async Task Follows_redirects()
    {
        _server.Serve("real/weights.pth", Payload);
        var url = _server.Route("moved.pth", LoopbackResponse.Redirect(_server.Url("real/weights.pth")));

        var path = await new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", FileHashes.RequireSha256(PayloadSha256));

        Assert.Equal(Payload, await File.ReadAllBytesAsync(path));
        Assert.Equal(2, _server.RequestCount);
    }

    [Fact]
    public async Task Local_path_and_file_url_sources_need_no_server()
    {
        using var source = new TempFolder();
        var file = source.Combine("weights.pth");
        await File.WriteAllBytesAsync(file, Payload);
        var cache = new ArtifactCache(_cache.Path);

        var fromPath = await cache.GetFileAsync(file, "a.pth", FileHashes.RequireSha256(PayloadSha256));
        var fromUrl = await cache.GetFileAsync(new Uri(file).AbsoluteUri, "b.pth", FileHashes.RequireSha256(PayloadSha256));

        Assert.Equal(Payload, await File.ReadAllBytesAsync(fromPath));
        Assert.Equal(Payload, await File.ReadAllBytesAsync(fromUrl));
        Assert.Equal(0, _server.RequestCount);
    }

    [Fact]
    public async Task Missing_local_file_is_a_download_error()
    {
        var missing = _cache.Combine("nowhere", "x.tar.gz");

        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new ArtifactCache(_cache.Path).GetFileAsync(missing, "w.pth", _ => { }));

        Assert.Equal((UserErrorKind.Download, $"{missing}: file not found"), (error.Kind, error.Message));
    }

    [Fact]
    public async Task Unsupported_scheme_is_a_download_error()
    {
        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new ArtifactCache(_cache.Path).GetFileAsync("ftp://example.org/x", "w.pth", _ => { }));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.StartsWith("ftp://example.org/x: unsupported URL scheme 'ftp'", error.Message);
    }

    [Fact]
    public async Task Concurrent_runs_download_once()
    {
        // A slow body keeps the first download in progress while the others ask for the same entry.
        var url = _server.Route("weights.pth", LoopbackResponse.Ok(Payload) with { Delay = TimeSpan.FromMilliseconds(300) });
        var verify = FileHashes.RequireSha256(PayloadSha256);

        var paths = await Task.WhenAll(Enumerable.Range(0, 4).Select(
            _ => Task.Run(() => new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", verify))));

        Assert.Single(paths.Distinct());
        Assert.Equal(1, _server.RequestCount);
        Assert.Equal(Payload, await File.ReadAllBytesAsync(paths[0]));
    }

    [Fact]
    public async Task Leftovers_of_a_killed_run_are_removed()
    {
        var leftover = _cache.Combine(".w.pth.0123.download");
        await File.WriteAllTextAsync(leftover, "half a file");
        var url = _server.Serve("weights.pth", Payload);

        await new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", FileHashes.RequireSha256(PayloadSha256));

        Assert.False(File.Exists(leftover));
        Assert.Equal(["w.pth"], CacheEntries());
    }

    [Fact]
    public async Task Directory_entry_is_unpacked_into_place()
    {
        var archive = new TarGzBuilder().AddDirectory("top").AddFile("top/a.txt", "alpha"u8.ToArray()).Build();
        var url = _server.Serve("a.tar.gz", archive);

        var allowance = ArchiveAllowance.For(new Dictionary<string, long> { ["a.txt"] = 100 });

        var folder = await new ArtifactCache(_cache.Path).GetDirectoryAsync(url, "unpacked", (a, s) => SafeArchive.Extract(a, s, allowance));

        Assert.Equal("alpha", await File.ReadAllTextAsync(Path.Combine(folder, "a.txt")));
        Assert.Equal(["unpacked", "unpacked/a.txt"], CacheEntries());
    }

    [Fact]
    public void Entry_names_must_stay_inside_the_cache()
    {
        var cache = new ArtifactCache(_cache.Path);
        Assert.Throws<ArgumentException>(() => cache.PathOf("../x"));
        Assert.Throws<ArgumentException>(() => cache.PathOf("/x"));
    }

    /// <summary>What a user would find in the cache folder, ignoring the lock files.</summary>
    private List<string> CacheEntries() =>
        _cache.Contents().Where(p => p != ".locks" && !p.StartsWith(".locks/", StringComparison.Ordinal)).ToList();

    private sealed class RecordingProgress : IDownloadProgress
    {
        public string? Source { get; private set; }
        public long? Total { get; private set; }
        public long Last { get; private set; }
        public bool Ended { get; private set; }

        public void Begin(string source, long? totalBytes) => (Source, Total) = (source, totalBytes);
        public void Report(long bytesDone) => Last = bytesDone;
        public void Finish() => Ended = true;
    }
}
