using System.Globalization;
using Cifar.Data;
using static TorchSharp.torch;

namespace Cifar.Models.Transfer;

/// <summary>
/// The activations of a fine-tuning's frozen stages (everything below the top <c>trainable_layers</c> stages) for one
/// split, computed once and kept on disk in float16 chunks (<see cref="ChunkedTensorCache"/>), so each epoch runs only the
/// stages above the cut and the head. Keyed like the feature cache (base, weights, image size, input normalisation,
/// exactly which images) plus the cut point and a hash of the frozen stages' actual weights and statistics.
/// </summary>
/// <remarks>
/// Float16 halves the disk and the reading next to float32 at a relative rounding of at most 2^-11 per activation
/// (values above 65,504 would overflow: ResNet activations after ReLU and batch norm are orders of magnitude smaller).
/// The stages above the cut therefore see rounded inputs: the logits differ from the whole network's by about 1e-3
/// relative (tested), and training on them is repeatable bit for bit, cache cold or warm, because a cold run writes the
/// chunks first and then trains from them exactly as a warm run does.
/// Only unaugmented images are cached: a transfer spec takes no <c>data.augmentation</c>.
/// </remarks>
public static class ActivationCache
{
    /// <summary>The cache's subfolder for activations.</summary>
    public const string FolderName = "activations";

    /// <summary>What is stored on disk.</summary>
    public const ScalarType StoredType = ScalarType.Float16;

    /// <summary>Environment variable that turns the cache off (<c>0</c>): every epoch then runs the whole network, the
    /// path before the cache existed. A benchmark knob (benchmarks/finetune-epoch.sh), not a setting for results.</summary>
    public const string DisableVariable = "CIFAR_ACTIVATION_CACHE";

    /// <summary>Whether fine-tuning reads cached activations (the default) rather than running the frozen stages every epoch.</summary>
    public static bool Enabled => Environment.GetEnvironmentVariable(DisableVariable) is not "0";

    /// <summary>The stored bytes per chunk this aims at: few enough rows that one chunk's float32 copy stays small in
    /// memory at 224x224 (a layer3 output is 100 KB per image in float16).</summary>
    private const long TargetChunkBytes = 64L << 20;

    /// <summary>
    /// The cache entry of <paramref name="subset"/>'s activations below the top <paramref name="topStages"/> stages of
    /// <paramref name="model"/>'s base, not yet filled.
    /// </summary>
    public static ChunkedTensorCache For(string folder, TransferModel model, int topStages, ImageSubset subset, ChannelNormalization inputNormalization)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(subset);
        var pretrained = model.Base;
        var shape = ShapeBelowCut(model, topStages);
        var identity = string.Create(CultureInfo.InvariantCulture,
            $"{FeatureExtractors.Identity("torchsharp-activations", pretrained.Description, model.ImageSize)}\ncut:below top {topStages} stage(s), output of {pretrained.StageBelowCut(topStages)} [{string.Join(',', shape)}]\nfrozen:{pretrained.WeightsBelowCutHash(topStages)}\nstored:{StoredType}");
        var key = new FeatureCacheKey(identity, inputNormalization, subset);
        var rowBytes = shape.Aggregate(1L, (a, b) => a * b) * 2;
        var chunkRows = (int)Math.Clamp(TargetChunkBytes / rowBytes / 32 * 32, 32, ChunkedTensorCache.DefaultChunkRows);
        return new ChunkedTensorCache(folder, key.Text, subset.Indices.Count, shape, StoredType, chunkRows);
    }

    /// <summary>One image's activations below the cut at the model's image size, e.g. [256, 4, 4] below ResNet18's
    /// layer4 at 64x64.</summary>
    public static long[] ShapeBelowCut(TransferModel model, int topStages)
    {
        ArgumentNullException.ThrowIfNull(model);
        var wasTraining = model.Base.training;
        model.Base.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            var x = model.Base.ForwardBelowCut(zeros(1, 3, model.ImageSize, model.ImageSize), topStages);
            return [.. x.shape.Skip(1)];
        }
        finally
        {
            model.Base.train(wasTraining);
        }
    }

    /// <summary>
    /// Computes the missing chunks of <paramref name="cache"/> from <paramref name="images"/> (uint8, exactly the
    /// subset's images), batch by batch: normalised, resized to the model's size, through the frozen stages.
    /// </summary>
    public static ChunkFill Fill(
        ChunkedTensorCache cache, TransferModel model, int topStages, Tensor images, ChannelNormalization inputNormalization,
        string description, IExtractionProgress? progress = null, ExtractionShard? shard = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(inputNormalization);
        var batchSize = model.ImageSize <= 64 ? 32 : 16;
        return FeatureExtraction.Fill(cache, (first, count, inner) =>
        {
            var result = empty([count, .. cache.RowShape], ScalarType.Float32);
            try
            {
                Compute(model, topStages, images.narrow(0, first, count), inputNormalization, result, batchSize, inner, cancellationToken);
                return result;
            }
            catch
            {
                result.Dispose();
                throw;
            }
        }, description, progress, shard, cancellationToken);
    }

    /// <summary>The activations below the cut of uint8 <paramref name="images"/> into <paramref name="result"/>.</summary>
    public static void Compute(
        TransferModel model, int topStages, Tensor images, ChannelNormalization inputNormalization, Tensor result, int batchSize = 16,
        IExtractionProgress? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(inputNormalization);
        ArgumentNullException.ThrowIfNull(result);
        var wasTraining = model.Base.training;
        model.Base.eval();
        try
        {
            using var noGrad = no_grad();
            var rows = images.shape[0];
            for (long start = 0; start < rows; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(batchSize, rows - start);
                using (var scope = NewDisposeScope())
                {
                    var input = ImageBatches.Resize(inputNormalization.Apply(images.narrow(0, start, count)), model.ImageSize);
                    result.narrow(0, start, count).copy_(model.Base.ForwardBelowCut(input, topStages));
                }
                progress?.Report(start + count);
            }
        }
        finally
        {
            model.Base.train(wasTraining);
        }
    }
}
