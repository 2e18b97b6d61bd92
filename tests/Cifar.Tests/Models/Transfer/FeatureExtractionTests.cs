using Cifar.Data;
using Cifar.Models.Transfer;
using Cifar.Specs;
using Cifar.Tests.Infra;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Tests.Models.Transfer;

public class FeatureExtractionTests
{
    /// <summary>Features = per-channel image means times a factor; counts its calls and images.</summary>
    private sealed class CountingExtractor(string identity, float factor = 1) : IFeatureExtractor
    {
        public int Calls { get; private set; }

        public long Images { get; private set; }

        public string Identity => identity;

        public int FeatureCount => 3;

        public int BatchSize => 4;

        public Tensor Extract(Tensor images)
        {
            Calls++;
            Images += images.shape[0];
            return images.to_type(ScalarType.Float32).mean([2, 3]).mul(factor);
        }

        public void Dispose()
        {
        }
    }

    private sealed class RecordingProgress : IExtractionProgress
    {
        public List<string> Events { get; } = [];

        public void Begin(string description, long totalImages) => Events.Add($"begin {description} {totalImages}");

        public void Report(long imagesDone) => Events.Add($"{imagesDone}");

        public void Finish() => Events.Add("finish");
    }

    private static readonly ImageSubset Train = new("d4t4", "train", [5, 3, 8, 1, 0, 9, 2, 7, 4, 6]);

    private static Tensor Images(int n = 10) => rand([n, 3, 8, 8], generator: new Generator(42));

    [TorchFact]
    public void Second_run_reads_the_cache_and_extracts_nothing()
    {
        using var folder = new TempFolder();
        var cache = new FeatureCache(folder.Path);
        using var images = Images();
        var extractor = new CountingExtractor("fake|base|w1|norm|8x8");
        var progress = new RecordingProgress();

        using var first = FeatureExtraction.GetOrExtract(extractor, cache, Train, images, ChannelNormalization.Rescale, progress);
        Assert.Equal(3, extractor.Calls); // batches of 4, 4, 2
        Assert.Equal(["begin train features 10", "4", "8", "10", "finish"], progress.Events);

        using var second = FeatureExtraction.GetOrExtract(extractor, cache, Train, images, ChannelNormalization.Rescale, progress);

        Assert.Equal(3, extractor.Calls);
        Assert.Equal(10, extractor.Images);
        Assert.True(first.equal(second).all().item<bool>());
        Assert.True(first.allclose(images.mean([2, 3])));
        var entry = new FeatureCacheKey(extractor.Identity, ChannelNormalization.Rescale, Train).Hash;
        Assert.Equal([entry, $"{entry}/chunk-00000.bin", $"{entry}/complete"], folder.Contents());
    }

    [TorchFact]
    public void A_different_extractor_normalization_or_image_subset_is_a_cache_miss()
    {
        using var folder = new TempFolder();
        var cache = new FeatureCache(folder.Path);
        using var images = Images();
        var rescale = ChannelNormalization.Rescale;
        using var _ = FeatureExtraction.GetOrExtract(new CountingExtractor("fake|base|w1|8x8"), cache, Train, images, rescale);

        var otherWeights = new CountingExtractor("fake|base|w2|8x8", factor: 2);
        using var fromOtherWeights = FeatureExtraction.GetOrExtract(otherWeights, cache, Train, images, rescale);
        var otherSize = new CountingExtractor("fake|base|w1|16x16");
        using var fromOtherSize = FeatureExtraction.GetOrExtract(otherSize, cache, Train, images, rescale);
        var otherNormalization = new CountingExtractor("fake|base|w1|8x8");
        using var fromOtherNormalization = FeatureExtraction.GetOrExtract(otherNormalization, cache, Train, images, ChannelNormalization.ImageNetTorchvision);
        var reordered = new CountingExtractor("fake|base|w1|8x8");
        using var fromReordered = FeatureExtraction.GetOrExtract(reordered, cache, Train with { Indices = [.. Train.Indices.Reverse()] }, images, rescale);
        var otherDataset = new CountingExtractor("fake|base|w1|8x8");
        using var fromOtherDataset = FeatureExtraction.GetOrExtract(otherDataset, cache, Train with { DatasetSha256 = "0ther" }, images, rescale);
        var same = new CountingExtractor("fake|base|w1|8x8");
        using var fromSame = FeatureExtraction.GetOrExtract(same, cache, Train, images, rescale);

        Assert.Equal(3, otherWeights.Calls);
        Assert.True(fromOtherWeights.allclose(images.mean([2, 3]).mul(2)));
        Assert.Equal([3, 3, 3, 3, 0], new[] { otherSize, otherNormalization, reordered, otherDataset, same }.Select(e => e.Calls));
        Assert.Equal(6, Directory.GetDirectories(folder.Path).Length); // one chunked entry per key
    }

