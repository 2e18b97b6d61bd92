using System.Net;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;

namespace Cifar.Data;

/// <summary>
/// A folder of downloaded, verified artifacts (the CIFAR-10 batches, pretrained weight files). An entry that exists is
/// complete and verified: it is returned without any network request. A missing entry is fetched into a temporary
/// file or folder next to its final place (same file system), verified, then moved into place in one rename, under a
/// per-entry lock file so concurrent runs neither download twice nor see half-written data. Any failure throws
/// <see cref="CifarUserException"/> of kind <see cref="UserErrorKind.Download"/> ("&lt;source&gt;: &lt;what failed&gt;")
/// and leaves no entry and no temporary file behind (only the empty lock file in <c>.locks/</c>).
/// </summary>
/// <remarks>
/// Layout: <c>&lt;root&gt;/&lt;entry&gt;</c> (a file or a folder); <c>&lt;root&gt;/.locks/&lt;entry&gt;.lock</c>;
/// while fetching, <c>.&lt;name&gt;.&lt;guid&gt;.download</c> / <c>.partial</c> next to the entry. Lock files stay:
/// deleting them would let a waiting run lock an unlinked file while a third run locks a new one.
/// </remarks>
public sealed class ArtifactCache
{
    private const int BufferSize = 1 << 16;

    private static readonly Lazy<HttpClient> SharedHttp = new(() => CreateHttpClient());

    private readonly HttpClient? _http;

