using Cifar.Data;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Hostile;

/// <summary>Credentials in a mirror URL never reach a message, a progress line or a report's source.</summary>
public sealed class CredentialRedactionTests : IDisposable
{
    private const string Secret = "s3cr3t";

    private readonly LoopbackHttpServer _server = new();
    private readonly TempFolder _temp = new("cifar-redact");

    public void Dispose()
    {
        _server.Dispose();
        _temp.Dispose();
    }

    [Theory]
    [InlineData("https://user:s3cr3t@mirror.example/c.tar.gz", "https://***@mirror.example/c.tar.gz")]
    [InlineData("https://s3cr3t@mirror.example/c.tar.gz", "https://***@mirror.example/c.tar.gz")]
    [InlineData("https://mirror.example/c.tar.gz?token=s3cr3t", "https://mirror.example/c.tar.gz?token=***")]
    [InlineData("https://b.s3.example/c?X-Amz-Credential=AK%2Fs3cr3t&X-Amz-Signature=s3cr3t&v", "https://b.s3.example/c?X-Amz-Credential=***&X-Amz-Signature=***&***")]
    [InlineData("https://u:p@s3cr3t@mirror.example:8443/c#access_token=s3cr3t", "https://***@mirror.example:8443/c#***")]
    [InlineData("HTTP://USER:s3cr3t@MIRROR/c", "HTTP://***@MIRROR/c")]
    public void Urls_lose_user_info_query_values_and_fragments(string url, string shown)
    {
        Assert.Equal(shown, UrlRedaction.Redact(url));
        Assert.Equal(shown, UrlRedaction.Redact(shown)); // idempotent
    }

    [Theory]
    [InlineData("/data/cifar-10-binary.tar.gz")]
    [InlineData("relative/c.tar.gz")]
    [InlineData("https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz")]
    [InlineData("file:///data/c.tar.gz")]
    public void Sources_without_credentials_are_unchanged(string source) => Assert.Equal(source, UrlRedaction.Redact(source));

    [Fact]
    public void Urls_inside_messages_are_redacted_and_the_sentence_kept()
    {
        Assert.Equal(
            "https://***@m/c.tar.gz?t=***: HTTP 404 Not Found (redirected from 'http://***@m/old')",
            UrlRedaction.Redact("https://u:s3cr3t@m/c.tar.gz?t=s3cr3t: HTTP 404 Not Found (redirected from 'http://u:s3cr3t@m/old')"));
    }

    [Fact]
    public async Task A_dataset_url_with_credentials_is_hidden_in_progress_source_and_errors()
    {
        var generated = new CifarArchiveBuilder(20).Build();
        var good = WithCredentials(_server.Serve("c.tar.gz", generated.Archive));
        var dropping = WithCredentials(_server.Route("drop.tar.gz", LoopbackResponse.DropMidStream(generated.Archive, 1000)));
        var bad = WithCredentials(_server.Route("moved.tar.gz", LoopbackResponse.Redirect(dropping)));
        var progress = new RecordingProgress();

        var files = await new Cifar10Download(generated.Md5s, 20).EnsureAsync(new ArtifactCache(_temp.Combine("a")), good, progress);
        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new Cifar10Download(generated.Md5s, 20).EnsureAsync(new ArtifactCache(_temp.Combine("b")), bad, progress));

        Assert.DoesNotContain(Secret, files.Source, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
        Assert.All(progress.Sources, s => Assert.DoesNotContain(Secret, s, StringComparison.Ordinal));
        Assert.Equal(UrlRedaction.Redact(good), files.Source);
        Assert.StartsWith(UrlRedaction.Redact(bad) + ": connection lost after ", error.Message, StringComparison.Ordinal);
        Assert.True(_server.RequestsFor("c.tar.gz") == 1 && progress.Sources.Count == 2);
    }

    private static string WithCredentials(string url) =>
        url.Replace("http://", $"http://mirror-user:{Secret}@", StringComparison.Ordinal) + $"?token={Secret}";

    private sealed class RecordingProgress : IDownloadProgress
    {
        public List<string> Sources { get; } = [];

        public void Begin(string source, long? totalBytes) => Sources.Add(source);

        public void Report(long bytesDone)
        {
        }

        public void Finish()
        {
        }
    }
}
