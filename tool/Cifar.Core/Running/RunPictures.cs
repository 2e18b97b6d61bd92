using Cifar.Augmentation;
using Cifar.Data;
using Cifar.Evaluation;
using Cifar.Explain;
using Cifar.Models;
using Cifar.Models.Transfer;
using Cifar.Reports.Analysis;
using Cifar.Reports.Files;
using Cifar.Reports.Images;
using Cifar.Specs;
using static TorchSharp.torch;

namespace Cifar.Running;

/// <summary>
/// The run's side of the report's pictures: per-image test outcomes, the dataset overview, and Grad-CAM maps of a CNN,
/// turned from tensors into plain data (pixels, numbers) before the report sees them.
/// </summary>
internal static class RunPictures
{
    /// <summary>Training images shown per class in the dataset overview.</summary>
    public const int SamplesPerClass = 10;

    /// <summary>What the augmented grid cannot show: mixing steps blend an image with its partner in the shuffled batch.</summary>
    internal const string MixingNote =
        "mixup and cutmix are not shown: they blend each image with its neighbour in the shuffled batch, which depends on the batch.";

    /// <summary>Per evaluated test image, in evaluation order, how the model did (the rows of test-outcomes.csv).</summary>
    public static IReadOnlyList<TestOutcome> Outcomes(ClassificationReport evaluation, IReadOnlyList<int> testIndices)
    {
        ArgumentNullException.ThrowIfNull(evaluation);
        ArgumentNullException.ThrowIfNull(testIndices);
        if (evaluation.Probabilities is not { } probabilities || evaluation.Losses is not { } losses)
            throw new InvalidOperationException("The evaluation kept no per-image probabilities.");
        var classes = evaluation.Classes.Count;
        var outcomes = new TestOutcome[evaluation.Labels.Count];
        for (var row = 0; row < outcomes.Length; row++)
        {
            byte label = evaluation.Labels[row], prediction = evaluation.Predictions[row];
            outcomes[row] = new TestOutcome(testIndices[row], label, prediction,
                probabilities[row * classes + prediction], probabilities[row * classes + label], losses[row]);
        }
        return outcomes;
    }

    /// <summary>The report's pictures; <paramref name="explanation"/> (for <paramref name="explainedRows"/> of the test
    /// split) is null when the spec turns explanations off or the model has no layer to explain.</summary>
    public static ReportPictures Build(ExperimentSpec spec, PreparedData data, Explanation? explanation, IReadOnlyList<int>? explainedRows)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(data);
        var testImages = Images(data.Test.Images);
        var byIndex = new Dictionary<int, RgbImage>(testImages.Count);
        for (var row = 0; row < testImages.Count; row++) byIndex[data.Test.SourceIndices[row]] = testImages[row];

