using Cifar.Data;
using Cifar.Specs;
using Cifar.Tests.Infra;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Tests.Data;

public sealed class DataPreparationTests
{
    private const int TrainCount = 1000;
    private const int TestCount = 200;

    [TorchFact]
    public void Validation_split_is_disjoint_from_train_and_drawn_from_training_images_only()
    {
        using var dataset = Dataset();

        using var data = DataPreparation.Prepare(dataset, Spec(validationSplit: 0.2), seed: 42);

        Assert.Equal((800, 200, TestCount), (data.Train.Count, data.Validation.Count, data.Test.Count));
        Assert.Empty(data.Train.SourceIndices.Intersect(data.Validation.SourceIndices));
        Assert.Equal(Enumerable.Range(0, TrainCount), data.Train.SourceIndices.Concat(data.Validation.SourceIndices).Order());
        Assert.Equal(Enumerable.Range(0, TestCount), data.Test.SourceIndices);
        Assert.True(IsAscending(data.Train.SourceIndices) && IsAscending(data.Validation.SourceIndices));
        // Each row is the image and label of its source index (pixel values encode the index, see Dataset()).
        AssertRowsMatch(dataset.TrainImages, dataset.TrainLabels, data.Validation, data.Normalization);
        AssertRowsMatch(dataset.TrainImages, dataset.TrainLabels, data.Train, data.Normalization);
        AssertRowsMatch(dataset.TestImages, dataset.TestLabels, data.Test, data.Normalization);
    }

    [TorchFact]
    public void Split_and_subsets_are_deterministic_per_seed()
    {
        using var dataset = Dataset();
        var spec = Spec(trainSamples: 500, testSamples: 50);

        using var a = DataPreparation.Prepare(dataset, spec, seed: 1);
        using var b = DataPreparation.Prepare(dataset, spec, seed: 1);
        using var c = DataPreparation.Prepare(dataset, spec, seed: 2);

        Assert.Equal(a.Validation.SourceIndices, b.Validation.SourceIndices);
        Assert.Equal(a.Train.SourceIndices, b.Train.SourceIndices);
        Assert.Equal(a.Test.SourceIndices, b.Test.SourceIndices);
        Assert.True(Identical(a.Train.Images, b.Train.Images));
        Assert.NotEqual(a.Validation.SourceIndices, c.Validation.SourceIndices);
        Assert.NotEqual(a.Test.SourceIndices, c.Test.SourceIndices);
    }

    [TorchFact]
    public void Test_set_does_not_depend_on_the_validation_split()
    {
        using var dataset = Dataset();

        using var a = DataPreparation.Prepare(dataset, Spec(validationSplit: 0.1, testSamples: 50), seed: 3);
        using var b = DataPreparation.Prepare(dataset, Spec(validationSplit: 0.5, testSamples: 50), seed: 3);

        Assert.Equal(a.Test.SourceIndices, b.Test.SourceIndices);
        Assert.True(Identical(a.Test.Images, b.Test.Images));
    }

    [TorchFact]
    public void Subset_sizes_follow_the_spec()
    {
        using var dataset = Dataset();

        using var data = DataPreparation.Prepare(dataset, Spec(validationSplit: 0.25, trainSamples: 300, testSamples: 70), seed: 5);

        Assert.Equal((225, 75, 70), (data.Train.Count, data.Validation.Count, data.Test.Count));
        Assert.Equal([225L, 3, 32, 32], data.Train.Images.shape);
        Assert.Equal([75L], data.Validation.Labels.shape);
        Assert.Equal([70L, 3, 32, 32], data.Test.Images.shape);
        Assert.Equal(300, data.Train.SourceIndices.Concat(data.Validation.SourceIndices).Distinct().Count());
        Assert.Equal(70, data.Test.SourceIndices.Distinct().Count());
        Assert.All(data.Test.SourceIndices, i => Assert.InRange(i, 0, TestCount - 1));
        Assert.Equal((ScalarType.Byte, ScalarType.Int64), (data.Train.Images.dtype, data.Train.Labels.dtype));
        Assert.True(data.Train.Images.is_contiguous() && data.Validation.Images.is_contiguous() && data.Test.Images.is_contiguous());
    }

