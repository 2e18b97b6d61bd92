using System.Globalization;
using Cifar.Specs;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Data;

/// <summary>One split of prepared data. Owns its tensors.</summary>
/// <param name="Images">uint8 [N,3,32,32], RGB, contiguous: the raw pixels (a quarter of float32's size). Turn each batch
/// into model input with <see cref="PreparedData.Normalization"/> (<see cref="ChannelNormalization.Apply"/>) where it is used.</param>
/// <param name="Labels">int64 [N].</param>
/// <param name="SourceIndices">For each row, its index in the original CIFAR-10 split it came from (train or test),
/// ascending: lets a report or test check which images were used.</param>
public sealed record Split(Tensor Images, Tensor Labels, IReadOnlyList<int> SourceIndices) : IDisposable
{
    public int Count => SourceIndices.Count;

    public void Dispose()
    {
        Images.Dispose();
        Labels.Dispose();
    }
}

/// <summary>Train, validation and test splits ready for training, and how to normalize their images per batch.</summary>
/// <param name="Normalization">What every batch of images goes through before the model (statistics, if any, from the
/// training split only).</param>
public sealed record PreparedData(Split Train, Split Validation, Split Test, IReadOnlyList<string> Classes, ChannelNormalization Normalization)
    : IDisposable
{
    public void Dispose()
    {
        Train.Dispose();
        Validation.Dispose();
        Test.Dispose();
    }
}

/// <summary>Turns the loaded dataset into the splits a spec asks for.</summary>
public static class DataPreparation
{
    /// <summary>
    /// In order: a seeded subset of the training images (<c>train_samples</c>) and of the test images
    /// (<c>test_samples</c>), each sampled without replacement and kept in file order; a seeded validation split of
    /// round(n x <c>validation_split</c>) images drawn from the training subset only; then the normalization to apply
    /// per batch. Images stay uint8 and 32x32 (the 60,000 take 184 MB, 737 MB as float32): normalize each batch with
    /// <see cref="PreparedData.Normalization"/>, then resize it with <see cref="ImageBatches.Resize"/> if needed (all
    /// 50,000 at 224x224 would be 30 GB).
    /// </summary>
    /// <param name="seed">The spec's seed; subsets and split use their own streams derived from it.</param>
    /// <param name="pretrainedNormalization">What the pretrained base expects, used when the spec says
    /// <c>normalization: imagenet</c>; null there means <see cref="ChannelNormalization.ImageNetTorchvision"/>.
    /// Ignored for rescale and standardize (standardize computes its statistics on the training split).</param>
    /// <exception cref="CifarUserException">Kind InvalidInput: a subset larger than the dataset, or a split that leaves
    /// no training or no validation image.</exception>
    public static PreparedData Prepare(Cifar10Dataset dataset, DataSpec spec, int seed, ChannelNormalization? pretrainedNormalization = null)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(spec);

        var trainPool = Subset(dataset.TrainCount, spec.TrainSamples, "data.train_samples", "training", seed, SeededSampling.Stream.TrainSubset);
        var test = Subset(dataset.TestCount, spec.TestSamples, "data.test_samples", "test", seed, SeededSampling.Stream.TestSubset);
        var (train, validation) = SplitValidation(trainPool, spec.ValidationSplit, seed);

        // Each split is one index_select of the dataset's pixels: a new contiguous uint8 tensor and no other copy.
        using var scope = torch.NewDisposeScope();
        var trainImages = Select(dataset.TrainImages, train);
        var normalization = spec.Normalization switch
        {
            Normalization.Rescale => ChannelNormalization.Rescale,
            Normalization.Standardize => ChannelNormalization.Standardize(trainImages),
            Normalization.ImageNet => pretrainedNormalization ?? ChannelNormalization.ImageNetTorchvision,
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Normalization, "Unknown normalization."),
        };

        Split Make(Tensor images, Tensor labels, int[] indices)
        {
            var split = new Split(images, Select(labels, indices), indices);
            split.Images.MoveToOuterDisposeScope();
            split.Labels.MoveToOuterDisposeScope();
            return split;
        }

        return new PreparedData(
            Make(trainImages, dataset.TrainLabels, train),
            Make(Select(dataset.TrainImages, validation), dataset.TrainLabels, validation),
            Make(Select(dataset.TestImages, test), dataset.TestLabels, test),
            dataset.Classes,
            normalization);
    }

    private static int[] Subset(int available, int? requested, string key, string what, int seed, SeededSampling.Stream stream)
    {
        if (requested is not { } k || k == available) return Enumerable.Range(0, available).ToArray();
        if (k <= 0 || k > available)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                string.Create(CultureInfo.InvariantCulture, $"{key} is {k}; the {what} set has {available} images"));
        }

        return SeededSampling.Sample(available, k, seed, stream);
    }

    /// <summary>Splits <paramref name="pool"/> (indices into the training set) into train and validation, both ascending.</summary>
    private static (int[] Train, int[] Validation) SplitValidation(int[] pool, double fraction, int seed)
    {
        var validationCount = (int)Math.Round(pool.Length * fraction, MidpointRounding.AwayFromZero);
        if (validationCount < 1 || validationCount >= pool.Length)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, string.Create(CultureInfo.InvariantCulture,
                $"data.validation_split is {fraction}; with {pool.Length} training images that leaves {validationCount} for validation and {pool.Length - validationCount} for training (each needs at least 1)"));
        }

        var order = SeededSampling.Permutation(pool.Length, seed, SeededSampling.Stream.ValidationSplit);
        var validation = order[..validationCount].Select(i => pool[i]).Order().ToArray();
        var train = order[validationCount..].Select(i => pool[i]).Order().ToArray();
        return (train, validation);
    }

    /// <summary>The rows at <paramref name="indices"/>, as a new tensor (never a view of the dataset's).</summary>
    private static Tensor Select(Tensor source, int[] indices)
    {
        using var index = torch.tensor(indices.Select(i => (long)i).ToArray());
        return source.index_select(0, index);
    }
}

/// <summary>Per-batch image operations for training and evaluation loops.</summary>
public static class ImageBatches
{
    /// <summary>
    /// Bilinear resize of a float [B,C,H,W] batch to [B,C,size,size] (<c>interpolate</c>, align_corners false, as
    /// torchvision's Resize does for upscaling). Returns a new tensor; when the batch already has that size, an alias
    /// of it, so the caller can always dispose the result.
    /// </summary>
    public static Tensor Resize(Tensor batch, int size)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        if (batch.dim() != 4) throw new ArgumentException($"Expected [B,C,H,W], got [{string.Join(',', batch.shape)}].", nameof(batch));
        if (batch.shape[2] == size && batch.shape[3] == size) return batch.alias();
        return nn.functional.interpolate(batch, size: [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
    }
}
