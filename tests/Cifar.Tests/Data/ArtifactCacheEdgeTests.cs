using System.Net;
using System.Net.Sockets;
using Cifar.Data;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Data;

/// <summary>
/// The cache's promises at their edges: an installed entry never waits for a lock, Ctrl+C is a cancellation and not a
/// download error, every redirect status is followed, messages stay one line, and a step that cannot write into the
/// cache is a download error naming the path. Each test here was written for a mutant that the other cache tests let
/// survive (benchmarks/RESULTS.md, "Mutation testing").
/// </summary>
public sealed class ArtifactCacheEdgeTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly LoopbackHttpServer _server = new();
    private readonly TempFolder _cache = new("cifar-cache-edge");

    public void Dispose()
    {
        _server.Dispose();
        _cache.Dispose();
    }

    [Fact]
    public async Task An_installed_entry_is_returned_even_while_another_run_holds_its_lock()
    {
        Directory.CreateDirectory(_cache.Combine("weights"));
        await File.WriteAllBytesAsync(_cache.Combine("weights", "w.pth"), [1, 2, 3]);
        Directory.CreateDirectory(_cache.Combine("batches"));
        using var fileLock = HoldLock("weights_w.pth.lock");
        using var folderLock = HoldLock("batches.lock");
        var cache = new ArtifactCache(_cache.Path);

        var file = await cache.GetFileAsync(_server.Url("w.pth"), "weights/w.pth", _ => throw new InvalidOperationException("not re-checked")).WaitAsync(Patience);
        var folder = await cache.GetDirectoryAsync(_server.Url("b.tar.gz"), "batches", (_, _) => throw new InvalidOperationException("not re-checked")).WaitAsync(Patience);

        Assert.Equal((_cache.Combine("weights", "w.pth"), _cache.Combine("batches")), (file, folder));
        Assert.Equal(0, _server.RequestCount);
    }

    [Fact]
    public async Task Cancelling_while_another_run_holds_the_lock_ends_the_wait()
    {
        var url = _server.Serve("w.pth", [1, 2, 3]);
        using var held = HoldLock("w.pth.lock");
        using var interrupt = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", _ => { }, cancellationToken: interrupt.Token).WaitAsync(Patience));

        Assert.Equal(0, _server.RequestCount);
        Assert.False(File.Exists(_cache.Combine("w.pth")));
    }

    [Fact]
    public async Task Cancelling_while_the_server_has_not_answered_is_a_cancellation_not_a_timeout()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // accepts connections (the OS backlog) and never sends a byte
        var url = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/w.pth";
        using var interrupt = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", _ => { }, cancellationToken: interrupt.Token).WaitAsync(Patience));

        Assert.Empty(Entries());
    }

    [Fact]
    public async Task Cancelling_while_the_body_stalls_is_a_cancellation_not_a_timeout()
    {
        var url = _server.Route("w.pth", new LoopbackResponse(200, new byte[1000], Delay: TimeSpan.FromSeconds(10)));
        using var interrupt = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", _ => { }, cancellationToken: interrupt.Token).WaitAsync(Patience));

        Assert.Empty(Entries());
    }

    [Theory]
    [InlineData(301)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(307)]
    [InlineData(308)]
    public async Task Every_redirect_status_is_followed(int status)
    {
        _server.Serve("real/w.pth", [4, 5, 6]);
        var url = _server.Route("moved", LoopbackResponse.Redirect("/real/w.pth", status));

        var path = await new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", _ => { });

        Assert.Equal([4, 5, 6], await File.ReadAllBytesAsync(path));
        Assert.Equal(1, _server.RequestsFor("real/w.pth"));
    }

    [Fact]
    public async Task The_client_leaves_redirects_to_the_cache_which_stops_a_loop_after_the_limit()
    {
        var url = _server.Route("loop", LoopbackResponse.Redirect("/loop"));
        using var http = ArtifactCache.CreateHttpClient(); // the one downloads use, not a test double

        var error = await Assert.ThrowsAsync<CifarUserException>(() => new ArtifactCache(_cache.Path, http).GetFileAsync(url, "w.pth", _ => { }));

        Assert.Equal($"{url}: too many redirects (more than {ArtifactCache.MaxRedirects}; the last to {url})", error.Message);
        Assert.Equal(ArtifactCache.MaxRedirects + 1, _server.RequestsFor("loop"));
    }

    [Fact]
    public async Task A_body_shorter_than_its_content_length_is_a_download_error_even_if_the_client_lets_it_pass()
    {
        // SocketsHttpHandler itself fails such a body; a proxy or another handler may not, so the cache counts too.
        using var http = new HttpClient(new ShortBodyHandler(body: [1, 2, 3], claimed: 10));

        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new ArtifactCache(_cache.Path, http).GetFileAsync("http://mirror.example/w.pth", "w.pth", _ => { }));

        Assert.Equal((UserErrorKind.Download, "http://mirror.example/w.pth: received 3 bytes, but Content-Length is 10"), (error.Kind, error.Message));
        Assert.Empty(Entries());
    }

    [Fact]
    public async Task Checks_get_a_hidden_temporary_next_to_the_entry_and_leftovers_of_a_killed_run_go()
    {
        var url = _server.Serve("a.tar.gz", [1, 2, 3]);
        Directory.CreateDirectory(_cache.Combine(".unpacked.0123.partial", "half"));
        await File.WriteAllTextAsync(_cache.Combine(".unpacked.0123.partial", "half", "x.bin"), "left by a killed run");
        await File.WriteAllTextAsync(_cache.Combine(".unpacked.4567.download"), "left by a killed run");
        string? fetched = null, staging = null;
        List<string>? stagingContent = null;

        var folder = await new ArtifactCache(_cache.Path).GetDirectoryAsync(url, "unpacked", (archive, into) =>
        {
            (fetched, staging, stagingContent) = (archive, into, Directory.EnumerateFileSystemEntries(into).ToList());
            File.WriteAllBytes(Path.Combine(into, "a.bin"), File.ReadAllBytes(archive));
        });

        Assert.Equal(_cache.Path, Path.GetDirectoryName(fetched)); // the same file system as the entry: one rename
        Assert.Matches(@"^\.unpacked\.[0-9a-f]{32}\.download$", Path.GetFileName(fetched));
        Assert.Equal(_cache.Path, Path.GetDirectoryName(staging));
        Assert.Matches(@"^\.unpacked\.[0-9a-f]{32}\.partial$", Path.GetFileName(staging));
        Assert.Equal([], stagingContent);
        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(Path.Combine(folder, "a.bin")));
        Assert.Equal(["unpacked", "unpacked/a.bin"], Entries());
    }

    [Fact]
    public async Task Concurrent_runs_unpack_a_folder_once()
    {
        var url = _server.Route("a.tar.gz", LoopbackResponse.Ok([1, 2, 3]) with { Delay = TimeSpan.FromMilliseconds(300) });
        var unpacked = 0;

        var folders = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => new ArtifactCache(_cache.Path).GetDirectoryAsync(
            url, "unpacked", (archive, into) =>
            {
                Interlocked.Increment(ref unpacked);
                File.Copy(archive, Path.Combine(into, "a.bin"));
            }))));

        Assert.Single(folders.Distinct());
        Assert.Equal((1, 1), (_server.RequestCount, unpacked));
        Assert.Equal(["unpacked", "unpacked/a.bin"], Entries());
    }

    [Fact]
    public async Task A_folder_where_a_lock_file_goes_is_reported_not_waited_on()
    {
        var url = _server.Serve("w.pth", [1, 2, 3]);
        Directory.CreateDirectory(_cache.Combine(".locks", "w.pth.lock"));

        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", _ => { }).WaitAsync(Patience));

        Assert.Equal(UserErrorKind.Other, error.Kind);
        Assert.StartsWith($"cache folder '{_cache.Path}' is not writable: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, _server.RequestCount);
    }

    [Fact]
    public async Task A_status_without_a_reason_phrase_is_reported_by_its_number()
    {
        var url = _server.Route("w.pth", LoopbackResponse.Error(599) with { ReasonPhrase = "" });

        var error = await Assert.ThrowsAsync<CifarUserException>(() => new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", _ => { }));

        Assert.Equal($"{url}: HTTP 599", error.Message);
    }

    [FileExistsFact("/proc/self/mem")]
    public async Task A_local_source_that_fails_while_being_read_is_a_download_error_saying_how_far_it_got()
    {
        // A failing disk in miniature: /proc/self/mem opens, but reading its first page (never mapped) is an I/O error.
        var progress = new RecordingProgress();

        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new ArtifactCache(_cache.Path).GetFileAsync("/proc/self/mem", "w.pth", _ => { }, progress));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.StartsWith("/proc/self/mem: read failed after 0 bytes: ", error.Message, StringComparison.Ordinal);
        Assert.True(progress.Ended);
        Assert.Empty(Entries());
    }

    [Fact]
    public async Task A_redirect_without_a_location_is_reported_as_the_status_it_is()
    {
        var url = _server.Route("w.pth", new LoopbackResponse(302, []));

        var error = await Assert.ThrowsAsync<CifarUserException>(() => new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", _ => { }));

        Assert.Equal((UserErrorKind.Download, $"{url}: HTTP 302 Found"), (error.Kind, error.Message));
        Assert.Equal(1, _server.RequestCount);
    }

    [Fact]
    public async Task A_connection_lost_without_a_content_length_names_only_the_bytes_received()
    {
        var url = _server.Route("w.pth", new LoopbackResponse(200, new byte[300_000], DropAfterBytes: 100_000, Chunked: true));

        var error = await Assert.ThrowsAsync<CifarUserException>(() => new ArtifactCache(_cache.Path).GetFileAsync(url, "w.pth", _ => { }));

        Assert.StartsWith($"{url}: connection lost after 100000 bytes (", error.Message, StringComparison.Ordinal);
        Assert.Empty(Entries());
    }

    [Fact]
    public async Task A_request_failure_of_no_known_kind_names_its_innermost_reason()
    {
        // HttpClient wraps some failures as "Error while copying content to a stream." with the reason two levels down.
        var failure = new HttpRequestException("Error while copying content to a stream.",
            new IOException("Unable to write data to the transport connection.", new IOException("Broken pipe")));
        using var http = new HttpClient(new FailingHandler(failure));

        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new ArtifactCache(_cache.Path, http).GetFileAsync("http://mirror.example/w.pth", "w.pth", _ => { }));

        Assert.Equal(
            (UserErrorKind.Download, "http://mirror.example/w.pth: Error while copying content to a stream. Broken pipe"),
            (error.Kind, error.Message));
        Assert.Empty(Entries());
    }

    [Fact]
    public async Task A_check_message_on_several_lines_becomes_one_line()
    {
        var url = _server.Serve("w.pth", [1, 2, 3]);

        var error = await Assert.ThrowsAsync<CifarUserException>(() => new ArtifactCache(_cache.Path).GetFileAsync(
            url, "w.pth", _ => throw new InvalidDataException("\r\n header is wrong\r\n\r\nsee the mirror's notes \n")));

        Assert.Equal($"{url}: header is wrong see the mirror's notes", error.Message);
        Assert.Single(error.Lines);
    }

    [Fact]
    public async Task A_check_that_cannot_read_the_file_is_a_download_error_and_leaves_nothing()
    {
        var url = _server.Serve("w.pth", [1, 2, 3]);

        var error = await Assert.ThrowsAsync<CifarUserException>(() => new ArtifactCache(_cache.Path).GetFileAsync(
            url, "w.pth", _ => throw new IOException("Input/output error")));

        Assert.Equal((UserErrorKind.Download, $"{url}: Input/output error"), (error.Kind, error.Message));
        Assert.Empty(Entries());
    }

    [Fact]
    public async Task A_file_entry_that_cannot_be_moved_into_place_is_a_download_error_naming_it()
    {
        var url = _server.Serve("w.pth", [1, 2, 3]);
        var final = _cache.Combine("w.pth");

        // Another program puts a folder where the entry goes while the download is checked.
        var error = await Assert.ThrowsAsync<CifarUserException>(() => new ArtifactCache(_cache.Path).GetFileAsync(
            url, "w.pth", _ => Directory.CreateDirectory(final)));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.StartsWith($"{url}: cannot write {final}: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(["w.pth"], Entries());
    }

    [Fact]
    public async Task A_folder_entry_that_cannot_be_moved_into_place_is_a_download_error_naming_it()
    {
        var url = _server.Serve("a.tar.gz", [1, 2, 3]);
        var final = _cache.Combine("unpacked");

        // Another program puts a file where the entry goes while the archive is unpacked.
        var error = await Assert.ThrowsAsync<CifarUserException>(() => new ArtifactCache(_cache.Path).GetDirectoryAsync(
            url, "unpacked", (_, _) => File.WriteAllText(final, "in the way")));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.StartsWith($"{url}: cannot write {final}: ", error.Message, StringComparison.Ordinal);
        Assert.Equal(["unpacked"], Entries());
    }

    [Fact]
    public async Task A_folder_where_a_file_entry_goes_is_reported_before_downloading()
    {
        var url = _server.Serve("w.pth", [1, 2, 3]);
        Directory.CreateDirectory(_cache.Combine("weights", "w.pth"));

        var error = await Assert.ThrowsAsync<CifarUserException>(() => new ArtifactCache(_cache.Path).GetFileAsync(url, "weights/w.pth", _ => { }));

        Assert.Equal(
            (UserErrorKind.Other, $"cache folder '{_cache.Path}': {_cache.Combine("weights", "w.pth")} is a folder, expected a file or nothing; delete it"),
            (error.Kind, error.Message));
        Assert.Equal(0, _server.RequestCount);
    }

    [Fact]
    public async Task A_cache_folder_that_cannot_be_created_is_reported_before_downloading()
    {
        var url = _server.Serve("w.pth", [1, 2, 3]);
        var file = _cache.Combine("a-file");
        await File.WriteAllTextAsync(file, "not a folder");
        var root = Path.Combine(file, "cache");

        var error = await Assert.ThrowsAsync<CifarUserException>(() => new ArtifactCache(root).GetFileAsync(url, "w.pth", _ => { }));

        Assert.Equal(UserErrorKind.Other, error.Kind);
        Assert.StartsWith($"cache folder '{root}' cannot be created: ", error.Message, StringComparison.Ordinal);
        Assert.Single(error.Lines);
        Assert.Equal(0, _server.RequestCount);
    }

    [Fact]
    public async Task A_local_source_that_is_a_folder_is_a_download_error()
    {
        using var source = new TempFolder();

        var error = await Assert.ThrowsAsync<CifarUserException>(() => new ArtifactCache(_cache.Path).GetFileAsync(source.Path, "w.pth", _ => { }));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.StartsWith($"{source.Path}: ", error.Message, StringComparison.Ordinal);
        Assert.Empty(Entries());
    }

    [Fact]
    public async Task A_local_copy_reports_its_size_progress_and_end()
    {
        using var source = new TempFolder();
        var file = source.Combine("w.pth");
        var bytes = new byte[200_000];
        Random.Shared.NextBytes(bytes);
        await File.WriteAllBytesAsync(file, bytes);
        var progress = new RecordingProgress();

        var path = await new ArtifactCache(_cache.Path).GetFileAsync(file, "w.pth", _ => { }, progress);

        Assert.Equal(bytes, await File.ReadAllBytesAsync(path));
        Assert.Equal((file, (long?)bytes.Length, (long)bytes.Length, true), (progress.Source, progress.Total, progress.Last, progress.Ended));
    }

    [Fact]
    public async Task Requests_name_the_tool_and_ask_for_the_bytes_as_stored()
    {
        var url = _server.Serve("w.pth", [1, 2, 3]);
        using var http = ArtifactCache.CreateHttpClient();

        await new ArtifactCache(_cache.Path, http).GetFileAsync(url, "w.pth", _ => { });

        var version = typeof(ArtifactCache).Assembly.GetName().Version!.ToString(3);
        var head = Assert.Single(_server.RequestHeads);
        Assert.Contains($"\r\nUser-Agent: dotnet-cifar/{version}\r\n", head, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Accept-Encoding", head, StringComparison.OrdinalIgnoreCase); // a .tar.gz must arrive byte for byte
    }

    [Fact]
    public async Task Missing_callbacks_and_blank_names_are_argument_errors_before_any_request()
    {
        var url = _server.Serve("w.pth", [1, 2, 3]);
        var cache = new ArtifactCache(_cache.Path);

        Assert.Throws<ArgumentException>(() => new ArtifactCache(" "));
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.GetFileAsync(url, "w.pth", null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.GetDirectoryAsync(url, "unpacked", null!));

        Assert.Equal(0, _server.RequestCount);
        Assert.Empty(_cache.Contents());
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    public void Blank_entry_names_are_refused(string entry)
    {
        Assert.ThrowsAny<ArgumentException>(() => new ArtifactCache(_cache.Path).PathOf(entry));
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("..")]
    [InlineData("weights/../../x")]
    [InlineData("weights\\..\\x")]
    [InlineData("./w.pth")]
    [InlineData("weights/.")]
    [InlineData("weights//w.pth")]
    public void Entry_names_that_could_leave_or_alias_an_entry_are_refused(string entry)
    {
        var error = Assert.Throws<ArgumentException>(() => new ArtifactCache(_cache.Path).PathOf(entry));

        Assert.Equal($"Cache entry '{entry}' must be a relative path without '.' or '..' parts. (Parameter 'entry')", error.Message);
    }

    [Theory]
    [InlineData("w.pth", "w.pth")]
    [InlineData("weights/resnet50.pth", "weights/resnet50.pth")]
    [InlineData("a..b/.hidden", "a..b/.hidden")]
    public void Entry_names_are_paths_below_the_root(string entry, string relative)
    {
        var cache = new ArtifactCache(_cache.Path);

        Assert.Equal(Path.Combine([_cache.Path, .. relative.Split('/')]), cache.PathOf(entry));
    }

    [Theory]
    [InlineData("cifar:v2.tar.gz")] // a colon in a file name, not a URL scheme
    [InlineData("data/cifar.tar.gz")]
    public void Sources_that_are_not_urls_are_local_paths(string source)
    {
        Assert.Equal(Path.GetFullPath(source), ArtifactCache.LocalPathOf(source));
    }

    [Theory]
    [InlineData("http://mirror.example/c.tar.gz")]
    [InlineData("HTTPS://mirror.example/c.tar.gz")]
    public void Http_sources_have_no_local_path(string source)
    {
        Assert.Null(ArtifactCache.LocalPathOf(source));
    }

    [Fact]
    public void A_file_url_is_its_local_path_and_a_broken_one_is_a_download_error()
    {
        Assert.Equal("/data/c.tar.gz", ArtifactCache.LocalPathOf("file:///data/c.tar.gz"));
        Assert.Equal("/data/c d.tar.gz", ArtifactCache.LocalPathOf("FILE:///data/c%20d.tar.gz"));

        var error = Assert.Throws<CifarUserException>(() => ArtifactCache.LocalPathOf("file://[broken/c.tar.gz"));

        Assert.Equal((UserErrorKind.Download, "file://[broken/c.tar.gz: not a valid file:// URL"), (error.Kind, error.Message));
    }

    /// <summary>Holds the lock file of an entry as another run would (an exclusive OS lock).</summary>
    private FileStream HoldLock(string name)
    {
        Directory.CreateDirectory(_cache.Combine(".locks"));
        return new FileStream(_cache.Combine(".locks", name), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
    }

    /// <summary>What a user would find in the cache folder, ignoring the lock files.</summary>
    private List<string> Entries() =>
        _cache.Contents().Where(p => p != ".locks" && !p.StartsWith(".locks/", StringComparison.Ordinal)).ToList();

    /// <summary>Answers every request with <paramref name="body"/> under a Content-Length of <paramref name="claimed"/>.</summary>
    private sealed class ShortBodyHandler(byte[] body, long claimed) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var content = new StreamContent(new MemoryStream(body));
            content.Headers.ContentLength = claimed;
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content, RequestMessage = request });
        }
    }

    private sealed class FailingHandler(Exception failure) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromException<HttpResponseMessage>(failure);
    }

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
