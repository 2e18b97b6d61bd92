using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Cifar.Tests.Infra;

/// <summary>What <see cref="LoopbackHttpServer"/> answers for one path.</summary>
/// <param name="Status">HTTP status code.</param>
/// <param name="Body">Bytes sent after the headers (possibly cut short by <paramref name="DropAfterBytes"/>).</param>
/// <param name="ContentLength">The Content-Length header to send; null = the true body length; a different value lies.</param>
/// <param name="DropAfterBytes">Reset the connection after sending this many body bytes (a drop mid-stream).</param>
/// <param name="Location">Location header, for redirects.</param>
/// <param name="OmitContentLength">Send no Content-Length at all (the body ends when the connection closes).</param>
/// <param name="Delay">Wait this long after the headers before sending the body (a slow server).</param>
/// <param name="ReasonPhrase">The status line's reason phrase; null = the usual one for <paramref name="Status"/>.</param>
/// <param name="Chunked">Send the body as one chunk with <c>Transfer-Encoding: chunked</c> and no Content-Length;
/// <paramref name="DropAfterBytes"/> still counts bytes of the body, not of the chunk framing.</param>
public sealed record LoopbackResponse(
    int Status,
    byte[] Body,
    long? ContentLength = null,
    int? DropAfterBytes = null,
    string? Location = null,
    bool OmitContentLength = false,
    TimeSpan? Delay = null,
    bool Chunked = false,
    string? ReasonPhrase = null)
{
    public static LoopbackResponse Ok(byte[] body) => new(200, body);

    public static LoopbackResponse Error(int status) => new(status, Encoding.ASCII.GetBytes($"error {status}"));

    /// <summary>Announces the full length, sends <paramref name="afterBytes"/> bytes, then resets the connection.</summary>
    public static LoopbackResponse DropMidStream(byte[] body, int afterBytes) => new(200, body, DropAfterBytes: afterBytes);

    /// <summary>Sends <paramref name="body"/> with a false Content-Length, then closes the connection.</summary>
    public static LoopbackResponse WrongContentLength(byte[] body, long claimed) => new(200, body, ContentLength: claimed);

    public static LoopbackResponse Redirect(string location, int status = 302) => new(status, [], Location: location);
}

/// <summary>
/// A minimal HTTP/1.1 server on 127.0.0.1 (free port) for download tests: serves configured responses per path
/// (unknown paths get 404), one request per connection, and counts requests. Built on <see cref="TcpListener"/> so
/// it can misbehave on purpose (drop mid-stream, lie about Content-Length), which HttpListener does not allow.
/// </summary>
public sealed class LoopbackHttpServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentDictionary<string, LoopbackResponse> _routes = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _requestsByPath = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requestHeads = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _acceptLoop;
    private int _requestCount;

    public LoopbackHttpServer()
    {
        _listener.Start();
        BaseUri = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public Uri BaseUri { get; }

    /// <summary>Requests received so far, on any path (including 404s).</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>Absolute URL of <paramref name="path"/> (with or without a leading '/').</summary>
    public string Url(string path) => new Uri(BaseUri, path.TrimStart('/')).ToString();

    public int RequestsFor(string path) => _requestsByPath.GetValueOrDefault(Normalize(path));

    /// <summary>The head (request line and headers, CRLF-separated) of every request received so far, in order.</summary>
    public IReadOnlyList<string> RequestHeads => [.. _requestHeads];

    /// <summary>Sets (or replaces) the response for <paramref name="path"/>; returns its absolute URL.</summary>
    public string Route(string path, LoopbackResponse response)
    {
        _routes[Normalize(path)] = response;
        return Url(path);
    }

    public string Serve(string path, byte[] body) => Route(path, LoopbackResponse.Ok(body));

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _acceptLoop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // The accept loop ends with a cancellation or socket exception when the listener stops.
        }

        _stop.Dispose();
    }

    private static string Normalize(string path) => "/" + path.TrimStart('/');

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => HandleAsync(client));
        }
    }

    private async Task HandleAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                var head = await ReadRequestHeadAsync(stream);
                if (head is null || PathOf(head) is not { } path) return;
                _requestHeads.Enqueue(head);
                Interlocked.Increment(ref _requestCount);
                _requestsByPath.AddOrUpdate(path, 1, (_, n) => n + 1);

                var response = _routes.GetValueOrDefault(path) ?? LoopbackResponse.Error(404);
                var headers = new StringBuilder()
                    .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {response.Status} {response.ReasonPhrase ?? Reason(response.Status)}\r\n")
                    .Append("Connection: close\r\n")
                    .Append("Content-Type: application/octet-stream\r\n");
                if (response.Chunked)
                    headers.Append("Transfer-Encoding: chunked\r\n");
                else if (!response.OmitContentLength)
                    headers.Append(CultureInfo.InvariantCulture, $"Content-Length: {response.ContentLength ?? response.Body.Length}\r\n");
                if (response.Location is { } location) headers.Append(CultureInfo.InvariantCulture, $"Location: {location}\r\n");
                headers.Append("\r\n");
                await stream.WriteAsync(Encoding.ASCII.GetBytes(headers.ToString()));
                if (response.Delay is { } delay)
                {
                    await stream.FlushAsync();
                    await Task.Delay(delay);
                }

                var (prefix, suffix) = response.Chunked
                    ? (Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{response.Body.Length:x}\r\n")), "\r\n0\r\n\r\n"u8.ToArray())
                    : (Array.Empty<byte>(), Array.Empty<byte>());
                byte[] wire = [.. prefix, .. response.Body, .. suffix];
                var bodyLength = wire.Length;
                if (response.DropAfterBytes is { } cut) bodyLength = Math.Min(prefix.Length + cut, bodyLength);
                await stream.WriteAsync(wire.AsMemory(0, bodyLength));
                await stream.FlushAsync();

                if (response.DropAfterBytes is not null)
                {
                    // Give the client time to receive what was sent, then reset (RST) instead of closing cleanly.
                    await Task.Delay(50);
                    client.Client.LingerState = new LingerOption(true, 0);
                }
                else
                {
                    client.Client.Shutdown(SocketShutdown.Send);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // The client went away; nothing to answer.
            }
        }
    }

    /// <summary>Reads the request head, up to and including the blank line; null if the client closed first.</summary>
    private static async Task<string?> ReadRequestHeadAsync(NetworkStream stream)
    {
        var head = new List<byte>();
        var buffer = new byte[1];
        while (head.Count < 64 * 1024)
        {
            if (await stream.ReadAsync(buffer) == 0) return null;
            head.Add(buffer[0]);
            if (head.Count >= 4 && head[^4] == '\r' && head[^3] == '\n' && head[^2] == '\r' && head[^1] == '\n') break;
        }

        return Encoding.ASCII.GetString([.. head]);
    }

    /// <summary>The path of "GET /path HTTP/1.1", without its query.</summary>
    private static string? PathOf(string head)
    {
        var requestLine = head.Split("\r\n")[0].Split(' ');
        if (requestLine.Length < 2) return null;
        var target = requestLine[1];
        var query = target.IndexOf('?', StringComparison.Ordinal);
        return Uri.UnescapeDataString(query >= 0 ? target[..query] : target);
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        404 => "Not Found",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    };
}
