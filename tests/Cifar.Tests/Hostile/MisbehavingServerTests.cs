using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Cifar.Data;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Hostile;

/// <summary>
/// Servers that stall, loop, redirect where they should not, break TLS or reset mid-stream. Every case is one line,
/// exit code 3 (a download error), and a clean cache: no entry, no temporary file.
/// </summary>
public sealed class MisbehavingServerTests : IDisposable
{
    private readonly LoopbackHttpServer _server = new();
    private readonly TempFolder _cache = new("cifar-hostile-cache");

    public void Dispose()
    {
        _server.Dispose();
        _cache.Dispose();
    }

    [Fact]
    public async Task A_redirect_loop_is_too_many_redirects()
    {
        var url = _server.Route("loop", LoopbackResponse.Redirect("/loop"));

        var error = await Fails(url);

        Assert.Equal($"{url}: too many redirects (more than {ArtifactCache.MaxRedirects}; the last to {url})", error.Message);
        Assert.Equal(ArtifactCache.MaxRedirects + 1, _server.RequestsFor("loop"));
    }

    [Theory]
    [InlineData("file:///etc/passwd", "file")]
    [InlineData("ftp://mirror.example/w.pth", "ftp")]
    [InlineData("gopher://mirror.example/w.pth", "gopher")]
    public async Task A_redirect_to_another_scheme_is_refused(string location, string scheme)
    {
        var url = _server.Route("w.pth", LoopbackResponse.Redirect(location));

        var error = await Fails(url);

        Assert.Equal($"{url}: redirected to {scheme}: ({location}); only http and https redirects are followed", error.Message);
    }

    [Fact]
    public async Task Redirects_within_the_limit_are_followed()
    {
        var hops = Enumerable.Range(0, ArtifactCache.MaxRedirects).Select(i => $"hop{i}").ToList();
        for (var i = 0; i < hops.Count - 1; i++) _server.Route(hops[i], LoopbackResponse.Redirect("/" + hops[i + 1], 301 + (i % 2)));
        _server.Route(hops[^1], LoopbackResponse.Redirect("/w.pth", 307));
        _server.Serve("w.pth", [1, 2, 3]);

        var path = await new ArtifactCache(_cache.Path).GetFileAsync(_server.Url(hops[0]), "w.pth", _ => { });

        Assert.Equal([1, 2, 3], await File.ReadAllBytesAsync(path));
    }

    [Fact]
    public async Task A_server_that_never_answers_is_a_timeout_with_a_clear_message()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start(); // accepts connections (the OS backlog) and never sends a byte
        var url = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}/w.pth";
        using var http = ArtifactCache.CreateHttpClient(TimeSpan.FromSeconds(1));
        var clock = Stopwatch.StartNew();

        var error = await Fails(url, new ArtifactCache(_cache.Path, http));

        Assert.Equal($"{url}: no response within 1 s", error.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task A_body_that_stalls_is_a_timeout_naming_the_bytes_received()
    {
        var url = _server.Route("w.pth", new LoopbackResponse(200, new byte[1000], Delay: TimeSpan.FromSeconds(5)));

        var error = await Fails(url, new ArtifactCache(_cache.Path) { IdleTimeout = TimeSpan.FromSeconds(1) });

        Assert.Equal($"{url}: no data for 1 s after 0 bytes", error.Message);
    }

    [Fact]
    public async Task A_reset_mid_stream_is_a_lost_connection()
    {
        var body = new byte[1 << 20];
        var url = _server.Route("w.pth", LoopbackResponse.DropMidStream(body, 200_000));

        var error = await Fails(url);

        Assert.StartsWith($"{url}: connection lost after ", error.Message);
        Assert.Contains($"of {body.Length} bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tls_failure_gives_the_real_reason()
    {
        using var tls = new SelfSignedTlsServer();
        var url = $"https://127.0.0.1:{tls.Port}/w.pth";

        var error = await Fails(url);

        // HttpClient itself only says "The SSL connection could not be established, see inner exception."
        Assert.StartsWith($"{url}: TLS handshake failed: ", error.Message);
        Assert.Contains("certificate", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("see inner exception", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://")]
    [InlineData("https:///w.pth")]
    [InlineData("http://[::1/w.pth")]
    public async Task A_malformed_url_is_a_download_error_not_a_crash(string url)
    {
        var error = await Fails(url);

        Assert.Equal($"{url}: not a valid http(s) URL", error.Message);
    }

    [Fact]
    public async Task A_file_where_the_dataset_folder_goes_is_reported_before_downloading()
    {
        var url = _server.Serve("c.tar.gz", new byte[1000]);
        Directory.CreateDirectory(_cache.Path);
        await File.WriteAllTextAsync(_cache.Combine("cifar-10-batches-bin"), "not a folder");

        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new ArtifactCache(_cache.Path).GetDirectoryAsync(url, "cifar-10-batches-bin", (_, _) => { }));

        Assert.Equal(UserErrorKind.Other, error.Kind);
        Assert.Equal(
            $"cache folder '{_cache.Path}': {_cache.Combine("cifar-10-batches-bin")} is a file, expected a folder or nothing; delete it",
            error.Message);
        Assert.Equal(0, _server.RequestCount);
    }

    [Fact]
    public async Task A_file_where_the_cache_or_weights_folder_goes_is_reported_before_downloading()
    {
        var url = _server.Serve("w.pth", [1, 2, 3]);
        Directory.CreateDirectory(_cache.Path);
        await File.WriteAllTextAsync(_cache.Combine("weights"), "not a folder");
        var rootIsAFile = _cache.Combine("cache-file");
        await File.WriteAllTextAsync(rootIsAFile, "not a folder");

        var weights = await Assert.ThrowsAsync<CifarUserException>(() => new ArtifactCache(_cache.Path).GetFileAsync(url, "weights/w.pth", _ => { }));
        var root = await Assert.ThrowsAsync<CifarUserException>(() => new ArtifactCache(rootIsAFile).GetFileAsync(url, "weights/w.pth", _ => { }));

        Assert.Equal($"cache folder '{_cache.Path}': {_cache.Combine("weights")} is a file, expected a folder or nothing; delete it", weights.Message);
        Assert.Equal($"cache folder '{rootIsAFile}': {rootIsAFile} is a file, expected a folder or nothing; delete it", root.Message);
        Assert.Equal(0, _server.RequestCount);
    }

    /// <summary>Downloads <paramref name="url"/> as a file entry, expecting a download error and a clean cache.</summary>
    private async Task<CifarUserException> Fails(string url, ArtifactCache? cache = null)
    {
        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => (cache ?? new ArtifactCache(_cache.Path)).GetFileAsync(url, "weights/w.pth", _ => { }));
        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.Single(error.Lines);
        Assert.DoesNotContain(_cache.Contents(), p => p.StartsWith("weights/", StringComparison.Ordinal) && p != "weights/");
        return error;
    }

    /// <summary>Accepts TLS connections with a certificate no one trusts, and answers nothing else.</summary>
    private sealed class SelfSignedTlsServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly X509Certificate2 _certificate;
        private readonly CancellationTokenSource _stop = new();

        public SelfSignedTlsServer()
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            _certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = Task.Run(AcceptAsync);
        }

        public int Port { get; }

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _certificate.Dispose();
            _stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    await using var ssl = new SslStream(client.GetStream());
                    await ssl.AuthenticateAsServerAsync(_certificate);
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException
                                              or IOException or AuthenticationException)
                {
                    // The client refused our certificate, as it should; or the listener stopped.
                }
            }
        }
    }
}
