using System.Text;
using System.Text.Json;

namespace Cifar.Tests.Reports.Comparison;

/// <summary>How a fake experiment behaves: per-image chance of a right answer, and which class it confuses.</summary>
/// <param name="Skill">Probability of predicting the true class (before the per-class offsets).</param>
/// <param name="Seed">Seeds the fake predictions (not the labels, which every experiment shares).</param>
/// <param name="CatDogBias">Extra chance that a wrong "cat" is predicted "dog" (and vice versa).</param>
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
    bool WithTiming = true);

/// <summary>
/// Writes report folders the way `dotnet cifar run` lays them out, with consistent files: metrics.json is computed
/// from the same fake predictions that predictions.txt holds. Deterministic for a given experiment.
/// </summary>
internal static class FakeReports
{
    public static readonly string[] Classes =
        ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    public const int TestImages = 1000;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string CnnSpec(string learningRate = "0.001", int epochs = 6) => $"""
        name: cnn
        seed: 42
        data:
          dataset: cifar10
          validation_split: 0.1 # 5,000 images
          batch_size: 64
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

    /// <summary>Writes <c>root/name/</c> with metrics.json, timing.json, predictions.txt, spec.yaml; returns the folder.</summary>
    public static string Write(string root, FakeExperiment e)
    {
        var folder = Path.Combine(root, e.Name);
        Directory.CreateDirectory(folder);
        var labels = Labels();
        var predictions = Predict(e, labels);
        File.WriteAllText(Path.Combine(folder, "metrics.json"), MetricsJson(e, labels, predictions));
        if (e.WithTiming)
        {
            File.WriteAllText(Path.Combine(folder, "timing.json"), JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["total_seconds"] = e.TrainingSeconds + 12.5,
                ["training_seconds"] = e.TrainingSeconds,
                ["seconds_per_epoch"] = e.TrainingSeconds / e.Epochs,
                ["images_per_second"] = 45_000 * e.Epochs / e.TrainingSeconds,
                ["peak_memory_bytes"] = 1_610_612_736L,
            }));
        }
        if (e.WithPredictions)
        {
            File.WriteAllText(Path.Combine(folder, "predictions.txt"),
                "# dotnet-cifar test predictions v1: line 2 true labels, line 3 predicted labels (class index per test image)\n"
                + string.Concat(labels.Select(l => (char)('0' + l))) + "\n"
                + string.Concat(predictions.Select(p => (char)('0' + p))) + "\n");
        }
        File.WriteAllText(Path.Combine(folder, "spec.yaml"), e.Spec ?? (e.ModelType == "cnn" ? CnnSpec() : TransferSpec));
        File.WriteAllText(Path.Combine(folder, "report.md"), $"# {e.Name}\n");
        File.WriteAllText(Path.Combine(folder, "report.html"), $"<h1>{e.Name}</h1>\n");
        return folder;
    }

    private static string MetricsJson(FakeExperiment e, byte[] labels, byte[] predictions)
    {
        var matrix = new long[10, 10];
        for (var i = 0; i < labels.Length; i++)
        {
            matrix[labels[i], predictions[i]]++;
        }
        var perClass = new List<object>();
        double sumP = 0, sumR = 0, sumF = 0, wP = 0, wR = 0, wF = 0;
        for (var c = 0; c < 10; c++)
        {
            long tp = matrix[c, c], support = 0, predicted = 0;
            for (var k = 0; k < 10; k++)
            {
                support += matrix[c, k];
                predicted += matrix[k, c];
            }
            var precision = predicted == 0 ? 0 : (double)tp / predicted;
            var recall = support == 0 ? 0 : (double)tp / support;
            var f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perClass.Add(new Dictionary<string, object>
            {
                ["class"] = Classes[c], ["precision"] = precision, ["recall"] = recall, ["f1"] = f1, ["support"] = support,
            });
            (sumP, sumR, sumF) = (sumP + precision, sumR + recall, sumF + f1);
            (wP, wR, wF) = (wP + precision * support, wR + recall * support, wF + f1 * support);
        }
        var accuracy = (double)labels.Zip(predictions).Count(x => x.First == x.Second) / labels.Length;
        var history = Enumerable.Range(1, e.Epochs).Select(epoch => new Dictionary<string, object>
        {
            ["epoch"] = epoch,
            ["phase"] = "train",
            ["loss"] = Math.Round(2.0 * Math.Exp(-0.35 * epoch) + 0.3, 4),
            ["accuracy"] = Math.Round(e.Skill + 0.08 - 0.4 * Math.Exp(-0.6 * epoch), 4),
            ["val_loss"] = Math.Round(2.1 * Math.Exp(-0.3 * epoch) + 0.5 + (1 - e.Skill) * 0.3, 4),
            ["val_accuracy"] = Math.Round(e.Skill - 0.45 * Math.Exp(-0.55 * epoch), 4),
        }).ToList();
        var bestEpoch = e.StoppedEpoch is { } s ? Math.Max(1, s - 2) : e.Epochs;
        var cm = Enumerable.Range(0, 10).Select(t => Enumerable.Range(0, 10).Select(p => matrix[t, p]).ToArray()).ToArray();
        var metrics = new Dictionary<string, object?>
        {
            ["name"] = e.Name,
            ["seed"] = 42,
            ["test"] = new Dictionary<string, object> { ["accuracy"] = accuracy, ["loss"] = Math.Round(1.9 - 1.6 * accuracy, 4) },
            ["classes"] = Classes,
            ["per_class"] = perClass,
            ["macro_avg"] = new Dictionary<string, object> { ["precision"] = sumP / 10, ["recall"] = sumR / 10, ["f1"] = sumF / 10 },
            ["weighted_avg"] = new Dictionary<string, object>
            {
                ["precision"] = wP / labels.Length, ["recall"] = wR / labels.Length, ["f1"] = wF / labels.Length,
            },
            ["confusion_matrix"] = cm,
            ["history"] = history,
            ["best_epoch"] = bestEpoch,
            ["stopped_epoch"] = e.StoppedEpoch,
            ["model"] = new Dictionary<string, object>
            {
                ["type"] = e.ModelType, ["trainable_parameters"] = e.Trainable, ["total_parameters"] = e.Total,
            },
            ["overfitting"] = new Dictionary<string, object> { ["accuracy_gap"] = 0.08, ["loss_ratio"] = 1.4 },
            ["spec_sha256"] = "0000000000000000000000000000000000000000000000000000000000000000",
        };
        return JsonSerializer.Serialize(metrics, Indented) + "\n";
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

    /// <summary>Compares with a golden file beside the test source; UPDATE_GOLDEN=1 rewrites it instead.</summary>
    public static void AssertGolden(string actual, string goldenPath)
    {
        if (Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1")
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(goldenPath)!);
            File.WriteAllText(goldenPath, actual, new UTF8Encoding(false));
            return;
        }
        Assert.True(File.Exists(goldenPath), $"golden file {goldenPath} is missing; run the tests with UPDATE_GOLDEN=1 to create it");
        var expected = File.ReadAllText(goldenPath).ReplaceLineEndings("\n");
        Assert.Equal(expected, actual);
    }

    /// <summary>The folder of the calling test's source file (golden files sit there).</summary>
    public static string SourceFolder([System.Runtime.CompilerServices.CallerFilePath] string path = "")
    {
        var folder = System.IO.Path.GetDirectoryName(path)!;
        if (Directory.Exists(folder))
        {
            return folder;
        }
        // A deterministic CI build maps source paths (e.g. to /_/): find the checkout from the test binaries instead.
        var normalized = path.Replace('\\', '/');
        var relative = normalized[normalized.IndexOf("tests/Cifar.Tests/", StringComparison.Ordinal)..];
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Repro.sln")))
            {
                return System.IO.Path.GetDirectoryName(System.IO.Path.Combine(dir.FullName, relative))!;
            }
        }
        throw new DirectoryNotFoundException($"cannot find the source folder of {path}");
    }
}
