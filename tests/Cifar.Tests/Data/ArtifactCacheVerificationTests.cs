using Cifar.Data;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Data;

/// <summary>
/// The cache's checks before an entry becomes visible: a folder entry whose unpacked content fails its check, the
/// SHA-256 and MD5 helpers the verify callbacks use, and messages that never leak a URL's credentials.
/// </summary>
public sealed class ArtifactCacheVerificationTests : IDisposable
{
    private readonly LoopbackHttpServer _server = new();
    private readonly TempFolder _cache = new("cifar-cache");

    public void Dispose()
    {
        _server.Dispose();
        _cache.Dispose();
    }

    private static byte[] Archive() => new TarGzBuilder().AddDirectory("top").AddFile("top/a.txt", "alpha"u8.ToArray()).Build();

    /// <summary>The unpack step these tests give the cache: the archive's one file, flattened, as SafeArchive keeps files.</summary>
    private static void Unpack(string archive, string staging) =>
        SafeArchive.Extract(archive, staging, ArchiveAllowance.For(new Dictionary<string, long>(StringComparer.Ordinal) { ["a.txt"] = 64 }));

    [Fact]
    public async Task A_folder_whose_content_fails_its_check_is_a_download_error_and_leaves_nothing()
    {
        var url = _server.Serve("a.tar.gz", Archive());

        var error = await Assert.ThrowsAsync<CifarUserException>(() => new ArtifactCache(_cache.Path).GetDirectoryAsync(url, "unpacked",
            (archive, staging) =>
            {
                Unpack(archive, staging);
                throw new InvalidDataException("top/b.txt is missing");
            }));

        Assert.Equal((UserErrorKind.Download, $"{url}: top/b.txt is missing"), (error.Kind, error.Message));
        Assert.Equal([".locks"], _cache.Contents().Where(p => !p.StartsWith(".locks/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_local_archive_is_unpacked_in_place_and_a_missing_one_is_a_download_error()
    {
        using var source = new TempFolder();
        var archive = source.Combine("a.tar.gz");
        await File.WriteAllBytesAsync(archive, Archive());
        string? unpackedFrom = null;
        var cache = new ArtifactCache(_cache.Path);

        var folder = await cache.GetDirectoryAsync(archive, "unpacked", (file, staging) =>
        {
            unpackedFrom = file;
            Unpack(file, staging);
        });

        Assert.Equal(archive, unpackedFrom);
        Assert.Equal("alpha", await File.ReadAllTextAsync(Path.Combine(folder, "a.txt")));
        var missing = source.Combine("nowhere.tar.gz");
        var error = await Assert.ThrowsAsync<CifarUserException>(() => cache.GetDirectoryAsync(missing, "other", Unpack));
        Assert.Equal((UserErrorKind.Download, $"{missing}: file not found"), (error.Kind, error.Message));
        Assert.False(Directory.Exists(_cache.Combine("other")));
    }

    [Fact]
    public async Task An_installed_folder_is_returned_without_a_request_or_a_check()
    {
        var url = _server.Serve("a.tar.gz", Archive());
        await new ArtifactCache(_cache.Path).GetDirectoryAsync(url, "unpacked", Unpack);

        var again = await new ArtifactCache(_cache.Path).GetDirectoryAsync(url, "unpacked", (_, _) => throw new InvalidOperationException("not re-checked"));

        Assert.Equal(_cache.Combine("unpacked"), again);
        Assert.Equal(1, _server.RequestCount);
    }

    [Fact]
    public async Task Messages_never_show_the_credentials_of_a_url()
    {
        var url = _server.Route("w.pth", LoopbackResponse.Error(404));
        var withCredentials = url.Replace("http://", "http://user:secret@", StringComparison.Ordinal);

        var error = await Assert.ThrowsAsync<CifarUserException>(
            () => new ArtifactCache(_cache.Path).GetFileAsync(withCredentials, "w.pth", _ => { }));

        var shown = url.Replace("http://", "http://***@", StringComparison.Ordinal);
        Assert.Equal($"{shown}: HTTP 404 Not Found", error.Message);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
        Assert.Equal(shown, UrlRedaction.Redact(withCredentials));
        Assert.Equal("/data/x.tar.gz", UrlRedaction.Redact("/data/x.tar.gz"));
    }

    [Fact]
    public void Sha256_check_accepts_any_letter_case_and_names_both_hashes_when_they_differ()
    {
        using var folder = new TempFolder();
        var file = folder.Combine("f.bin");
        File.WriteAllBytes(file, "abc"u8.ToArray());
        const string Abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; // FIPS 180-2 example

        FileHashes.RequireSha256(Abc)(file);
        FileHashes.RequireSha256(Abc.ToUpperInvariant())(file);
        var wrong = "AB" + Abc[2..];
        var error = Assert.Throws<InvalidDataException>(() => FileHashes.RequireSha256(wrong)(file));
        Assert.Equal($"sha256 is {Abc}, expected {wrong.ToLowerInvariant()}", error.Message);
        Assert.Throws<ArgumentException>(() => FileHashes.RequireSha256(" "));
    }

    [Fact]
    public void Md5_is_the_lowercase_hex_of_the_file()
    {
        using var folder = new TempFolder();
        var file = folder.Combine("f.bin");
        File.WriteAllBytes(file, "abc"u8.ToArray());

        Assert.Equal("900150983cd24fb0d6963f7d28e17f72", FileHashes.Md5(file)); // RFC 1321 test suite
    }
}
