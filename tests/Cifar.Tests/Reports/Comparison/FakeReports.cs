using Cifar.Models;
using Cifar.Reports;
using Cifar.Reports.Files;
using Cifar.Reproducibility;
using Cifar.Training;

namespace Cifar.Tests.Reports.Comparison;

/// <summary>How a fake experiment behaves: per-image chance of a right answer, and which class it confuses.</summary>
/// <param name="Skill">Probability of predicting the true class (before the per-class offsets).</param>
/// <param name="Seed">Seeds the fake predictions (not the labels, which every experiment shares).</param>
/// <param name="CatDogBias">Extra chance that a wrong "cat" is predicted "dog" (and vice versa).</param>
/// <param name="TrainAccuracyLead">How far training accuracy ends above the skill (validation ends just below it):
/// the overfitting gap; augmentation makes it smaller.</param>
/// <param name="TrainLossOffset">Added to every training loss (augmented images are harder to fit).</param>
internal sealed record FakeExperiment(
    string Name,
    string ModelType,
    double Skill,
    int Seed,
    int Epochs = 6,
    int? StoppedEpoch = null,
    long Trainable = 122_570,
    long Total = 122_570,
    double CatDogBias = 0.5,
    string? Spec = null,
    double TrainingSeconds = 100,
    bool WithPredictions = true,
    bool WithTiming = true,
    double TrainAccuracyLead = 0.08,
    double TrainLossOffset = 0);

/// <summary>
/// Writes report folders with the real report writer from fake results, so comparisons and diffs are tested on what
/// `dotnet cifar run` writes: metrics.json is computed from the same fake predictions that predictions.txt holds.
/// Deterministic for a given experiment.
/// </summary>
internal static class FakeReports
{
    public static readonly string[] Classes =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    public const int TestImages = 1000;

    public static string CnnSpec(string learningRate = "0.001", int epochs = 6, string augmentation = "") => $"""
        name: cnn
        seed: 42
        data:
          dataset: cifar10
          validation_split: 0.1 # 5,000 images
          batch_size: 64{augmentation}
        model:
          type: cnn
          layers:
            - conv2d: {"{"} filters: 32, kernel_size: 3, activation: relu {"}"}
            - max_pooling2d: {"{"} pool_size: 2 {"}"}
            - flatten: {"{"}{"}"}
            - dense: {"{"} units: 10, activation: softmax {"}"}
        training:
          epochs: {epochs}
          optimizer:
            type: adam
            learning_rate: {learningRate}

        """;

    /// <summary>Crop and flip, as <see cref="CnnSpec"/>'s augmentation argument.</summary>
    public const string CropAndFlip = """

          augmentation:
            - random_crop: { padding: 4, fill: reflect }
            - horizontal_flip: { mode: random }
        """;

    public const string TransferSpec = """
        name: transfer
        seed: 42
        data:
          dataset: cifar10
          image_size: 224
        model:
          type: transfer
          base: resnet18
          weights: imagenet
          head:
            - dense: { units: 10, activation: softmax }
        training:
          epochs: 4
          optimizer:
            type: adam
            learning_rate: 0.0001

        """;

    /// <summary>The true labels every fake experiment shares: 100 of each class, in a fixed shuffled order.</summary>
    public static byte[] Labels()
    {
        var labels = Enumerable.Range(0, TestImages).Select(i => (byte)(i % 10)).ToArray();
        new Random(7).Shuffle(labels);
        return labels;
    }

    public static byte[] Predict(FakeExperiment e, byte[] labels)
    {
        var random = new Random(e.Seed);
        var predictions = new byte[labels.Length];
        for (var i = 0; i < labels.Length; i++)
        {
            var label = labels[i];
            // Vehicles are easier than animals, as on real CIFAR-10.
            var skill = Math.Clamp(e.Skill + (label is 0 or 1 or 8 or 9 ? 0.08 : -0.05), 0, 1);
            if (random.NextDouble() < skill)
            {
                predictions[i] = label;
            }
            else if (label is 3 or 5 && random.NextDouble() < e.CatDogBias)
            {
                predictions[i] = (byte)(label == 3 ? 5 : 3);
            }
            else
            {
                predictions[i] = (byte)((label + 1 + random.Next(9)) % 10);
            }
        }
        return predictions;
    }

