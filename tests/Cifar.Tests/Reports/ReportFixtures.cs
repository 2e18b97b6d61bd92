using Cifar.Evaluation;
using Cifar.Models;
using Cifar.Reports;
using Cifar.Reproducibility;
using Cifar.Specs;
using Cifar.Training;

namespace Cifar.Tests.Reports;

/// <summary>
/// A hand-built result with an obviously fake environment, so golden files are the same on every machine: a small CNN
/// trained 8 epochs with crop and flip under a warm-up + cosine schedule (10 steps an epoch), fine-tuned 4 more at a
/// constant rate, best at epoch 9 and stopped at 12, evaluated on 200 test images.
/// </summary>
internal static class ReportFixtures
{
    public static readonly string[] Classes =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    // "\n" whatever line endings the checkout gave this file, so golden files match on Windows too.
    public static readonly string SpecText = """
        # A small CNN for the golden-file tests.
        name: golden-cnn
        description: Golden-file fixture & friends
        seed: 42
        data:
          dataset: cifar10
          normalization: standardize
          validation_split: 0.1
          batch_size: 64
          augmentation:
            - random_crop: { padding: 4 }
            - horizontal_flip: {}
        model:
          type: cnn
          layers:
            - conv2d: { filters: 8, kernel_size: 3, activation: relu }
            - max_pooling2d: { pool_size: 2 }
            - flatten: {}
            - dense: { units: 10, activation: softmax }
        training:
          epochs: 8
          optimizer: { type: adam, learning_rate: 0.001 }
          lr_schedule: { type: cosine, warmup_epochs: 1 }
          label_smoothing: 0.1
          early_stopping: { monitor: val_loss, patience: 3, restore_best_weights: true }

        """.ReplaceLineEndings("\n");

    public static EnvironmentInfo FakeEnvironment { get; } = new(
        ToolVersion: "0.0.0-fake",
        Runtime: "FakeNET 0.0",
        TorchSharpVersion: "0.0.0-faketorch",
        LibTorchVersion: "0.0.0+fake",
        OnnxRuntimeVersion: "0.0.0-fakeort",
        OperatingSystem: "FakeOS 1.0",
        Cpu: new CpuInfo("Fake CPU @ 0 GHz", "FakeVendor", 99, 999, 9, ["fakesse", "fakeavx"]),
        LogicalCores: 2,
        Threads: 1,
        GitCommit: "0123456789abcdef0123456789abcdef01234567",
        CpuDispatchOverrides: new Dictionary<string, string>());

    public static readonly LearningRateScheduleSpec Schedule = new(LearningRateScheduleType.Cosine, WarmupEpochs: 1);

    public static readonly AugmentationStep[] Augmentation = [new RandomCropStep(4, CropFill.Reflect), new HorizontalFlipStep(FlipMode.Random)];

    /// <summary>The rate of each of an epoch's 10 steps: the schedule's over the 8 training epochs, then the
    /// fine-tuning phase's constant 1e-4, as <see cref="Trainer.Fit"/> records them.</summary>
    public static double[] StepRates(int epoch) => epoch <= 8
        ? [.. Enumerable.Range(0, 10).Select(b => 0.001 * LearningRateSchedule.Factor(Schedule, ((epoch - 1) * 10) + b, 10, 8))]
        : [.. Enumerable.Repeat(1e-4, 10)];

    public static TrainingHistory History { get; } = new(
        [
            new EpochLog(1, "train", 2.051234, 0.251234, 1.901234, 0.301234, 10.5, 4500.25) { LearningRates = StepRates(1) },
            new EpochLog(2, "train", 1.701234, 0.381234, 1.651234, 0.401234, 10.1, 4600.5) { LearningRates = StepRates(2) },
            new EpochLog(3, "train", 1.501234, 0.461234, 1.521234, 0.451234, 10.2, 4650.75) { LearningRates = StepRates(3) },
            new EpochLog(4, "train", 1.351234, 0.521234, 1.441234, 0.491234, 10.0, 4700) { LearningRates = StepRates(4) },
            new EpochLog(5, "train", 1.231234, 0.571234, 1.401234, 0.511234, 9.9, 4710.125) { LearningRates = StepRates(5) },
            new EpochLog(6, "train", 1.131234, 0.611234, 1.381234, 0.521234, 9.8, 4720) { LearningRates = StepRates(6) },
            new EpochLog(7, "train", 1.041234, 0.641234, 1.371234, 0.531234, 9.9, 4715) { LearningRates = StepRates(7) },
            new EpochLog(8, "train", 0.961234, 0.671234, 1.368234, 0.536234, 10.0, 4705) { LearningRates = StepRates(8) },
            new EpochLog(9, "fine_tune", 0.881234, 0.701234, 1.351234, 0.551234, 14.5, 3300) { LearningRates = StepRates(9) },
            new EpochLog(10, "fine_tune", 0.801234, 0.731234, 1.371234, 0.549234, 14.4, 3310) { LearningRates = StepRates(10) },
            new EpochLog(11, "fine_tune", 0.731234, 0.761234, 1.401234, 0.545234, 14.6, 3290) { LearningRates = StepRates(11) },
            new EpochLog(12, "fine_tune", 0.671234, 0.781234, 1.441234, 0.541234, 14.5, 3300) { LearningRates = StepRates(12) },
        ],
        BestEpoch: 9,
        StoppedEpoch: 12);

