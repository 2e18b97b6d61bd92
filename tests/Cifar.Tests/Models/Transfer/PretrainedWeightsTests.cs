using Cifar.Data;
using Cifar.Models.Transfer;
using Cifar.Reproducibility;
using Cifar.Specs;
using Cifar.Tests.Infra;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Cifar.Tests.Models.Transfer;

public class PretrainedWeightsTests
{
    private static TransferModelSpec Spec(string b, PretrainedWeights w = PretrainedWeights.ImageNet, string? url = null) =>
        new(b, w, 0, [new DenseLayer(10, Activation.Softmax)], url);

    [Fact]
    public void Resnet18_imagenet_is_the_bundled_cntk_model_unless_the_spec_names_a_weights_file()
    {
        var bundled = PretrainedBases.Plan(Spec("resnet18"));
        Assert.Equal("resnet18-cntk", bundled.Architecture);
        Assert.Null(bundled.WeightsFile);
        Assert.Equal(ChannelNormalization.CntkBgrMeanSubtraction, bundled.InputNormalization);

        var torchvision = PretrainedBases.Plan(Spec("resnet18", url: "/mirror/resnet18-f37072fd.pth"));
        Assert.Equal("resnet18", torchvision.Architecture);
        Assert.Equal("resnet18-f37072fd.pth", torchvision.WeightsFile!.FileName);
        Assert.Equal(ChannelNormalization.ImageNetTorchvision, torchvision.InputNormalization);

        var scratch = PretrainedBases.Plan(Spec("resnet18", PretrainedWeights.None));
        Assert.Equal("resnet18-cntk", scratch.Architecture);
        Assert.Null(scratch.WeightsFile);
    }

    [Theory]
    [InlineData("resnet50", "resnet50", 2048, "0676ba61")]
    [InlineData("mobilenet_v2", "mobilenet_v2", 1280, "b0353104")]
    [InlineData("vgg16", "vgg16", 512, "397923af")]
    public void Downloadable_bases_use_torchvision_files_and_normalization(string b, string architecture, int features, string prefix)
    {
        var plan = PretrainedBases.Plan(Spec(b));
        Assert.Equal(architecture, plan.Architecture);
        Assert.Equal(features, plan.FeatureCount);
        Assert.Equal(prefix, plan.WeightsFile!.Sha256Prefix);
        Assert.StartsWith("https://download.pytorch.org/models/", plan.WeightsFile.Url, StringComparison.Ordinal);
        Assert.Equal(ChannelNormalization.ImageNetTorchvision, plan.InputNormalization);
    }

    [Fact]
    public void Weights_source_is_spec_url_then_mirror_then_official()
    {
        var file = (TorchVisionWeightsFile)TransferBases.ResNet50.Weights[0].Source;
        Assert.Equal("http://a/x.pth", TorchVisionWeights.SourceOf(file, "http://a/x.pth", _ => "http://mirror/"));
        Assert.Equal("http://mirror/models/resnet50-0676ba61.pth", TorchVisionWeights.SourceOf(file, null, _ => "http://mirror/models/"));
        Assert.Equal(Path.Combine("/srv/w", "resnet50-0676ba61.pth"), TorchVisionWeights.SourceOf(file, null, _ => "/srv/w"));
        Assert.Equal("https://download.pytorch.org/models/resnet50-0676ba61.pth", TorchVisionWeights.SourceOf(file, null, _ => null));
        Assert.Equal("https://m/models/resnet50-0676ba61.pth?token=abc", TorchVisionWeights.SourceOf(file, null, _ => "https://m/models/?token=abc"));
    }

    [TorchFact]
    public async Task Downloaded_state_dict_is_verified_cached_and_loaded()
    {
        using var folder = new TempFolder();
        using var server = new LoopbackHttpServer();
        manual_seed(7);
        using var original = PretrainedBases.CreateRandom(TransferBases.MobileNetV2);
        var saved = folder.Combine("saved.pth");
        original.save_py(saved);
        var sha = Hashing.Sha256HexOfFile(saved);
        var file = new TorchVisionWeightsFile($"mobilenet_v2-{sha[..8]}.pth", server.Serve("w.pth", File.ReadAllBytes(saved)));
        var cache = new ArtifactCache(folder.Combine("cache"));

        var path = await TorchVisionWeights.GetAsync(file, cache);
        var again = await TorchVisionWeights.GetAsync(file, cache);
        using var loaded = PretrainedBases.Load(TransferBases.MobileNetV2, TransferBases.MobileNetV2.Weights[0], path);

        Assert.Equal(1, server.RequestsFor("w.pth"));
        Assert.Equal(path, again);
        Assert.Equal(cache.PathOf($"weights/{file.FileName}"), path);
        Assert.Equal(sha, loaded.Description.WeightsSha256);
        var expected = original.state_dict();
        foreach (var (key, value) in loaded.state_dict())
            Assert.True(value.equal(expected[key]).all().item<bool>(), key);
    }

