using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Cifar.Data;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Hostile;

/// <summary>
/// A download that starts encrypted stays encrypted: a redirect from https to plain http is refused before any
/// request goes out in the clear, while https to https is followed. The https server here uses a self-signed
/// certificate that only the test's client trusts (by its SHA-256 thumbprint).
/// </summary>
public sealed class HttpsDowngradeTests : IDisposable
{
    private readonly LoopbackHttpServer _plain = new();
    private readonly TempFolder _cache = new("cifar-https");

    public void Dispose()
    {
        _plain.Dispose();
        _cache.Dispose();
    }

    [Fact]
    public async Task A_redirect_from_https_to_plain_http_is_refused()
    {
        var plain = _plain.Serve("w.pth", [1, 2, 3]);
        using var tls = new TlsRedirectServer(plain);
        using var http = tls.TrustingClient();

        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new ArtifactCache(_cache.Path, http).GetFileAsync(tls.Url("w.pth"), "w.pth", _ => { }));

        Assert.Equal(
            (UserErrorKind.Download, $"{tls.Url("w.pth")}: redirected from https to plain http ({plain}); refused, as it would drop encryption"),
            (error.Kind, error.Message));
        Assert.Equal(0, _plain.RequestCount);
        Assert.False(File.Exists(_cache.Combine("w.pth")));
    }

    [Fact]
    public async Task A_redirect_from_https_to_https_is_followed()
    {
        using var tls = new TlsRedirectServer(redirectTo: null);
        using var http = tls.TrustingClient();

        var path = await new ArtifactCache(_cache.Path, http).GetFileAsync(tls.Url("moved"), "w.pth", _ => { });

        Assert.Equal(TlsRedirectServer.Body, await File.ReadAllBytesAsync(path));
    }

    /// <summary>
    /// An https server on 127.0.0.1: <c>/w.pth</c> redirects to the given plain http URL, <c>/moved</c> redirects to its
    /// own <c>/real</c> (still https), and <c>/real</c> answers <see cref="Body"/>.
    /// </summary>
    private sealed class TlsRedirectServer : IDisposable
    {
        public static readonly byte[] Body = [7, 8, 9];

        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly X509Certificate2 _certificate;
        private readonly CancellationTokenSource _stop = new();
        private readonly string? _redirectTo;

        public TlsRedirectServer(string? redirectTo)
        {
            _redirectTo = redirectTo;
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            _certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), null);
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _ = Task.Run(AcceptAsync);
        }

        public int Port { get; }

        public string Url(string path) => $"https://127.0.0.1:{Port}/{path}";

        /// <summary>A client like the cache's own (no automatic redirects) that trusts this server's certificate and no other.</summary>
        public HttpClient TrustingClient()
        {
            var thumbprint = _certificate.GetCertHashString(HashAlgorithmName.SHA256);
            return new HttpClient(new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                SslOptions = new SslClientAuthenticationOptions
                {
                    RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                        certificate?.GetCertHashString(HashAlgorithmName.SHA256) == thumbprint,
                },
            });
        }

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
                    var path = await ReadPathAsync(ssl);
                    var (head, body) = path switch
                    {
                        "/w.pth" when _redirectTo is not null => ($"HTTP/1.1 302 Found\r\nLocation: {_redirectTo}\r\nContent-Length: 0\r\n", Array.Empty<byte>()),
                        "/moved" => ($"HTTP/1.1 301 Moved Permanently\r\nLocation: {Url("real")}\r\nContent-Length: 0\r\n", Array.Empty<byte>()),
                        "/real" => (string.Create(CultureInfo.InvariantCulture, $"HTTP/1.1 200 OK\r\nContent-Length: {Body.Length}\r\n"), Body),
                        _ => ("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n", Array.Empty<byte>()),
                    };
                    await ssl.WriteAsync(Encoding.ASCII.GetBytes(head + "Connection: close\r\n\r\n"));
                    await ssl.WriteAsync(body);
                    await ssl.FlushAsync();
                }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException
                                              or IOException or AuthenticationException)
                {
                    // The client went away, or the listener stopped.
                }
            }
        }

        private static async Task<string> ReadPathAsync(Stream stream)
        {
            var head = new StringBuilder();
            var buffer = new byte[1];
            while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && head.Length < 16 * 1024)
            {
                if (await stream.ReadAsync(buffer) == 0) break;
                head.Append((char)buffer[0]);
            }

            return head.ToString().Split(' ') is [_, var path, ..] ? path : "";
        }
    }
}