    /// <summary>
    /// Writes <c>root/name/</c> with the real <see cref="ReportWriter"/> from <see cref="Result"/>; then removes
    /// timing.json or predictions.txt when the experiment says so (a folder from a run that did not write them).
    /// Returns the folder.
    /// </summary>
    public static string Write(string root, FakeExperiment e)
    {
        var folder = Path.Combine(root, e.Name);
        ReportWriter.Write(Result(e), folder, ReportOptions.Default);
        if (!e.WithTiming) File.Delete(Path.Combine(folder, ReportFiles.Timing));
        if (!e.WithPredictions) File.Delete(Path.Combine(folder, ReportFiles.Predictions));
        return folder;
    }

    /// <summary>
    /// The run a fake experiment stands for, as plain data, with the obviously fake environment of the golden-file
    /// tests: the test report is computed from the fake predictions, the history follows smooth curves.
    /// </summary>
    public static ExperimentResult Result(FakeExperiment e)
    {
        var labels = Labels();
        var predictions = Predict(e, labels);
        var accuracy = (double)labels.Zip(predictions).Count(x => x.First == x.Second) / labels.Length;
        var evaluation = ReportFixtures.Evaluate(labels, predictions, loss: Math.Round(1.9 - 1.6 * accuracy, 4));
        var secondsPerEpoch = e.TrainingSeconds / e.Epochs;
        var imagesPerSecond = 45_000 / secondsPerEpoch;
        var history = new TrainingHistory(
            [.. Enumerable.Range(1, e.Epochs).Select(epoch => new EpochLog(
                epoch,
                "train",
                Math.Round(2.0 * Math.Exp(-0.35 * epoch) + 0.3 + e.TrainLossOffset, 4),
                Math.Round(e.Skill + e.TrainAccuracyLead - 0.4 * Math.Exp(-0.6 * epoch), 4),
                Math.Round(2.1 * Math.Exp(-0.3 * epoch) + 0.5 + (1 - e.Skill) * 0.3, 4),
                Math.Round(e.Skill - 0.45 * Math.Exp(-0.55 * epoch), 4),
                secondsPerEpoch,
                imagesPerSecond))],
            BestEpoch: e.StoppedEpoch is { } s ? Math.Max(1, s - 2) : e.Epochs,
            StoppedEpoch: e.StoppedEpoch);
        var spec = e.Spec ?? (e.ModelType == "cnn" ? CnnSpec() : TransferSpec);
        return new ExperimentResult(
            Name: e.Name,
            Description: null,
            Seed: 42,
            SpecText: spec,
            SpecSha256: Hashing.Sha256Hex(spec),
            Environment: ReportFixtures.FakeEnvironment,
            Dataset: new DatasetInfo("CIFAR-10", "https://example.invalid/cifar-10-binary.tar.gz",
                "fa4e000000000000000000000000000000000000000000000000000000000000", 45_000, 5_000, TestImages,
                new Dictionary<string, string>()),
            Weights: e.ModelType == "cnn" ? null : new WeightsInfo("imagenet (fake-weights.pth)", new string('f', 64)),
            ModelType: e.ModelType,
            ModelDescription: e.ModelType == "cnn" ? "cnn" : "transfer: resnet18, imagenet weights, trainable_layers 0",
            ModelSummary: new ModelSummary([new LayerSummary("fake_1", "Dense", [10], e.Trainable, true)], e.Trainable, e.Total),
            Setup: new TrainingSetup("rescale (pixels / 255)", 32, 64, "adam (learning_rate 0.001)", null, e.Epochs),
            History: history,
            Evaluation: evaluation,
            Timing: new RunTiming(e.TrainingSeconds + 12.5, e.TrainingSeconds, secondsPerEpoch, imagesPerSecond, 1_610_612_736L, null),
            Repeatability: "Fake runs repeat bit for bit.");
    }

    /// <summary>A fresh temporary folder, deleted when disposed.</summary>
    public sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("cifar-reports-").FullName;

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a leftover temp folder is not a test failure.
            }
        }
    }
}