    [TorchFact]
    public void Subset_larger_than_the_dataset_is_invalid_input()
    {
        using var dataset = Dataset();

        var error = Assert.Throws<CifarUserException>(() => DataPreparation.Prepare(dataset, Spec(trainSamples: 5000), seed: 1));

        Assert.Equal((UserErrorKind.InvalidInput, "data.train_samples is 5000; the training set has 1000 images"), (error.Kind, error.Message));
    }

    [TorchFact]
    public void Split_leaving_no_validation_image_is_invalid_input()
    {
        using var dataset = Dataset();

        var error = Assert.Throws<CifarUserException>(() => DataPreparation.Prepare(dataset, Spec(validationSplit: 0.1, trainSamples: 4), seed: 1));

        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        Assert.StartsWith("data.validation_split is 0.1; with 4 training images that leaves 0 for validation", error.Message);
    }

    [TorchFact]
    public void Standardize_uses_statistics_of_the_training_split_only()
    {
        using var dataset = Dataset();

        using var data = DataPreparation.Prepare(dataset, Spec(Normalization.Standardize, validationSplit: 0.3), seed: 9);

        // Expected statistics from the training split's raw pixels alone, in float64.
        using var index = torch.tensor(data.Train.SourceIndices.Select(i => (long)i).ToArray());
        using var raw = dataset.TrainImages.index_select(0, index).to_type(ScalarType.Float64).div(255.0);
        using var pool = dataset.TrainImages.to_type(ScalarType.Float64).div(255.0);
        for (var c = 0; c < 3; c++)
        {
            using var channel = raw.select(1, c);
            Assert.Equal(channel.mean().item<double>(), data.Normalization.Mean[c], 9);
            Assert.Equal(channel.std(unbiased: false).item<double>(), data.Normalization.Std[c], 9);
            using var poolChannel = pool.select(1, c);
            Assert.NotEqual(poolChannel.mean().item<double>(), data.Normalization.Mean[c], 4);
        }

        using var applied = data.Normalization.Apply(data.Train.Images);
        using var normalized = applied.to_type(ScalarType.Float64);
        using var mean = normalized.mean([0, 2, 3]);
        using var std = normalized.std([0, 2, 3], unbiased: false);
        Assert.All(mean.data<double>().ToArray(), m => Assert.Equal(0, m, 4));
        Assert.All(std.data<double>().ToArray(), s => Assert.Equal(1, s, 4));
    }

    [TorchFact]
    public void Rescale_divides_by_255()
    {
        using var dataset = Dataset();

        using var data = DataPreparation.Prepare(dataset, Spec(Normalization.Rescale), seed: 1);

        using var expected = dataset.TestImages.to_type(ScalarType.Float32).div(255f);
        using var normalized = data.Normalization.Apply(data.Test.Images);
        Assert.True(normalized.allclose(expected, rtol: 0, atol: 1e-7));
        Assert.Equal("rescale", data.Normalization.Name);
    }

    [TorchFact]
    public void ImageNet_uses_the_base_normalization_or_torchvision_by_default()
    {
        using var dataset = Dataset();

        using var defaulted = DataPreparation.Prepare(dataset, Spec(Normalization.ImageNet), seed: 1);
        using var cntk = DataPreparation.Prepare(dataset, Spec(Normalization.ImageNet), seed: 1, ChannelNormalization.CntkBgrMeanSubtraction);

        Assert.Same(ChannelNormalization.ImageNetTorchvision, defaulted.Normalization);
        var rgb = dataset.TestImages[0, .., 0, 0].data<byte>().ToArray();
        using var torchvision = defaulted.Normalization.Apply(defaulted.Test.Images);
        Assert.Equal((rgb[0] / 255.0 - 0.485) / 0.229, torchvision[0, 0, 0, 0].item<float>(), 5);
        Assert.Equal((rgb[2] / 255.0 - 0.406) / 0.225, torchvision[0, 2, 0, 0].item<float>(), 5);
        // CNTK: BGR order, 0-255, mean subtraction only.
        using var bgr = cntk.Normalization.Apply(cntk.Test.Images);
        Assert.Equal(rgb[2] - 103.1, bgr[0, 0, 0, 0].item<float>(), 4);
        Assert.Equal(rgb[1] - 115.9, bgr[0, 1, 0, 0].item<float>(), 4);
        Assert.Equal(rgb[0] - 123.2, bgr[0, 2, 0, 0].item<float>(), 4);
    }

