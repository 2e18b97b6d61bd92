using Cifar.Explain;
using Cifar.Tests.Infra;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Tests.Explain;

/// <summary>
/// Grad-CAM on generated images where only a small coloured patch, at a random place, decides the class: a tiny CNN
/// trained on them in a few seconds must put the peak of its map on the patch, and the sanity checks must tell its maps
/// from a random model's.
/// </summary>
[Collection("libtorch")]
public sealed class GradCamTests
{
    private const int Side = 16, Patch = 4;

    /// <summary>Noise images, each with one 4x4 patch at a random place: reddish for class 0, greenish for class 1.</summary>
    private static (Tensor Images, Tensor Labels, int[] Top, int[] Left) PatchImages(int count, int seed)
    {
        var random = new Random(seed);
        var pixels = new float[count * 3 * Side * Side];
        var labels = new long[count];
        var (top, left) = (new int[count], new int[count]);
        for (var i = 0; i < count; i++)
        {
            for (var p = 0; p < 3 * Side * Side; p++) pixels[i * 3 * Side * Side + p] = (float)(random.NextDouble() - 0.5);
            labels[i] = i % 2;
            (top[i], left[i]) = (random.Next(0, Side - Patch + 1), random.Next(0, Side - Patch + 1));
            for (var y = top[i]; y < top[i] + Patch; y++)
            {
                for (var x = left[i]; x < left[i] + Patch; x++)
                {
                    pixels[((i * 3 + 0) * Side + y) * Side + x] = labels[i] == 0 ? 2f : -2f;
                    pixels[((i * 3 + 1) * Side + y) * Side + x] = labels[i] == 0 ? -2f : 2f;
                    pixels[((i * 3 + 2) * Side + y) * Side + x] = 0f;
                }
            }
        }
        return (tensor(pixels).reshape(count, 3, Side, Side), tensor(labels), top, left);
    }

    /// <summary>conv-relu-conv-relu (the explained stage, full 16x16 resolution), global average pooling, linear.</summary>
    private static (nn.Module<Tensor, Tensor> Features, nn.Module<Tensor, Tensor> Head) Model(long seed)
    {
        torch.manual_seed(seed);
        var features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding: 1), nn.ReLU(),
            nn.Conv2d(8, 8, 3, padding: 1), nn.ReLU());
        var head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 2));
        return (features, head);
    }

    private static ExplainableModel Explainable((nn.Module<Tensor, Tensor> Features, nn.Module<Tensor, Tensor> Head) model) =>
        new("conv2", model.Features.call, model.Head.call);

    [TorchFact]
    public void The_peak_of_the_map_is_on_the_patch_that_decides_the_class_and_the_checks_say_so()
    {
        using var scope = NewDisposeScope();
        var trained = Model(seed: 1);
        var (images, labels, _, _) = PatchImages(512, seed: 2);
        var parameters = trained.Features.parameters().Concat(trained.Head.parameters());
        var optimizer = optim.Adam(parameters, lr: 0.01);
        for (var step = 0; step < 150; step++)
        {
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(trained.Head.call(trained.Features.call(images)), labels);
            loss.backward();
            optimizer.step();
        }
        trained.Features.eval();
        trained.Head.eval();

        var (test, testLabels, top, left) = PatchImages(40, seed: 3);
        var model = Explainable(trained);
        using (no_grad())
        {
            var accuracy = model.Logits(test).argmax(1).eq(testLabels).to_type(ScalarType.Float32).mean().item<float>();
            Assert.True(accuracy >= 0.95, $"the CNN learned the patches: {accuracy:P0} test accuracy");
        }

        var targets = testLabels.data<long>().ToArray();
        var maps = GradCam.Maps(model, test, targets);
        var onPatch = 0;
        for (var i = 0; i < maps.Count; i++)
        {
            Assert.Equal((Side, Side), (maps[i].Width, maps[i].Height));
            Assert.Equal(1f, maps[i].Values.Max());
            var peak = Array.IndexOf(maps[i].Values, 1f);
            var (y, x) = (peak / Side, peak % Side);
            // The second conv sees one pixel beyond its input's 3x3: a peak on the patch's rim still points at it.
            if (y >= top[i] - 1 && y <= top[i] + Patch && x >= left[i] - 1 && x <= left[i] + Patch) onPatch++;
        }
        Assert.True(onPatch >= 36, $"the map's peak is on the patch in {onPatch} of 40 images");

        // Model randomisation: a freshly initialised copy's maps rank the pixels differently.
        var randomised = Explainable(Model(seed: 99));
        var (spearman, counted) = GradCamChecks.RandomizationCorrelation(maps, GradCam.Maps(randomised, test, targets));
        Assert.True(counted > 0);
        Assert.True(spearman < 0.5, $"maps of the trained and a random model correlate by {spearman:F3}");

        // Deletion: masking the highlighted pixels (the patch) costs more confidence than masking a random map's.
        var (highlightedDrops, randomDrops) = GradCamChecks.DeletionDrop(model, test, maps, targets, 0.1, seed: 5);
        Assert.Equal(maps.Count, highlightedDrops.Length);
        var (highlighted, random) = (highlightedDrops.Average(), randomDrops.Average());
        Assert.True(highlighted > random + 0.1, $"highlighted pixels masked: -{highlighted:F3}; random map's pixels: -{random:F3}");
        Assert.True(highlightedDrops.Zip(randomDrops).Count(p => p.First > p.Second) >= 30, "the map beats the random map on most images");
        var again = GradCamChecks.DeletionDrop(model, test, maps, targets, 0.1, seed: 5);
        Assert.Equal(highlightedDrops, again.Highlighted);
        Assert.Equal(randomDrops, again.Random);
    }

    [Fact]
    public void The_deletion_control_maps_are_seeded_random_rankings_of_each_maps_size()
    {
        ImportanceMap[] maps = [new(new float[16], 4, 4), new(new float[16], 4, 4), new(new float[4], 2, 2)];
        var random = GradCamChecks.RandomMaps(maps, seed: 7);
        Assert.Equal(maps.Select(m => (m.Width, m.Height)), random.Select(m => (m.Width, m.Height)));
        Assert.All(random, m => Assert.Equal(m.Values.Length, m.Values.Distinct().Count())); // a strict ranking
        Assert.NotEqual(random[0].Values, random[1].Values);                                  // a different one per image
        Assert.Equal(random.Select(m => m.Values), GradCamChecks.RandomMaps(maps, seed: 7).Select(m => m.Values));
        Assert.NotEqual(random[0].Values, GradCamChecks.RandomMaps(maps, seed: 8)[0].Values);
    }

    [TorchFact]
    public void A_map_with_nothing_positive_is_all_zeros()
    {
        using var scope = NewDisposeScope();
        // Features that are all zero give a zero weighted sum everywhere.
        var model = new ExplainableModel("zeros", x => zeros(x.shape[0], 2, 4, 4), a => a.sum([2, 3]));
        var maps = GradCam.Maps(model, ones(3, 3, 8, 8), [0, 1, 0]);
        Assert.All(maps, m => Assert.All(m.Values, v => Assert.Equal(0f, v)));
    }
}
