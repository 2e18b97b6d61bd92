using Cifar.Data;
using static TorchSharp.torch;

namespace Cifar.Models.Transfer;

/// <summary>
/// Features of a frozen base for a set of images, computed once and cached on disk: a rerun that changes only the
/// head or its training settings reads them back instead of running the base again.
/// </summary>
public static class FeatureExtraction
{
    /// <summary>
    /// Cached features of <paramref name="images"/> if <paramref name="cache"/> has them for this extractor and subset;
    /// otherwise extracts them batch by batch (each batch normalised, upsampled and run, then freed) and saves them.
    /// </summary>
    /// <param name="images">
    /// [n, 3, h, w], exactly the images of <paramref name="subset"/> in order: uint8 pixels (a <see cref="Split"/>'s
    /// images), normalised per batch with <paramref name="inputNormalization"/>; or float images already normalised with it.
    /// </param>
    /// <param name="inputNormalization">What the images go through, or went through, before the base
    /// (<see cref="PreparedData.Normalization"/>); part of the cache key.</param>
    /// <param name="cache">Null disables caching.</param>
    /// <returns>[n, extractor.FeatureCount] float32, owned by the caller.</returns>
    public static Tensor GetOrExtract(
        IFeatureExtractor extractor, FeatureCache? cache, ImageSubset subset, Tensor images, ChannelNormalization inputNormalization,
        IExtractionProgress? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentNullException.ThrowIfNull(subset);
        ArgumentNullException.ThrowIfNull(images);
        var rows = images.shape[0];
        if (rows != subset.Indices.Count)
            throw new ArgumentException($"{rows} images for a subset of {subset.Indices.Count}.", nameof(images));

        var key = new FeatureCacheKey(extractor.Identity, inputNormalization, subset);
        if (cache?.TryLoad(key, rows, extractor.FeatureCount) is { } cached) return cached;

        var features = Extract(extractor, images, inputNormalization, $"{subset.Split} features", progress, cancellationToken);
        try
        {
            cache?.Save(key, features);
            return features;
        }
        catch
        {
            features.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="extractor"/> over <paramref name="images"/> in its batch size, without caching.</summary>
    /// <param name="images">[n, 3, h, w] uint8 pixels, or float images already normalised for the extractor.</param>
    /// <param name="inputNormalization">Applied to each batch of uint8 <paramref name="images"/> (only a batch at a time
    /// exists as float32); required for uint8, unused for float images.</param>
    public static Tensor Extract(
        IFeatureExtractor extractor, Tensor images, ChannelNormalization? inputNormalization = null, string description = "features",
        IExtractionProgress? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentNullException.ThrowIfNull(images);
        var normalize = images.dtype != ScalarType.Byte ? null : inputNormalization
            ?? throw new ArgumentException("uint8 images need the normalization to apply to them.", nameof(inputNormalization));
        var rows = images.shape[0];
        var features = empty(rows, extractor.FeatureCount, ScalarType.Float32);
        progress?.Begin(description, rows);
        try
        {
            for (long start = 0; start < rows; start += extractor.BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var count = Math.Min(extractor.BatchSize, rows - start);
                using (var scope = NewDisposeScope())
                {
                    var input = images.narrow(0, start, count);
                    if (normalize is not null) input = normalize.Apply(input);
                    var batch = extractor.Extract(input);
                    if (batch.shape[0] != count || batch.shape[1] != extractor.FeatureCount)
                        throw new InvalidOperationException($"The extractor returned [{string.Join(", ", batch.shape)}] for {count} images.");
                    features.narrow(0, start, count).copy_(batch);
                }
                progress?.Report(start + count);
            }
            return features;
        }
        catch
        {
            features.Dispose();
            throw;
        }
        finally
        {
            progress?.Finish();
        }
    }
}
