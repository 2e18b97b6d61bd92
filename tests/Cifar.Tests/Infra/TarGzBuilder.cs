using System.Formats.Tar;
using System.IO.Compression;

namespace Cifar.Tests.Infra;

/// <summary>
/// Builds .tar.gz archives in memory for tests, including hostile ones: names are written as given (so
/// <c>../evil</c> or <c>/etc/x</c> work), and links can be added.
/// </summary>
public sealed class TarGzBuilder
{
    private readonly List<TarEntry> _entries = [];

    public TarGzBuilder AddFile(string name, byte[] content)
    {
        var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content, writable: false) };
        _entries.Add(entry);
        return this;
    }

    public TarGzBuilder AddDirectory(string name)
    {
        _entries.Add(new PaxTarEntry(TarEntryType.Directory, name));
        return this;
    }

    public TarGzBuilder AddSymbolicLink(string name, string target)
    {
        _entries.Add(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target });
        return this;
    }

    public TarGzBuilder AddHardLink(string name, string target)
    {
        _entries.Add(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target });
        return this;
    }

    public TarGzBuilder AddSymbolicOrHardLink(TarEntryType type, string name, string target) =>
        type == TarEntryType.HardLink ? AddHardLink(name, target) : AddSymbolicLink(name, target);

    /// <summary>An entry of any other kind (a device, a FIFO), with no data.</summary>
    public TarGzBuilder AddSpecial(TarEntryType type, string name)
    {
        _entries.Add(new PaxTarEntry(type, name));
        return this;
    }

    /// <summary>The archive, gzip-compressed (<paramref name="gzip"/> false gives a plain .tar).</summary>
    public byte[] Build(bool gzip = true)
    {
        using var tar = new MemoryStream();
        using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var entry in _entries)
            {
                entry.DataStream?.Seek(0, SeekOrigin.Begin);
                writer.WriteEntry(entry);
            }
        }

        if (!gzip) return tar.ToArray();
        using var compressed = new MemoryStream();
        using (var gz = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            tar.Position = 0;
            tar.CopyTo(gz);
        }

        return compressed.ToArray();
    }

    /// <summary>Builds the archive into <paramref name="path"/> and returns the path.</summary>
    public string WriteTo(string path, bool gzip = true)
    {
        File.WriteAllBytes(path, Build(gzip));
        return path;
    }
}
