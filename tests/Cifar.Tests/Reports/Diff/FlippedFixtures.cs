using Cifar.Reports;
using Cifar.Reports.Diff;
using Cifar.Reports.Files;
using Cifar.Reports.Images;
using Cifar.Tests.Reports.Comparison;

namespace Cifar.Tests.Reports.Diff;

/// <summary>
/// Two report folders written by the real report writer (<see cref="FakeReports"/>), with what a run with pictures
/// adds: test-outcomes.csv through its one writer (<see cref="TestOutcomesFile"/>, a subset run: test index 3i at
/// position i) and fake pictures through the tool's PNG encoder: every fifth image's Grad-CAM map on both sides, every
/// third image's enlarged copy in the head only. Each picture is one flat colour made from its test index and side, so
/// the files are tiny and a wrong picture is a wrong colour.
/// </summary>
internal static class FlippedFixtures
{
    public static readonly FakeExperiment Base = new("cnn", "cnn", Skill: 0.62, Seed: 1, Epochs: 8, StoppedEpoch: 7);

    public static readonly FakeExperiment Head = Base with
    {
        Skill = 0.66,
        Seed = 11,
        Epochs = 10,
        StoppedEpoch = null,
        Spec = FakeReports.CnnSpec(learningRate: "0.0005", epochs: 10),
    };

    /// <summary>The dataset hash FakeReports' runs record (metrics.json's <c>dataset_sha256</c>).</summary>
    public static string DatasetSha256 => FakeReports.Result(Base).Dataset.Sha256;

    /// <summary>Writes <c>root/base/cnn</c> and <c>root/head/cnn</c>; returns the two report folders.</summary>
    /// <param name="datasetSha256">The dataset hash both runs record; FakeReports' fake one by default.</param>
    public static (string Base, string Head) Write(string root, string? datasetSha256 = null)
    {
        string WriteReport(string side, FakeExperiment e)
        {
            var result = FakeReports.Result(e);
            if (datasetSha256 is not null) result = result with { Dataset = result.Dataset with { Sha256 = datasetSha256 } };
            var folder = Path.Combine(root, side, e.Name);
            ReportWriter.Write(result, folder, ReportOptions.Default);
            return folder;
        }
        var baseFolder = WriteReport("base", Base);
        var headFolder = WriteReport("head", Head);
        AddOutcomesAndPictures(baseFolder, side: 0, copies: false);
        AddOutcomesAndPictures(headFolder, side: 1, copies: true);
        return (baseFolder, headFolder);
    }

    /// <summary>A fake cached test set: image i is a flat colour of its index, so a test can tell which one was shown.</summary>
    public static TestSetPictures TestSet(string? datasetSha256 = null) => new(datasetSha256 ?? DatasetSha256,
        index => index is >= 0 and < 10_000 ? RgbImage.Filled(32, 32, (byte)(index % 251), (byte)(index / 251 % 251), 200) : null);

    private static void AddOutcomesAndPictures(string folder, int side, bool copies)
    {
        var predictions = PredictionsFile.Parse(File.ReadAllText(Path.Combine(folder, ReportFiles.Predictions)), folder);
        var outcomes = predictions.TrueLabels.Select((label, i) =>
        {
            // Deterministic, varied losses: the right answers cheap, the wrong ones dear, each side its own pattern.
            var right = predictions.Predicted[i] == label;
            var loss = Math.Round((right ? 0.05 : 1.2) + (i * (7 + side * 4) % 97) / 100.0, 6);
            var confidence = Math.Round(right ? Math.Exp(-loss) : 0.35 + (i % 40) / 100.0, 6);
            return new TestOutcome(3 * i, (byte)(label - '0'), (byte)(predictions.Predicted[i] - '0'), confidence,
                Math.Round(Math.Exp(-loss), 6), loss);
        }).ToList();
        File.WriteAllText(Path.Combine(folder, ReportFiles.TestOutcomes), TestOutcomesFile.Render(outcomes));
        foreach (var outcome in outcomes)
        {
            var stem = $"test-{outcome.TestIndex:D5}.png";
            if (outcome.TestIndex % 2 == 0)
            {
                Save(Path.Combine(folder, "images", "gradcam", stem), Picture(outcome.TestIndex, side == 0 ? (byte)40 : (byte)220));
            }
            if (copies && outcome.TestIndex % 3 == 0 && outcome.TestIndex % 2 == 0)
            {
                Save(Path.Combine(folder, "images", "test", stem), Picture(outcome.TestIndex, 128));
            }
        }
    }

    /// <summary>A 128x128 PNG (a 32x32 picture enlarged 4x, as the reports store them) of one flat colour.</summary>
    public static byte[] Picture(int testIndex, byte blue) =>
        PngImages.Encode(ImageLayout.Enlarge(RgbImage.Filled(32, 32, (byte)(testIndex % 251), 90, blue), DiffHtml.Enlargement));

    private static void Save(string path, byte[] png)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, png);
    }
}