    /// <param name="root">The cache folder; created on first use. See <see cref="CacheLocation.Resolve"/>.</param>
    public ArtifactCache(string root)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
    }

    /// <summary>For tests: a specific client (for example one with a short timeout).</summary>
    internal ArtifactCache(string root, HttpClient http) : this(root) => _http = http;

    /// <summary>Absolute path of the cache folder.</summary>
    public string Root { get; }

    /// <summary>How long a download may stall (no byte received) before it fails.</summary>
    internal TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    private HttpClient Http => _http ?? SharedHttp.Value;

    /// <summary>Where <paramref name="entry"/> (a relative path such as <c>weights/resnet50.pth</c>) lives.</summary>
    public string PathOf(string entry)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(entry);
        if (Path.IsPathRooted(entry) || entry.Split('/', '\\').Any(part => part is "" or "." or ".."))
            throw new ArgumentException($"Cache entry '{entry}' must be a relative path without '.' or '..' parts.", nameof(entry));
        return Path.Combine(Root, entry);
    }

    /// <summary>
    /// Returns the path of the cached file <paramref name="entry"/>, fetching it from <paramref name="source"/> first
    /// if it is not there.
    /// </summary>
    /// <param name="source">An http(s) URL, a <c>file://</c> URL, or a local file path (relative to the current folder).</param>
    /// <param name="verify">Checks the fetched file (given its temporary path) and throws
    /// <see cref="InvalidDataException"/> with a one-line reason if it is wrong; see <see cref="FileHashes.RequireSha256"/>.</param>
    public async Task<string> GetFileAsync(
        string source, string entry, Action<string> verify, IDownloadProgress? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(verify);
        var final = PathOf(entry);
        if (File.Exists(final)) return final;
        RequireFree(final, expectFolder: false);

        using var gate = await LockAsync(entry, cancellationToken).ConfigureAwait(false);
        if (File.Exists(final)) return final; // another run installed it while we waited for the lock
        RemoveLeftovers(final);
        var temp = TempPathFor(final, "download");
        try
        {
            await FetchAsync(source, temp, progress, cancellationToken).ConfigureAwait(false);
            Checked(source, () => verify(temp));
            Installed(source, final, () => File.Move(temp, final));
            return final;
        }
        finally
        {
            TryDeleteFile(temp);
        }
    }

    /// <summary>
    /// Returns the path of the cached folder <paramref name="entry"/>, fetching <paramref name="source"/> (an archive)
    /// and unpacking it first if the folder is not there.
    /// </summary>
    /// <param name="unpack">Given the fetched file and an empty staging folder, fills the folder with the entry's
    /// final content and checks it; throws <see cref="InvalidDataException"/> with a one-line reason if the content is
    /// wrong (see <see cref="SafeArchive.Extract"/>). A local source is unpacked in place, not copied first.</param>
    public async Task<string> GetDirectoryAsync(
        string source, string entry, Action<string, string> unpack, IDownloadProgress? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(unpack);
        var final = PathOf(entry);
        if (Directory.Exists(final)) return final;
        RequireFree(final, expectFolder: true);

        using var gate = await LockAsync(entry, cancellationToken).ConfigureAwait(false);
        if (Directory.Exists(final)) return final;
        RemoveLeftovers(final);
        var download = TempPathFor(final, "download");
        var staging = TempPathFor(final, "partial");
        try
        {
            var archive = LocalPathOf(source);
            if (archive is null)
            {
                await DownloadAsync(source, download, progress, cancellationToken).ConfigureAwait(false);
                archive = download;
            }
            else if (!File.Exists(archive))
            {
                throw DownloadError(source, "file not found");
            }

            Installed(source, staging, () => Directory.CreateDirectory(staging));
            Checked(source, () => unpack(archive, staging));
            Installed(source, final, () => Directory.Move(staging, final));
            return final;
        }
        finally
        {
            TryDeleteFile(download);
            TryDeleteDirectory(staging);
        }
    }

    /// <summary>The local file a source names, or null for an http(s) URL. Other URL schemes are a download error.</summary>
    internal static string? LocalPathOf(string source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(source);
        if (source.StartsWith("http://", StringComparison.OrdinalIgnoreCase)
            || source.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (source.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            return Uri.TryCreate(source, UriKind.Absolute, out var uri) && uri.IsFile
                ? uri.LocalPath
                : throw DownloadError(source, "not a valid file:// URL");
        }

        // "C:\data\x.tar.gz" parses as a URI with scheme "c"; a real scheme has at least two letters.
        if (Uri.TryCreate(source, UriKind.Absolute, out var other) && other.Scheme.Length > 1 && source.Contains("://", StringComparison.Ordinal))
            throw DownloadError(source, $"unsupported URL scheme '{other.Scheme}'; expected http, https, file or a local path");
        return Path.GetFullPath(source);
    }

    /// <summary>"&lt;source&gt;: &lt;what&gt;" as one line, credentials hidden (<see cref="UrlRedaction"/>).</summary>
    internal static CifarUserException DownloadError(string source, string what, Exception? inner = null) =>
        new(UserErrorKind.Download, UrlRedaction.Redact($"{source}: {OneLine(what)}"), inner);

    /// <summary>
    /// Fails before any download when something else sits where the entry goes (a file where the dataset folder
    /// should be, or the reverse), since the final rename would fail only after the whole transfer.
    /// </summary>
    private void RequireFree(string final, bool expectFolder)
    {
        // The folders on the way count too: a file named like the cache folder itself, or like weights/.
        for (var folder = Path.GetDirectoryName(final); folder is not null && folder.Length >= Root.Length; folder = Path.GetDirectoryName(folder))
        {
            if (File.Exists(folder))
                throw new CifarUserException(UserErrorKind.Other, $"cache folder '{Root}': {folder} is a file, expected a folder or nothing; delete it");
        }

        var (occupied, what) = expectFolder ? (File.Exists(final), "a file") : (Directory.Exists(final), "a folder");
        if (occupied)
        {
            throw new CifarUserException(UserErrorKind.Other,
                $"cache folder '{Root}': {final} is {what}, expected {(expectFolder ? "a folder" : "a file")} or nothing; delete it");
        }
    }

    /// <summary>Runs a step that writes into the cache; a failure (disk full, permissions) is a download error.</summary>
    private static void Installed(string source, string path, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw DownloadError(source, $"cannot write {path}: {e.Message}", e);
        }
    }

    private async Task FetchAsync(string source, string destination, IDownloadProgress? progress, CancellationToken cancellationToken)
    {
        var local = LocalPathOf(source);
        if (local is null)
        {
            await DownloadAsync(source, destination, progress, cancellationToken).ConfigureAwait(false);
            return;
        }

        FileStream input;
        try
        {
            input = new FileStream(local, FileMode.Open, FileAccess.Read, FileShare.Read, BufferSize, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw DownloadError(source, "file not found", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw DownloadError(source, e.Message, e);
        }

        await using (input.ConfigureAwait(false))
        {
            progress?.Begin(UrlRedaction.Redact(source), input.Length);
            var copied = new StrongBox<long>();
            try
            {
                await CopyAsync(input, destination, progress, idleTimeout: null, copied, cancellationToken).ConfigureAwait(false);
            }
            catch (CacheWriteException e)
            {
                throw DownloadError(source, e.Message, e.InnerException);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw DownloadError(source, FormattableString.Invariant($"read failed after {copied.Value} bytes: {e.Message}"), e);
            }
            finally
            {
                progress?.Finish();
            }
        }
    }

    private async Task DownloadAsync(string url, string destination, IDownloadProgress? progress, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0)
            throw DownloadError(url, "not a valid http(s) URL");
        var received = new StrongBox<long>();
        long? expected = null;
        try
        {
            using var response = await GetFollowingRedirectsAsync(url, uri, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
                throw DownloadError(url, $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd());

            expected = response.Content.Headers.ContentLength;
            progress?.Begin(UrlRedaction.Redact(url), expected);
            try
            {
                var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                await using (body.ConfigureAwait(false))
                {
                    await CopyAsync(body, destination, progress, IdleTimeout, received, cancellationToken).ConfigureAwait(false);
                    if (expected is { } length && received.Value != length)
                        throw DownloadError(url, FormattableString.Invariant($"received {received.Value} bytes, but Content-Length is {length}"));
                }
            }
            finally
            {
                progress?.Finish();
            }
        }
        catch (CacheWriteException e)
        {
            throw DownloadError(url, e.Message, e.InnerException);
        }
        catch (TimeoutException e)
        {
            throw DownloadError(url, e.Message, e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            // HttpClient.Timeout: no response headers in time.
            throw DownloadError(url, FormattableString.Invariant($"no response within {Http.Timeout.TotalSeconds:0} s"), e);
        }
        catch (HttpRequestException e)
        {
            throw DownloadError(url, Reason(e), e);
        }
        catch (IOException e)
        {
            // Includes HttpIOException "The response ended prematurely" (connection dropped mid-stream).
            var total = expected is { } length ? FormattableString.Invariant($" of {length}") : "";
            throw DownloadError(url, FormattableString.Invariant($"connection lost after {received.Value}{total} bytes ({Innermost(e).Message})"), e);
        }
    }

    /// <summary>
    /// GETs <paramref name="uri"/>, following up to <see cref="MaxRedirects"/> redirects by hand: only to http(s), never
    /// from https down to http, and a loop ends as "too many redirects" rather than as a misleading HTTP 302.
    /// </summary>
    private async Task<HttpResponseMessage> GetFollowingRedirectsAsync(string url, Uri uri, CancellationToken cancellationToken)
    {
        var current = uri;
        for (var hops = 0; ; hops++)
        {
            var response = await Http.GetAsync(current, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode is not (301 or 302 or 303 or 307 or 308) || response.Headers.Location is not { } location)
                return response;
            response.Dispose();

            var next = location.IsAbsoluteUri ? location : new Uri(current, location);
            if (next.Scheme is not ("http" or "https"))
                throw DownloadError(url, $"redirected to {next.Scheme}: ({next}); only http and https redirects are followed");
            if (current.Scheme == "https" && next.Scheme == "http")
                throw DownloadError(url, $"redirected from https to plain http ({next}); refused, as it would drop encryption");
            if (hops == MaxRedirects)
                throw DownloadError(url, FormattableString.Invariant($"too many redirects (more than {MaxRedirects}; the last to {next})"));
            current = next;
        }
    }

    /// <summary>Most redirects a download follows (browsers allow about 20; torch.hub's urllib, 10).</summary>
    internal const int MaxRedirects = 10;

    /// <summary>
    /// What went wrong, in words: HttpClient's own message says it all for a refused connection ("Connection refused
    /// (host:port)"), but for TLS it only says "see inner exception", so the real reason (an untrusted certificate, a
    /// name mismatch) comes from the innermost exception.
    /// </summary>
    private static string Reason(HttpRequestException e) => e.HttpRequestError switch
    {
        HttpRequestError.SecureConnectionError => $"TLS handshake failed: {Innermost(e).Message}",
        HttpRequestError.Unknown when e.InnerException is { } inner => $"{e.Message} {Innermost(inner).Message}",
        _ => e.Message,
    };

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is { } inner) e = inner;
        return e;
    }

    /// <summary>Copies <paramref name="input"/> into a new file, reporting progress and counting bytes in <paramref name="done"/>.</summary>
    private static async Task CopyAsync(
        Stream input, string destination, IDownloadProgress? progress, TimeSpan? idleTimeout, StrongBox<long> done,
        CancellationToken cancellationToken)
    {
        // CreateNew: the random name is created exclusively, so a file or link planted there is never followed.
        // Unbuffered (we write 64 KiB chunks): a buffer would be flushed again on dispose after a failed write (a full
        // disk), and that second failure would replace the first.
        var output = Writing(destination, () => new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous));
        await using (output.ConfigureAwait(false))
        {
            var buffer = new byte[BufferSize];
            while (true)
            {
                int read;
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                {
                    if (idleTimeout is { } limit) idle.CancelAfter(limit);
                    try
                    {
                        read = await input.ReadAsync(buffer, idle.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        throw new TimeoutException(FormattableString.Invariant($"no data for {idleTimeout!.Value.TotalSeconds:0} s after {done.Value} bytes"));
                    }
                }

                if (read == 0) break;
                try
                {
                    await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                }
                catch (IOException e)
                {
                    throw new CacheWriteException(destination, e);
                }

                done.Value += read;
                progress?.Report(done.Value);
            }

            // On disk before the rename makes it visible, so a crash cannot leave a complete-looking, empty entry.
            Writing(destination, () => { output.Flush(flushToDisk: true); return output; });
        }
    }

    private static T Writing<T>(string path, Func<T> write)
    {
        try
        {
            return write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CacheWriteException(path, e);
        }
    }

    /// <summary>Writing into the cache failed (disk full, permissions): not to be mistaken for a lost connection.</summary>
    private sealed class CacheWriteException(string path, Exception inner)
        : Exception($"cannot write {path}: {inner.Message}", inner);

    /// <summary>Runs a verify or unpack step: wrong content, and a failure to write it (disk full), are download errors.</summary>
    private static void Checked(string source, Action check)
    {
        try
        {
            check();
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            throw DownloadError(source, e.Message, e);
        }
    }

    private async Task<IDisposable> LockAsync(string entry, CancellationToken cancellationToken)
    {
        var locks = Path.Combine(Root, ".locks");
        try
        {
            Directory.CreateDirectory(locks);
            Directory.CreateDirectory(Path.GetDirectoryName(PathOf(entry))!);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CifarUserException(UserErrorKind.Other, $"cache folder '{Root}' cannot be created: {OneLine(e.Message)}", e);
        }

        var lockPath = Path.Combine(locks, entry.Replace('/', '_').Replace('\\', '_') + ".lock");
        // Opening creates the file, and would create it wherever a link planted at its name points.
        if (new FileInfo(lockPath).LinkTarget is { } target)
            throw new CifarUserException(UserErrorKind.Other, $"cache folder '{Root}': {lockPath} is a link to {target}, not a lock file; delete it");
        while (true)
        {
            try
            {
                // FileShare.None is an exclusive OS lock (flock on Unix): released by the OS if the process dies.
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (File.Exists(lockPath))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new CifarUserException(UserErrorKind.Other, $"cache folder '{Root}' is not writable: {OneLine(e.Message)}", e);
            }
        }
    }

    private static string TempPathFor(string final, string suffix) =>
        Path.Combine(Path.GetDirectoryName(final)!, $".{Path.GetFileName(final)}.{Guid.NewGuid():N}.{suffix}");

    /// <summary>Deletes temporaries a killed run left for this entry; safe because we hold the entry's lock.</summary>
    private static void RemoveLeftovers(string final)
    {
        var folder = Path.GetDirectoryName(final)!;
        var name = Path.GetFileName(final);
        foreach (var suffix in new[] { "download", "partial" })
        {
            foreach (var file in Directory.EnumerateFiles(folder, $".{name}.*.{suffix}")) TryDeleteFile(file);
            foreach (var dir in Directory.EnumerateDirectories(folder, $".{name}.*.{suffix}")) TryDeleteDirectory(dir);
        }
    }

    private static void TryDeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: the next run for this entry removes it (RemoveLeftovers).
        }
    }

    private static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort, as above.
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    /// <summary>The client downloads use; <paramref name="responseTimeout"/> bounds connecting and the response headers.</summary>
    internal static HttpClient CreateHttpClient(TimeSpan? responseTimeout = null)
    {
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false, // followed by hand: GetFollowingRedirectsAsync
            ConnectTimeout = TimeSpan.FromSeconds(30),
            AutomaticDecompression = DecompressionMethods.None, // a .tar.gz must arrive byte for byte
        };
        // Timeout covers connecting and the response headers; the body has its own idle timeout (IdleTimeout).
        var client = new HttpClient(handler) { Timeout = responseTimeout ?? TimeSpan.FromSeconds(60) };
        // Stryker disable once NullCoalescing,String : equivalent; an assembly always has a version (0.0.0.0 at the least), so the fallback never applies.
        var version = typeof(ArtifactCache).Assembly.GetName().Version?.ToString(3) ?? "0";
        client.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("dotnet-cifar", version));
        return client;
    }
}