    [Fact]
    public async Task Hash_mismatch_is_a_download_error_and_leaves_the_cache_empty()
    {
        using var folder = new TempFolder();
        using var server = new LoopbackHttpServer();
        var file = new TorchVisionWeightsFile("resnet50-0676ba61.pth", server.Serve("r.pth", [1, 2, 3, 4]));
        var cache = new ArtifactCache(folder.Combine("cache"));

        var error = await Assert.ThrowsAsync<CifarUserException>(() => TorchVisionWeights.GetAsync(file, cache));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.Contains("0676ba61", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(folder.Contents("cache"), p => p.StartsWith("weights/", StringComparison.Ordinal));
    }

    [Fact]
    public void Official_files_pin_a_full_sha256_that_matches_their_name()
    {
        var files = TransferBases.All.SelectMany(b => b.Weights).Select(w => w.Source).OfType<TorchVisionWeightsFile>().ToList();
        Assert.Equal(4, files.Count);
        foreach (var file in files)
        {
            Assert.Matches("^[0-9a-f]{64}$", file.Sha256!);
            Assert.StartsWith(file.Sha256Prefix, file.Sha256, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_file_matching_only_the_name_prefix_is_refused_when_the_full_hash_is_known()
    {
        // The served bytes have the prefix of the name, so torch.hub's 32-bit check would pass; the full hash does not.
        using var folder = new TempFolder();
        using var server = new LoopbackHttpServer();
        byte[] body = [1, 2, 3, 4];
        var sha = Hashing.Sha256Hex(body);
        var pinned = sha[..8] + new string('0', 56);
        var file = new TorchVisionWeightsFile($"resnet50-{sha[..8]}.pth", server.Serve("r.pth", body), pinned);

        var error = await Assert.ThrowsAsync<CifarUserException>(() => TorchVisionWeights.GetAsync(file, new ArtifactCache(folder.Combine("cache"))));

        Assert.Equal((UserErrorKind.Download, $"{file.Url}: sha256 is {sha}, expected {pinned} (the published {file.FileName})"), (error.Kind, error.Message));
        Assert.DoesNotContain(folder.Contents("cache"), p => p.StartsWith("weights/", StringComparison.Ordinal));
    }

    [TorchFact]
    public void A_state_dict_of_another_architecture_is_a_download_error()
    {
        using var folder = new TempFolder();
        using var other = nn.Linear(3, 2);
        var path = folder.Combine("linear.pth");
        other.save_py(path);

        var error = Assert.Throws<CifarUserException>(() => PretrainedBases.Load(TransferBases.MobileNetV2, TransferBases.MobileNetV2.Weights[0], path));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.Contains("features.0.0.weight", error.Message, StringComparison.Ordinal);
    }

    [TorchFact]
    public async Task Resnet18_bases_from_a_spec_need_no_network()
    {
        using var folder = new TempFolder();
        var cache = new ArtifactCache(folder.Combine("cache"));
        manual_seed(1);

        using var imagenet = await PretrainedBases.CreateAsync(Spec("resnet18"), cache);
        using var scratch = await PretrainedBases.CreateAsync(Spec("resnet18", PretrainedWeights.None), cache);

        Assert.Equal("resnet18-cntk", imagenet.Description.Architecture);
        Assert.Equal(CntkResNet18.Sha256, imagenet.Description.WeightsSha256);
        Assert.Equal("resnet18-cntk", scratch.Description.Architecture);
        Assert.Equal(PretrainedBases.HashStateDict(scratch), scratch.Description.WeightsSha256);
        Assert.StartsWith("none", scratch.Description.Weights, StringComparison.Ordinal);
        Assert.Equal(0, imagenet.TrainableParameterCount);
        Assert.Empty(folder.Contents("cache"));
    }

    [Fact]
    public async Task Spec_weights_url_can_be_a_local_file()
    {
        using var folder = new TempFolder();
        var local = folder.Combine("resnet50.pth");
        await File.WriteAllBytesAsync(local, [9, 9]);
        var cache = new ArtifactCache(folder.Combine("cache"));

        var error = await Assert.ThrowsAsync<CifarUserException>(() => TorchVisionWeights.GetAsync((TorchVisionWeightsFile)TransferBases.ResNet50.Weights[0].Source, cache, local));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.StartsWith(local, error.Message, StringComparison.Ordinal);
    }
}
