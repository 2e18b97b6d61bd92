namespace Cifar.Data;

/// <summary>
/// Receives the progress of one download or local copy. Core has no console: the command line implements this with a
/// progress bar (size and speed), or plain lines when output is redirected.
/// </summary>
public interface IDownloadProgress
{
    /// <summary>A transfer starts. <paramref name="totalBytes"/> is null when the server sends no Content-Length.</summary>
    void Begin(string source, long? totalBytes);

    /// <summary>Bytes received so far (cumulative), called once per buffer read (64 KiB or less).</summary>
    void Report(long bytesDone);

    /// <summary>The transfer ended, successfully or not; always called after <see cref="Begin"/>.</summary>
    void Finish();
}