    [Fact]
    public void Cache_key_changes_with_image_size_weights_engine_and_normalization()
    {
        var description = new BaseDescription("resnet50", "resnet50", 2048, ChannelNormalization.ImageNetTorchvision, "imagenet", "abc");
        string Key(string identity, ChannelNormalization normalization) => new FeatureCacheKey(identity, normalization, Train).Hash;
        var imagenet = ChannelNormalization.ImageNetTorchvision;
        var reference = Key(FeatureExtractors.Identity("torchsharp", description, 224), imagenet);

        string[] variants =
        [
            Key(FeatureExtractors.Identity("torchsharp", description, 96), imagenet),
            Key(FeatureExtractors.Identity("torchsharp", description with { WeightsSha256 = "abd" }, 224), imagenet),
            Key(FeatureExtractors.Identity("torchsharp", description with { Architecture = "resnet18" }, 224), imagenet),
            Key(FeatureExtractors.Identity("onnxruntime", description, 224), imagenet),
            Key(FeatureExtractors.Identity("torchsharp", description, 224), ChannelNormalization.CntkBgrMeanSubtraction),
            Key(FeatureExtractors.Identity("torchsharp", description, 224), imagenet with { Mean = [0.485, 0.456, 0.407] }),
        ];

        Assert.Equal(variants.Length + 1, variants.Append(reference).Distinct().Count());
        Assert.Equal(reference, Key(FeatureExtractors.Identity("torchsharp", description with { Weights = "renamed" }, 224), imagenet));
    }

    [TorchFact]
    public void A_damaged_or_foreign_cache_file_is_ignored_and_replaced()
    {
        using var folder = new TempFolder();
        var cache = new FeatureCache(folder.Path);
        using var images = Images();
        var extractor = new CountingExtractor("fake|base|w1|norm|8x8");
        var path = cache.PathOf(new FeatureCacheKey(extractor.Identity, ChannelNormalization.Rescale, Train));
        Directory.CreateDirectory(folder.Path);
        File.WriteAllBytes(path, [1, 2, 3]);

        using var features = FeatureExtraction.GetOrExtract(extractor, cache, Train, images, ChannelNormalization.Rescale);
        using var reread = FeatureExtraction.GetOrExtract(extractor, cache, Train, images, ChannelNormalization.Rescale);

        Assert.Equal(3, extractor.Calls);
        Assert.True(features.equal(reread).all().item<bool>());
        Assert.DoesNotContain(folder.Contents(), p => p.EndsWith(".tmp", StringComparison.Ordinal));
    }

    [TorchFact]
    public void Uint8_images_are_normalized_batch_by_batch_into_the_same_features()
    {
        using var folder = new TempFolder();
        var cache = new FeatureCache(folder.Path);
        using var pixels = randint(0, 256, [10, 3, 8, 8], generator: new Generator(7)).to_type(ScalarType.Byte);
        var normalization = ChannelNormalization.CntkBgrMeanSubtraction;
        using var normalized = normalization.Apply(pixels);
        var extractor = new CountingExtractor("fake|base|w1|8x8");

        using var fromPixels = FeatureExtraction.Extract(extractor, pixels, normalization);
        using var fromNormalized = FeatureExtraction.Extract(extractor, normalized);
        using var cached = FeatureExtraction.GetOrExtract(extractor, cache, Train, pixels, normalization);
        using var reread = FeatureExtraction.GetOrExtract(extractor, cache, Train, normalized, normalization);

        Assert.Equal(3 + 3 + 3, extractor.Calls); // batches of 4, 4, 2; the reread comes from the cache
        Assert.True(fromPixels.equal(fromNormalized).all().item<bool>());
        Assert.True(cached.equal(fromNormalized).all().item<bool>());
        Assert.True(reread.equal(fromNormalized).all().item<bool>());
        Assert.Throws<ArgumentException>(() => FeatureExtraction.Extract(extractor, pixels));
    }

    [TorchFact]
    public void Torch_extractor_runs_the_base_in_eval_mode_without_changing_it()
    {
        manual_seed(3);
        using var pretrained = PretrainedBases.CreateRandom(TransferBases.MobileNetV2);
        pretrained.train();
        var before = pretrained.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        using var images = ChannelNormalization.ImageNetTorchvision.Apply(randint(0, 256, [5, 3, 32, 32]).to_type(ScalarType.Byte));
        using var extractor = new TorchFeatureExtractor(pretrained, imageSize: 48, batchSize: 2);

        using var features = FeatureExtraction.Extract(extractor, images);

        Assert.Equal(new long[] { 5, 1280 }, features.shape);
        Assert.True(pretrained.training);
        foreach (var (key, value) in pretrained.state_dict()) Assert.True(value.equal(before[key]).all().item<bool>(), key);
        pretrained.eval();
        using var expected = pretrained.call(ImageBatches.Resize(images, 48));
        Assert.True(features.allclose(expected, rtol: 1e-4, atol: 1e-5));
        Assert.Contains("|mobilenet_v2|weights:", extractor.Identity, StringComparison.Ordinal);
        Assert.EndsWith("|48x48", extractor.Identity, StringComparison.Ordinal);
    }
}
