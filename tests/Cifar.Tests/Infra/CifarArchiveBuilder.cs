using System.Security.Cryptography;

namespace Cifar.Tests.Infra;

/// <summary>A generated CIFAR-10-format archive and what is in it, to compare with what the code reads back.</summary>
/// <param name="Archive">The .tar.gz bytes (layout of the official archive: <c>cifar-10-batches-bin/*.bin</c>).</param>
/// <param name="Md5s">The batch files' MD5s in the official order (five training batches, then the test batch), as
/// they were generated, i.e. before any corruption the builder was asked for.</param>
/// <param name="Batches">File name -> file bytes as written into the archive.</param>
public sealed record GeneratedCifarArchive(
    byte[] Archive,
    IReadOnlyList<KeyValuePair<string, string>> Md5s,
    IReadOnlyDictionary<string, byte[]> Batches,
    int RecordsPerBatch)
{
    public const int ImageBytes = 3072;

    /// <summary>Label of record <paramref name="record"/> of a batch file.</summary>
    public byte Label(string file, int record) => Batches[file][record * (ImageBytes + 1)];

    /// <summary>The 3072 pixel bytes (R plane, G plane, B plane) of a record.</summary>
    public ReadOnlySpan<byte> Pixels(string file, int record) => Batches[file].AsSpan(record * (ImageBytes + 1) + 1, ImageBytes);

    public string WriteTo(string path)
    {
        File.WriteAllBytes(path, Archive);
        return path;
    }
}

/// <summary>
/// Builds small CIFAR-10-format archives (few records per batch) with deterministic content: label of record r in
/// batch b is (r + 3b) mod 10, and pixels are pseudo-random from the seed (or, with <see cref="Learnable"/>, tell the
/// class). Can corrupt a batch after its MD5 was taken, omit files, or add extra (hostile) entries.
/// </summary>
public sealed class CifarArchiveBuilder(int recordsPerBatch = 20, int seed = 1)
{
    public static readonly string[] BatchFiles =
        ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin"];

    public static readonly string[] Classes =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    private readonly HashSet<string> _corrupt = [];
    private readonly HashSet<string> _omit = [];
    private readonly List<(string Name, byte[] Content)> _extra = [];
    private string _folder = "cifar-10-batches-bin/";
    private bool _meta = true;
    private bool _learnable;

    /// <summary>Flip one byte of this batch after its MD5 is recorded.</summary>
    public CifarArchiveBuilder Corrupt(string batchFile)
    {
        _corrupt.Add(batchFile);
        return this;
    }

    public CifarArchiveBuilder Omit(string file)
    {
        _omit.Add(file);
        return this;
    }

    /// <summary>
    /// Images a model can learn: class c is a plain colour, channel k at 200 when bit k of (c + 1) is set and at 40
    /// otherwise (classes c and c + 7 share a colour but differ in brightness: the upper half of the image is dimmed
    /// for c >= 7), plus noise of up to ±30. A run that learns reaches far above the 10% of chance.
    /// </summary>
    public CifarArchiveBuilder Learnable()
    {
        _learnable = true;
        return this;
    }

    public CifarArchiveBuilder WithoutMeta()
    {
        _meta = false;
        return this;
    }

    /// <summary>Put the files at the top of the archive instead of in <c>cifar-10-batches-bin/</c> (a repackaged mirror).</summary>
    public CifarArchiveBuilder Flat()
    {
        _folder = "";
        return this;
    }

    /// <summary>An extra entry with exactly this name (e.g. <c>../evil</c>).</summary>
    public CifarArchiveBuilder AddEntry(string name, byte[] content)
    {
        _extra.Add((name, content));
        return this;
    }

    /// <param name="gzip">False gives a plain .tar, which the tool also reads: much faster to build at full size.</param>
    public GeneratedCifarArchive Build(bool gzip = true)
    {
        var random = new Random(seed);
        var batches = new Dictionary<string, byte[]>();
        var md5s = new List<KeyValuePair<string, string>>();
        var tar = new TarGzBuilder();
        if (_folder.Length > 0) tar.AddDirectory(_folder);

        for (var b = 0; b < BatchFiles.Length; b++)
        {
            var name = BatchFiles[b];
            var bytes = new byte[recordsPerBatch * (GeneratedCifarArchive.ImageBytes + 1)];
            random.NextBytes(bytes);
            for (var r = 0; r < recordsPerBatch; r++)
            {
                var label = (r + 3 * b) % 10;
                var record = r * (GeneratedCifarArchive.ImageBytes + 1);
                bytes[record] = (byte)label;
                if (_learnable) PaintClass(bytes.AsSpan(record + 1, GeneratedCifarArchive.ImageBytes), label, random);
            }
#pragma warning disable CA5351 // CIFAR-10 publishes MD5 sums; the generated archive mimics that
            md5s.Add(new(name, Convert.ToHexStringLower(MD5.HashData(bytes))));
#pragma warning restore CA5351
            if (_corrupt.Contains(name)) bytes[bytes.Length / 2] ^= 0xFF;
            batches[name] = bytes;
            if (!_omit.Contains(name)) tar.AddFile(_folder + name, bytes);
        }

        if (_meta && !_omit.Contains("batches.meta.txt"))
            tar.AddFile(_folder + "batches.meta.txt", System.Text.Encoding.ASCII.GetBytes(string.Join('\n', Classes) + "\n\n"));
        foreach (var (name, content) in _extra) tar.AddFile(name, content);

        return new GeneratedCifarArchive(tar.Build(gzip), md5s, batches, recordsPerBatch);
    }

    private static void PaintClass(Span<byte> pixels, int label, Random random)
    {
        const int Plane = 1024;
        var colour = label % 7 + 1;
        for (var channel = 0; channel < 3; channel++)
        {
            var level = (colour >> channel & 1) == 1 ? 200 : 40;
            for (var i = 0; i < Plane; i++)
            {
                var dimmed = label >= 7 && i < Plane / 2 ? level / 4 : level;
                pixels[channel * Plane + i] = (byte)Math.Clamp(dimmed + random.Next(-30, 31), 0, 255);
            }
        }
    }
}
