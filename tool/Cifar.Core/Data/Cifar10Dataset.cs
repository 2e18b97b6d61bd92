using System.Globalization;
using System.IO.Hashing;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Data;

/// <summary>
/// CIFAR-10 in memory as raw pixels: one contiguous uint8 tensor per split ([50000,3,32,32] train, [10000,3,32,32]
/// test, channels RGB) and int64 labels, in file order. About 180 MB. Prepare it with <see cref="DataPreparation"/>.
/// </summary>
/// <remarks>
/// TorchVision's <c>datasets.CIFAR10</c> reads the same binary files but keeps one float tensor per image, scaled by
/// 1/256, so it is not used here.
/// </remarks>
public sealed class Cifar10Dataset : IDisposable
{
    internal Cifar10Dataset(Tensor trainImages, Tensor trainLabels, Tensor testImages, Tensor testLabels, Cifar10Files files)
    {
        (TrainImages, TrainLabels, TestImages, TestLabels, Files) = (trainImages, trainLabels, testImages, testLabels, files);
    }

    /// <summary>uint8 [N,3,32,32], RGB, the five training batches in order.</summary>
    public Tensor TrainImages { get; }

    /// <summary>int64 [N], 0-9.</summary>
    public Tensor TrainLabels { get; }

    /// <summary>uint8 [N,3,32,32], RGB, the test batch.</summary>
    public Tensor TestImages { get; }

    /// <summary>int64 [N], 0-9.</summary>
    public Tensor TestLabels { get; }

    /// <summary>Where the data came from, its content hash and class names (for reports).</summary>
    public Cifar10Files Files { get; }

    public IReadOnlyList<string> Classes => Files.Classes;

    public int TrainCount => (int)TrainLabels.shape[0];

    public int TestCount => (int)TestLabels.shape[0];

    /// <summary>
    /// Reads the verified batch files of <paramref name="files"/>, checking every byte read against
    /// <see cref="Cifar10Files.Checksums"/>, so the dataset hash in a report always describes the bytes trained on.
    /// </summary>
    /// <exception cref="CifarUserException">Kind Download: a file is missing, has the wrong size, a label outside 0-9
    /// or other bytes than when it was verified (the cached copy was modified; deleting its folder makes the next run
    /// download it again).</exception>
    public static Cifar10Dataset Load(Cifar10Files files)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Checksums is null)
            throw new ArgumentException("The files carry no checksums to check the data against; get them from Cifar10Download.EnsureAsync.", nameof(files));
        var (trainImages, trainLabels) = ReadSplit(files, Cifar10Download.TrainFiles);
        var (testImages, testLabels) = ReadSplit(files, [Cifar10Download.TestFile]);
        return new Cifar10Dataset(trainImages, trainLabels, testImages, testLabels, files);
    }

    public void Dispose()
    {
        TrainImages.Dispose();
        TrainLabels.Dispose();
        TestImages.Dispose();
        TestLabels.Dispose();
    }

    /// <summary>Reads batch files into one pixel buffer and one label buffer, then wraps each in a tensor.</summary>
    private static (Tensor Images, Tensor Labels) ReadSplit(Cifar10Files files, IReadOnlyList<string> names)
    {
        var perFile = files.RecordsPerBatch;
        var count = perFile * names.Count;
        var pixels = new byte[(long)count * Cifar10Download.ImageBytes];
        var labels = new long[count];
        var record = new byte[Cifar10Download.RecordBytes];

        for (var f = 0; f < names.Count; f++)
        {
            var path = Path.Combine(files.Folder, names[f]);
            var expected = (long)perFile * Cifar10Download.RecordBytes;
            try
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan);
                if (stream.Length != expected) throw Damaged(path, $"is {stream.Length} bytes, expected {expected}");
                var checksum = new XxHash128();
                for (var r = 0; r < perFile; r++)
                {
                    stream.ReadExactly(record);
                    checksum.Append(record);
                    var i = f * perFile + r;
                    if (record[0] > 9) throw Damaged(path, string.Create(CultureInfo.InvariantCulture, $"record {r} has label {record[0]}, expected 0-9"));
                    labels[i] = record[0];
                    record.AsSpan(1).CopyTo(pixels.AsSpan(i * Cifar10Download.ImageBytes, Cifar10Download.ImageBytes));
                }

                var actual = Convert.ToHexStringLower(checksum.GetCurrentHash());
                if (!files.Checksums!.TryGetValue(names[f], out var verified) || !string.Equals(actual, verified, StringComparison.OrdinalIgnoreCase))
                    throw Damaged(path, $"has changed since it was verified (xxh128 {actual}, expected {verified ?? "none"})");
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                throw Damaged(path, "is missing");
            }
        }

        // torch.tensor on an array pins it and shares its memory rather than copying 150 MB.
        return (torch.tensor(pixels, [count, 3, 32, 32]), torch.tensor(labels, [count]));
    }

    private static CifarUserException Damaged(string path, string what) =>
        new(UserErrorKind.Download,
            $"{path} {what}; the cached dataset was modified: delete {Path.GetDirectoryName(path)} to download it again");
}