    public static ModelSummary Model { get; } = new(
        [
            new LayerSummary("conv2d_1", "Conv2D", [8, 30, 30], 224, true),
            new LayerSummary("max_pooling2d_1", "MaxPooling2D", [8, 15, 15], 0, true),
            new LayerSummary("flatten_1", "Flatten", [1800], 0, true),
            new LayerSummary("dense_1", "Dense", [10], 18010, true),
        ],
        TrainableParameters: 18234,
        TotalParameters: 18234);

    public static ExperimentResult Result(string? specText = null, string? description = "Golden-file fixture & friends") => new(
        Name: "golden-cnn",
        Description: description,
        Seed: 42,
        SpecText: specText ?? SpecText,
        SpecSha256: Hashing.Sha256Hex(specText ?? SpecText),
        Environment: FakeEnvironment,
        Dataset: new DatasetInfo("CIFAR-10", "https://example.invalid/cifar-10-binary.tar.gz",
            "fa4e000000000000000000000000000000000000000000000000000000000000", 45000, 5000, 200,
            new Dictionary<string, string>
            {
                ["test_batch.bin"] = "fa4e0000000000000000000000000006",
                ["data_batch_1.bin"] = "fa4e0000000000000000000000000001",
            }),
        Weights: null,
        ModelType: "cnn",
        ModelDescription: "cnn",
        ModelSummary: Model,
        Setup: new TrainingSetup("standardize (per-channel mean and std of the training split)", 32, 64,
            "adam (learning_rate 0.001, beta_1 0.9, beta_2 0.999, epsilon 1E-07)",
            "monitor val_loss (mode auto), patience 3, min_delta 0, restore best weights", 12)
        {
            Augmentation = string.Join(", ", Augmentation.Select(SpecDescriptions.Augmentation)),
            LearningRateSchedule = SpecDescriptions.Schedule(Schedule),
            LabelSmoothing = "label_smoothing 0.1",
        },
        History: History,
        Evaluation: Evaluation(),
        Timing: new RunTiming(321.25, 138.4, 11.533, 4201.5, 1_234_567_890, null),
        Repeatability: "Fake runs repeat bit for bit: every random source is derived from seed 42 and the run used 1 thread.");

    /// <summary>200 test images, 20 per class in interleaved order; class c is right 12 + 3c mod 8 times.</summary>
    public static ClassificationReport Evaluation()
    {
        var labels = new List<byte>();
        var predictions = new List<byte>();
        var seen = new int[10];
        for (var i = 0; i < 200; i++)
        {
            var c = i % 10;
            var k = seen[c]++;
            var correct = 12 + (c * 3 % 8);
            labels.Add((byte)c);
            predictions.Add((byte)(k < correct ? c : (c + 1 + (k % 3)) % 10));
        }
        return Evaluate(labels, predictions, loss: 1.2345678);
    }

    /// <summary>sklearn's classification_report arithmetic, written out for the fixture.</summary>
    public static ClassificationReport Evaluate(IReadOnlyList<byte> labels, IReadOnlyList<byte> predictions, double loss)
    {
        var matrix = new int[10][];
        for (var i = 0; i < 10; i++) matrix[i] = new int[10];
        for (var i = 0; i < labels.Count; i++) matrix[labels[i]][predictions[i]]++;
        var rows = new List<ClassMetrics>();
        for (var c = 0; c < 10; c++)
        {
            var tp = matrix[c][c];
            var support = matrix[c].Sum();
            var predicted = matrix.Sum(r => r[c]);
            var precision = predicted == 0 ? 0 : tp / (double)predicted;
            var recall = support == 0 ? 0 : tp / (double)support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            rows.Add(new ClassMetrics(Classes[c], precision, recall, f1, support));
        }
        var total = (double)labels.Count;
        var accuracy = Enumerable.Range(0, 10).Sum(c => matrix[c][c]) / total;
        return new ClassificationReport(
            Classes,
            accuracy,
            loss,
            rows,
            new AveragedMetrics(rows.Average(r => r.Precision), rows.Average(r => r.Recall), rows.Average(r => r.F1)),
            new AveragedMetrics(
                rows.Sum(r => r.Precision * r.Support) / total,
                rows.Sum(r => r.Recall * r.Support) / total,
                rows.Sum(r => r.F1 * r.Support) / total),
            matrix.Select(r => (IReadOnlyList<int>)r).ToList(),
            labels,
            predictions);
    }
}
