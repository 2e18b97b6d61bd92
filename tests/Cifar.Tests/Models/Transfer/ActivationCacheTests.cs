using Cifar.Data;
using Cifar.Models.Transfer;
using Cifar.Specs;
using Cifar.Tests.Infra;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Tests.Models.Transfer;

/// <summary>
/// The activation cache of a fine-tuning (issue 14 point 1): what it holds equals the frozen stages' output, the model
/// continued from it gives the whole network's logits, and its key changes with everything the activations depend on.
/// </summary>
[Collection("libtorch")]
public sealed class ActivationCacheTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static readonly ImageSubset Subset = new("d4t4", "train", [4, 0, 7, 1, 3, 9, 2, 8, 6, 5]);

    private static TransferModel Model(int trainableLayers = 1, int imageSize = 32) => TransferModel.Create(
        new TransferModelSpec("resnet18", PretrainedWeights.None, trainableLayers, [new DenseLayer(10, Activation.Softmax)], null),
        PretrainedBases.CreateRandom(TransferBases.ResNet18), imageSize, new Generator(5));

    private static Tensor Pixels() => randint(0, 256, [10, 3, 32, 32], dtype: ScalarType.Byte, generator: new Generator(11));

    private static readonly ChannelNormalization Normalization = ChannelNormalization.ImageNetTorchvision;

    [TorchFact]
    public void Logits_from_cached_activations_equal_the_whole_networks_within_float16_rounding()
    {
        using var model = Model();
        using var pixels = Pixels();
        var cache = ActivationCache.For(_temp.Path, model, 1, Subset, Normalization);
        var fill = ActivationCache.Fill(cache, model, 1, pixels, Normalization, "train activations");
        Assert.Equal(new ChunkFill(1, 0, 1), fill);
        Assert.Equal(new long[] { 256, 2, 2 }, cache.RowShape); // layer3's output at 32x32

        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var whole = model.call(Normalization.Apply(pixels));
        using var reader = cache.OpenReader();
        var activations = reader.ReadRange(0, 10);
        model.InputIsActivationsBelowTopStages = 1;
        var fromCache = model.call(activations);
        var unrounded = model.call(model.Base.ForwardBelowCut(ImageBatches.Resize(Normalization.Apply(pixels), 32), 1));
        model.InputIsActivationsBelowTopStages = null;

        // Stated tolerance: float16 keeps 11 significant bits (relative 4.9e-4 per activation); through layer4 and the
        // head the logits move by under 1% of their range.
        var range = whole.abs().max().item<float>();
        var largest = whole.sub(fromCache).abs().max().item<float>();
        Assert.True(largest <= 0.01f * range, $"largest logit difference {largest} for logits up to {range}");
        Assert.True(largest > 0, "the cache holds rounded activations, not float32");
        Assert.True(whole.equal(unrounded).all().item<bool>(), "the split forward pass is the whole forward pass, bit for bit");
        Assert.True(whole.argmax(1).equal(fromCache.argmax(1)).all().item<bool>(), "the same predicted classes");
    }

    [TorchFact]
    public void A_second_fill_reads_everything_from_the_cache()
    {
        using var model = Model();
        using var pixels = Pixels();
        ActivationCache.Fill(ActivationCache.For(_temp.Path, model, 1, Subset, Normalization), model, 1, pixels, Normalization, "train");

        var again = ActivationCache.Fill(ActivationCache.For(_temp.Path, model, 1, Subset, Normalization), model, 1, pixels, Normalization, "train");

        Assert.Equal(new ChunkFill(1, 1, 0), again);
    }

    /// <summary>The key changes with the cut point, the frozen weights, the image size, the normalisation and the images;
    /// training the stages above the cut (what fine-tuning does) leaves it alone.</summary>
    [TorchFact]
    public void The_key_changes_with_cut_point_weights_image_size_and_normalization_only()
    {
        using var model = Model();
        string Key(TransferModel m, int top = 1, ChannelNormalization? normalization = null, ImageSubset? subset = null) =>
            ActivationCache.For(_temp.Path, m, top, subset ?? Subset, normalization ?? Normalization).Folder;
        var reference = Key(model);

        using var larger = Model(imageSize: 64);
        var variants = new List<string>
        {
            Key(model, top: 2),
            Key(larger),
            Key(model, normalization: ChannelNormalization.Rescale),
            Key(model, subset: Subset with { Indices = [.. Subset.Indices.Reverse()] }),
        };
        using (no_grad())
        {
            var above = model.Base.StagesFromTop[0].Parameters().First();
            above.add_(1); // layer4 trains: the activations below it are the same
            Assert.Equal(reference, Key(model));
            var below = model.Base.StagesFromTop[1].Parameters().First();
            below.add_(1e-3); // a frozen stage changed (e.g. trained by an earlier phase): not the same activations
            variants.Add(Key(model));
        }

        Assert.Equal(variants.Count + 1, variants.Append(reference).Distinct().Count());
    }
}
