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
    /// otherwise extracts the missing chunks (<see cref="ChunkedTensorCache"/>: a killed extraction resumes at its
    /// last finished chunk, and workers sharing the cache split the chunks) batch by batch and saves each.
    /// </summary>
    /// <param name="images">
    /// [n, 3, h, w], exactly the images of <paramref name="subset"/> in order: uint8 pixels (a <see cref="Split"/>'s
    /// images), normalised per batch with <paramref name="inputNormalization"/>; or float images already normalised with it.
    /// </param>
    /// <param name="inputNormalization">What the images go through, or went through, before the base
    /// (<see cref="PreparedData.Normalization"/>); part of the cache key.</param>
    /// <param name="cache">Null disables caching.</param>
    /// <param name="shard">Which chunks this worker extracts first; null: all, in order.</param>
    /// <returns>[n, extractor.FeatureCount] float32, owned by the caller.</returns>
    public static Tensor GetOrExtract(
        IFeatureExtractor extractor, FeatureCache? cache, ImageSubset subset, Tensor images, ChannelNormalization inputNormalization,
        IExtractionProgress? progress = null, ExtractionShard? shard = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentNullException.ThrowIfNull(subset);
        ArgumentNullException.ThrowIfNull(images);
        var rows = images.shape[0];
        if (rows != subset.Indices.Count)
            throw new ArgumentException($"{rows} images for a subset of {subset.Indices.Count}.", nameof(images));

        var description = $"{subset.Split} features";
        var key = new FeatureCacheKey(extractor.Identity, inputNormalization, subset);
        if (cache is null) return Extract(extractor, images, inputNormalization, description, progress, cancellationToken);
        // A whole-file entry of an earlier version of the tool is still good.
        if (cache.TryLoad(key, rows, extractor.FeatureCount) is { } whole) return whole;

        var store = new ChunkedTensorCache(cache.Folder, key.Text, rows, [extractor.FeatureCount], ScalarType.Float32);
        return FillAndLoad(store, (first, count, inner) => Extract(extractor, images.narrow(0, first, count), inputNormalization, description, inner, cancellationToken),
            description, progress, shard, cancellationToken);
    }

    /// <summary>
    /// Fills <paramref name="store"/> with <paramref name="compute"/> (reporting progress over the rows it computes) and
    /// returns every row; a chunk found corrupt on reading is computed again, once.
    /// </summary>
    internal static Tensor FillAndLoad(
        ChunkedTensorCache store, Func<long, int, IExtractionProgress?, Tensor> compute, string description,
        IExtractionProgress? progress, ExtractionShard? shard, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            Fill(store, compute, description, progress, shard, cancellationToken);
            try
            {
                return store.LoadAll();
            }
            catch (InvalidDataException) when (attempt == 0)
            {
                store.Invalidate();
            }
        }
    }

    /// <summary>Fills <paramref name="store"/>, telling <paramref name="progress"/> what was cached and what is extracted.</summary>
    internal static ChunkFill Fill(
        ChunkedTensorCache store, Func<long, int, IExtractionProgress?, Tensor> compute, string description,
        IExtractionProgress? progress, ExtractionShard? shard, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(compute);
        var begun = false;
        long done = 0;
        var inner = progress is null ? null : new ChunkProgress(progress, () => done);
        try
        {
            return store.Fill(
                (first, count) =>
                {
                    var result = compute(first, count, inner);
                    done += count;
                    return result;
                },
                shard,
                (cached, missingRows) =>
                {
                    if (progress is null || missingRows == 0) return;
                    if (cached > 0) progress.Resumed(description, cached, store.Chunks);
                    progress.Begin(description, missingRows);
                    begun = true;
                },
                cancellationToken);
        }
        finally
        {
            if (begun) progress!.Finish();
        }
    }

    /// <summary>One chunk's progress as part of the whole fill: Begin and Finish belong to the fill, Report is offset.</summary>
    private sealed class ChunkProgress(IExtractionProgress outer, Func<long> doneBefore) : IExtractionProgress
    {
        public void Begin(string description, long totalImages)
        {
        }

        public void Report(long imagesDone) => outer.Report(doneBefore() + imagesDone);

        public void Finish()
        {
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