        GradCamResult? gradCam = null;
        if (explanation is not null && explainedRows is not null)
        {
            gradCam = new GradCamResult(explanation.Layer, spec.Report.Explain.ImagesPerClass,
                [.. explainedRows.Select((row, i) => new GradCamMap(data.Test.SourceIndices[row], explanation.Maps[i].Values, explanation.Maps[i].Width, explanation.Maps[i].Height))],
                explanation.RandomizationSpearman, explanation.RandomizationImages, explanation.DeletedFraction,
                explanation.HighlightedDeletionDrop, explanation.RandomDeletionDrop, explanation.DeletionWins, explanation.DeletionLosses);
        }
        return new ReportPictures(byIndex, Overview(spec, data), gradCam, spec.Report.Gallery.TopLosses);
    }

    /// <summary>
    /// Class counts of the three splits, and per class the first <see cref="SamplesPerClass"/> training images of one
    /// seeded permutation of the training split; with augmentation, the same images as epoch 1 of training changed
    /// them (the augmenter's draws are keyed by seed, epoch and the image's row, so this is exactly what training saw).
    /// </summary>
    private static DatasetOverview Overview(ExperimentSpec spec, PreparedData data)
    {
        var classes = data.Classes.Count;
        using var scope = NewDisposeScope();
        var counts = new List<SplitClassCounts>
        {
            new("train", Counts(data.Train.Labels, classes)),
            new("validation", Counts(data.Validation.Labels, classes)),
            new("test", Counts(data.Test.Labels, classes)),
        };
        var labels = data.Train.Labels.to_type(ScalarType.Int64).data<long>().ToArray();
        var order = SeededSampling.Permutation(labels.Length, spec.Seed, SeededSampling.Stream.OverviewSamples);
        var perClass = Enumerable.Range(0, classes)
            .Select(c => order.Where(r => labels[r] == c).Take(SamplesPerClass).ToList())
            .ToList();
        var rows = perClass.SelectMany(r => r).Select(r => (long)r).ToArray();
        if (rows.Length == 0) return new DatasetOverview(counts, [.. perClass.Select(_ => (IReadOnlyList<RgbImage>)[])], null);

        var chosen = data.Train.Images.index_select(0, tensor(rows));
        var plain = Images(chosen);
        IReadOnlyList<RgbImage>? augmented = null;
        string? note = null;
        if (spec.Data.Augmentation.Count > 0)
        {
            var augmenter = new ImageAugmenter(spec.Data.Augmentation, spec.Seed);
            augmented = Images(augmenter.Augment(chosen, rows, epoch: 1));
            if (augmenter.MixesBatch) note = MixingNote;
        }
        IReadOnlyList<IReadOnlyList<RgbImage>> Group(IReadOnlyList<RgbImage> images)
        {
            var groups = new List<IReadOnlyList<RgbImage>>();
            var next = 0;
            foreach (var group in perClass)
            {
                groups.Add([.. images.Skip(next).Take(group.Count)]);
                next += group.Count;
            }
            return groups;
        }
        return new DatasetOverview(counts, Group(plain), augmented is null ? null : Group(augmented), note);
    }

    /// <summary>
    /// Grad-CAM of a trained CNN on the seeded choice of test images (<see cref="ExplainSelection"/>), for each image's
    /// predicted class, with the randomisation check against a freshly initialised copy of the same architecture.
    /// </summary>
    /// <param name="input">Turns uint8 test images into model input, as in evaluation.</param>
    /// <param name="whiteningSample">What data-initialised layers of the copy are set from (as the trained model's were).</param>
    /// <returns>Null when the spec says <c>method: none</c> or no layer outputs an image.</returns>
    public static (Explanation Explanation, IReadOnlyList<int> Rows)? ExplainCnn(
        ExperimentSpec spec, CnnModelSpec cnn, KerasSequential model, PreparedData data, Func<Tensor, Tensor> input,
        ClassificationReport evaluation, Func<Tensor>? whiteningSample)
    {
        if (spec.Report.Explain.Method == ExplainMethod.None) return null;
        var layer = model.ExplainedLayer;
        if (layer < 0) return null;
        var rows = ExplainSelection.Rows(evaluation.Labels, evaluation.Predictions, data.Classes.Count, spec.Report.Explain.ImagesPerClass, spec.Seed);
        if (rows.Count == 0) return null;

        // A different seed for the copy's weights: the check compares trained weights with random ones.
        using var randomised = CnnBuilder.Build(cnn, spec.Data.EffectiveImageSize, unchecked(spec.Seed + RandomisedSeedOffset));
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var scope = NewDisposeScope();
            if (randomised.InitializesFromData && whiteningSample is not null) randomised.InitializeFromData(whiteningSample());
            randomised.eval();
            var inputs = input(data.Test.Images.index_select(0, tensor(rows.Select(r => (long)r).ToArray())));
            var targets = rows.Select(r => (long)evaluation.Predictions[r]).ToList();
            var name = model.Plan[layer].Name;
            var trained = new ExplainableModel(name, x => model.ForwardThrough(x, layer), a => model.ForwardAfter(a, layer));
            var copy = new ExplainableModel(name, x => randomised.ForwardThrough(x, layer), a => randomised.ForwardAfter(a, layer));
            return (Explanations.Explain(trained, copy, inputs, targets, spec.Seed), rows);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>
    /// Grad-CAM of a transfer model at its base's top stage (ResNet's layer4), for each chosen test image's predicted
    /// class. The base runs in TorchSharp here even when training used extracted features, on the chosen images only.
    /// The randomisation check's copy is the same architecture with a random base and a random head.
    /// </summary>
    /// <param name="input">Normalises uint8 test images (the model resizes them itself).</param>
    public static (Explanation Explanation, IReadOnlyList<int> Rows)? ExplainTransfer(
        ExperimentSpec spec, TransferModelSpec transfer, TransferModel model, PreparedData data, Func<Tensor, Tensor> input,
        ClassificationReport evaluation)
    {
        if (spec.Report.Explain.Method == ExplainMethod.None) return null;
        var rows = ExplainSelection.Rows(evaluation.Labels, evaluation.Predictions, data.Classes.Count, spec.Report.Explain.ImagesPerClass, spec.Seed);
        if (rows.Count == 0) return null;

        // CreateRandom draws from torch's global generator; training is over, so reseeding it changes nothing else.
        var seed = unchecked(spec.Seed + RandomisedSeedOffset);
        manual_seed(seed);
        var plan = PretrainedBases.Plan(transfer);
        using var randomBase = PretrainedBases.CreateRandom(plan.Base, plan.BaseWeights);
        using var headGenerator = new TorchSharp.torch.Generator(unchecked((ulong)seed), CPU);
        using var randomised = TransferModel.Create(transfer, randomBase, model.ImageSize, headGenerator);
        var wasTraining = model.training;
        model.eval();
        randomised.eval();
        try
        {
            using var scope = NewDisposeScope();
            var inputs = input(data.Test.Images.index_select(0, tensor(rows.Select(r => (long)r).ToArray())));
            var targets = rows.Select(r => (long)evaluation.Predictions[r]).ToList();
            var trained = new ExplainableModel(model.TopStageName, model.TopStageActivations, model.FromTopStage);
            var copy = new ExplainableModel(randomised.TopStageName, randomised.TopStageActivations, randomised.FromTopStage);
            return (Explanations.Explain(trained, copy, inputs, targets, spec.Seed), rows);
        }
        finally
        {
            model.train(wasTraining);
        }
    }

    /// <summary>Added to the spec's seed for the randomised copy (any fixed offset: it only has to differ).</summary>
    private const int RandomisedSeedOffset = 7919;

    private static int[] Counts(Tensor labels, int classes)
    {
        var counts = new int[classes];
        foreach (var label in labels.to_type(ScalarType.Int64).data<long>()) counts[label]++;
        return counts;
    }

    /// <summary>uint8 [N, 3, H, W] images as plain RGB pixels.</summary>
    private static List<RgbImage> Images(Tensor images)
    {
        var (n, height, width) = ((int)images.shape[0], (int)images.shape[2], (int)images.shape[3]);
        var bytes = images.contiguous().data<byte>().ToArray();
        var size = 3 * height * width;
        var result = new List<RgbImage>(n);
        for (var i = 0; i < n; i++) result.Add(RgbImage.FromChannelsFirst(width, height, bytes.AsSpan(i * size, size)));
        return result;
    }
}
