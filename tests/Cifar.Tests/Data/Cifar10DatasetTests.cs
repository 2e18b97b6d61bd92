using Cifar.Data;
using Cifar.Tests.Infra;
using static TorchSharp.torch;

namespace Cifar.Tests.Data;

public sealed class Cifar10DatasetTests : IDisposable
{
    private const int Records = 20;

    private readonly TempFolder _cache = new("cifar-cache");
    private readonly TempFolder _files = new("cifar-files");

    public void Dispose()
    {
        _cache.Dispose();
        _files.Dispose();
    }

    [TorchFact]
    public async Task Reads_back_every_label_and_pixel_exactly()
    {
        var generated = new CifarArchiveBuilder(Records, seed: 7).Build();
        var files = await Install(generated);

        using var dataset = Cifar10Dataset.Load(files);

        Assert.Equal([5L * Records, 3, 32, 32], dataset.TrainImages.shape);
        Assert.Equal([(long)Records, 3, 32, 32], dataset.TestImages.shape);
        Assert.Equal((ScalarType.Byte, ScalarType.Int64), (dataset.TrainImages.dtype, dataset.TrainLabels.dtype));
        Assert.True(dataset.TrainImages.is_contiguous());
        Assert.Equal(CifarArchiveBuilder.Classes, dataset.Classes);

        var trainPixels = dataset.TrainImages.data<byte>().ToArray();
        var trainLabels = dataset.TrainLabels.data<long>().ToArray();
        for (var b = 0; b < 5; b++)
        {
            var file = CifarArchiveBuilder.BatchFiles[b];
            for (var r = 0; r < Records; r++)
            {
                var i = b * Records + r;
                Assert.Equal(generated.Label(file, r), trainLabels[i]);
                Assert.True(generated.Pixels(file, r).SequenceEqual(trainPixels.AsSpan(i * 3072, 3072)), $"{file} record {r}");
            }
        }

        var testPixels = dataset.TestImages.data<byte>().ToArray();
        var testLabels = dataset.TestLabels.data<long>().ToArray();
        for (var r = 0; r < Records; r++)
        {
            Assert.Equal(generated.Label("test_batch.bin", r), testLabels[r]);
            Assert.True(generated.Pixels("test_batch.bin", r).SequenceEqual(testPixels.AsSpan(r * 3072, 3072)));
        }

        // Channel planes: record 0's first red pixel, first green pixel (offset 1024) and first blue pixel (offset 2048).
        var first = generated.Pixels("data_batch_1.bin", 0);
        Assert.Equal(first[0], dataset.TrainImages[0, 0, 0, 0].item<byte>());
        Assert.Equal(first[1024], dataset.TrainImages[0, 1, 0, 0].item<byte>());
        Assert.Equal(first[2048 + 33], dataset.TrainImages[0, 2, 1, 1].item<byte>());
    }

    [TorchFact]
    public async Task Modified_cached_file_is_a_download_error_telling_how_to_recover()
    {
        var files = await Install(new CifarArchiveBuilder(Records).Build());
        var batch = Path.Combine(files.Folder, "data_batch_2.bin");
        await File.WriteAllBytesAsync(batch, new byte[100]);

        var error = Assert.Throws<CifarUserException>(() => Cifar10Dataset.Load(files));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.Equal($"{batch} is 100 bytes, expected {Records * 3073}; the cached dataset was modified: delete {files.Folder} to download it again", error.Message);
    }

    private async Task<Cifar10Files> Install(GeneratedCifarArchive generated) =>
        await new Cifar10Download(generated.Md5s, generated.RecordsPerBatch)
            .EnsureAsync(new ArtifactCache(_cache.Path), generated.WriteTo(_files.Combine("c.tar.gz")));
}