    [TorchFact]
    public void Resize_is_bilinear_without_aligned_corners()
    {
        using var batch = torch.tensor(new float[] { 0, 1, 2, 3 }).view(1, 1, 2, 2).expand(2, 3, 2, 2).contiguous();

        using var resized = ImageBatches.Resize(batch, 4);
        using var same = ImageBatches.Resize(batch, 2);

        Assert.Equal([2L, 3, 4, 4], resized.shape);
        // align_corners=false: output pixel centres map to input (x+0.5)/2-0.5; first row is 0, 0.25, 0.75, 1.
        Assert.Equal([0f, 0.25f, 0.75f, 1f], resized[1, 2, 0].data<float>().ToArray());
        Assert.True(Identical(same, batch));
        Assert.NotSame(batch, same);
    }

    private static bool Identical(Tensor a, Tensor b)
    {
        using var equal = a.eq(b).all();
        return a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && equal.item<bool>();
    }

    private static bool IsAscending(IReadOnlyList<int> values) => values.Zip(values.Skip(1)).All(p => p.First < p.Second);

    /// <summary>
    /// Checks each prepared row against its source row: labels and raw pixels equal, and the pixels normalize (rescale)
    /// to the rescaled originals.
    /// </summary>
    private static void AssertRowsMatch(Tensor sourceImages, Tensor sourceLabels, Split split, ChannelNormalization normalization)
    {
        using var index = torch.tensor(split.SourceIndices.Select(i => (long)i).ToArray());
        using var labels = sourceLabels.index_select(0, index);
        Assert.True(Identical(labels, split.Labels));
        using var pixels = sourceImages.index_select(0, index);
        Assert.True(Identical(pixels, split.Images));
        using var images = pixels.to_type(ScalarType.Float32).div(255f);
        using var normalized = normalization.Apply(split.Images);
        Assert.True(images.allclose(normalized, rtol: 0, atol: 1e-6));
    }

    private static DataSpec Spec(
        Normalization normalization = Normalization.Rescale, double validationSplit = 0.2, int? trainSamples = null, int? testSamples = null) =>
        new(DatasetName.Cifar10, normalization, validationSplit, BatchSize: 32, ImageSize: null, trainSamples, testSamples, Url: null);

    /// <summary>
    /// An in-memory dataset whose images are told apart by their pixels: image i has red = i mod 256 everywhere, green
    /// and blue pseudo-random; so the pool's and a split's channel statistics differ.
    /// </summary>
    private static Cifar10Dataset Dataset()
    {
        Tensor Images(int n, int seed)
        {
            using var generator = new Generator((ulong)seed);
            var images = torch.randint(0, 256, [n, 3, 32, 32], dtype: ScalarType.Byte, generator: generator);
            using var red = torch.arange(n, dtype: ScalarType.Int64).remainder(256).to_type(ScalarType.Byte).view(n, 1, 1).expand(n, 32, 32);
            images.select(1, 0).copy_(red);
            return images;
        }

        Tensor Labels(int n) => torch.arange(n, dtype: ScalarType.Int64).remainder(10);

        var files = new Cifar10Files("/nowhere", "test", "hash", Cifar10Download.StandardClasses, FromCache: true, 100);
        return new Cifar10Dataset(Images(TrainCount, 1), Labels(TrainCount), Images(TestCount, 2), Labels(TestCount), files);
    }
}
