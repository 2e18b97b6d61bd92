using Cifar.Data;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Data;

public sealed class SafeArchiveTests : IDisposable
{
    private static readonly ArchiveAllowance Allow = ArchiveAllowance.For(new Dictionary<string, long>
    {
        ["a.bin"] = 100,
        ["b.bin"] = 100,
        ["a"] = 100,
        ["b"] = 100,
        ["fine.bin"] = 100,
        ["evil"] = 100,
        ["big.bin"] = 1_000_000,
    });

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Extracts_files_and_folders_from_tar_gz_and_plain_tar()
    {
        var builder = new TarGzBuilder().AddDirectory("d").AddFile("d/a.bin", [1, 2, 3]).AddFile("b.bin", []);
        foreach (var gzip in new[] { true, false })
        {
            var destination = _temp.Combine(gzip ? "gz" : "tar");
            SafeArchive.Extract(builder.WriteTo(_temp.Combine(gzip ? "x.tar.gz" : "x.tar"), gzip), destination, Allow);

            Assert.Equal([1, 2, 3], File.ReadAllBytes(Path.Combine(destination, "a.bin"))); // flattened
            Assert.Empty(File.ReadAllBytes(Path.Combine(destination, "b.bin")));
        }
    }

    [Theory]
    [InlineData("../evil")]
    [InlineData("ok/../../evil")]
    [InlineData("/tmp/evil")]
    public void Refuses_entries_outside_the_destination(string name)
    {
        var archive = new TarGzBuilder().AddFile("fine.bin", [1]).AddFile(name, [6, 6, 6]).WriteTo(_temp.Combine("x.tar.gz"));
        var destination = _temp.Combine("out", "inner");

        var error = Assert.Throws<InvalidDataException>(() => SafeArchive.Extract(archive, destination, Allow));

        Assert.Equal($"archive entry '{name}' points outside the extraction folder", error.Message);
        Assert.False(File.Exists(_temp.Combine("out", "evil")));
        Assert.False(File.Exists(_temp.Combine("evil")));
    }

    [Fact]
    public void Refuses_links()
    {
        var symlink = new TarGzBuilder().AddSymbolicLink("link", "/etc/passwd").WriteTo(_temp.Combine("s.tar.gz"));
        var hardlink = new TarGzBuilder().AddFile("a", [1]).AddHardLink("b", "a").WriteTo(_temp.Combine("h.tar.gz"));

        var s = Assert.Throws<InvalidDataException>(() => SafeArchive.Extract(symlink, _temp.Combine("s"), Allow));
        var h = Assert.Throws<InvalidDataException>(() => SafeArchive.Extract(hardlink, _temp.Combine("h"), Allow));

        Assert.Equal("archive entry 'link' is a SymbolicLink entry; only files and folders are extracted", s.Message);
        Assert.Equal("archive entry 'b' is a HardLink entry; only files and folders are extracted", h.Message);
    }

    [Fact]
    public void Entry_that_cannot_be_written_is_invalid_data()
    {
        // A folder already sits where the file "a" would go.
        var archive = new TarGzBuilder().AddFile("a", [1]).WriteTo(_temp.Combine("c.tar.gz"));
        Directory.CreateDirectory(_temp.Combine("c", "a"));

        var error = Assert.Throws<InvalidDataException>(() => SafeArchive.Extract(archive, _temp.Combine("c"), Allow));

        Assert.StartsWith("archive entry 'a' cannot be written: ", error.Message);
    }

    [Fact]
    public void Duplicate_entry_is_invalid_data()
    {
        var archive = new TarGzBuilder().AddFile("a", [1]).AddFile("a", [2]).WriteTo(_temp.Combine("d.tar.gz"));

        var error = Assert.Throws<InvalidDataException>(() => SafeArchive.Extract(archive, _temp.Combine("d"), Allow));

        Assert.Equal("archive has a twice (the second is 'a')", error.Message);
    }

    [Fact]
    public void Truncated_archive_is_invalid_data()
    {
        var whole = new TarGzBuilder().AddFile("big.bin", new byte[200_000].Select((_, i) => (byte)(i * 7 % 251)).ToArray()).Build();
        var path = _temp.Combine("t.tar.gz");
        File.WriteAllBytes(path, whole[..(whole.Length / 2)]);

        var error = Assert.Throws<InvalidDataException>(() => SafeArchive.Extract(path, _temp.Combine("t"), Allow));

        Assert.StartsWith("archive is not a readable .tar.gz: ", error.Message);
    }

    [Fact]
    public void Garbage_is_invalid_data()
    {
        var path = _temp.Combine("g.tar.gz");
        File.WriteAllBytes(path, [0x1f, 0x8b, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

        var error = Assert.Throws<InvalidDataException>(() => SafeArchive.Extract(path, _temp.Combine("g"), Allow));

        Assert.StartsWith("archive is not a readable .tar.gz: ", error.Message);
    }
}
