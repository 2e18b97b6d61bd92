using Cifar.Data;
using Cifar.Reports.Diff;
using Cifar.Reports.Files;
using Cifar.Running;
using Cifar.Specs;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Running;

/// <summary>Several seeds per spec, end to end on generated CIFAR-format archives (seconds per run).</summary>
[Collection("libtorch")]
public sealed class MultiSeedRunTests : IDisposable
{
    private readonly TempFolder _temp = new("multiseed-test");

    public void Dispose() => _temp.Dispose();

    private string WriteSpec(GeneratedCifarArchive archive, string seedLine, string name = "tiny")
    {
        var archivePath = archive.WriteTo(_temp.Combine(name + "-cifar.tar.gz"));
        var yaml = $"""
            name: {name}
            {seedLine}
            data:
              dataset: cifar10
              validation_split: 0.2
              batch_size: 16
              url: {archivePath}
            model:
              type: cnn
              layers:
                - conv2d: {"{filters: 4, kernel_size: 3, activation: relu}"}
                - max_pooling2d: {"{pool_size: 2}"}
                - flatten: {"{}"}
                - dense: {"{units: 10}"}
            training:
              epochs: 2
              optimizer: {"{type: adam, learning_rate: 0.01}"}
            report:
              formats: [markdown]
            """;
        var path = _temp.Combine(name + "-" + Guid.NewGuid().ToString("N")[..6] + ".yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private RunOutcome Run(GeneratedCifarArchive archive, string specPath, string output) =>
        new ExperimentRunner(new RunOptions(output, CacheDir: _temp.Combine("cache"), Threads: 1), SilentRunObserver.Instance,
                new Cifar10Download(archive.Md5s, archive.RecordsPerBatch))
            .Run(ExperimentSpecs.Loader.Load(specPath));

    [TorchFact]
    public void Three_seeds_write_three_seed_folders_and_the_aggregate_and_each_seed_is_its_single_run()
    {
        var archive = new CifarArchiveBuilder(recordsPerBatch: 40).Learnable().Build();
        var outcome = Run(archive, WriteSpec(archive, "seeds: [7, 8, 9]"), _temp.Combine("reports"));

        var folder = _temp.Combine("reports", "tiny");
        Assert.Equal(folder, outcome.Folder);
        Assert.Equal(["accuracy.svg", "loss.svg", "report.md", "seeds.json", "spec.yaml"],
            Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["seed-7", "seed-8", "seed-9"], Directory.GetDirectories(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Empty(Directory.GetDirectories(_temp.Combine("reports"), ".*")); // no staging left behind

        var seeds = ReportFileJson.ReadSeeds(File.ReadAllText(Path.Combine(folder, "seeds.json")), "seeds.json");
        var accuracies = new[] { 7, 8, 9 }.Select(s => ReportFileJson.ReadMetrics(
            File.ReadAllText(Path.Combine(folder, $"seed-{s}", "metrics.json")), "metrics.json").Test.Accuracy).ToList();
        Assert.Equal(accuracies.Average(), seeds.TestAccuracy.Mean, 6);
        Assert.Equal(accuracies.Average(), outcome.TestAccuracy, 9);
        Assert.Contains("points at 95%, 3 seeds.", File.ReadAllText(Path.Combine(folder, "report.md")), StringComparison.Ordinal);

        // The seed-7 folder is what a single run of the spec with `seed: 7` writes, byte for byte.
        var single = Run(archive, WriteSpec(archive, "seed: 7"), _temp.Combine("single"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(single.Folder, "metrics.json")), File.ReadAllBytes(Path.Combine(folder, "seed-7", "metrics.json")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(single.Folder, "predictions.txt")), File.ReadAllBytes(Path.Combine(folder, "seed-7", "predictions.txt")));
        Assert.Contains("seed: 7", File.ReadAllText(Path.Combine(folder, "seed-7", "spec.yaml")), StringComparison.Ordinal);
        Assert.Contains("seeds: [7, 8, 9]", File.ReadAllText(Path.Combine(folder, "spec.yaml")), StringComparison.Ordinal);

        // Run again over it: the multi-seed folder is the tool's own and is replaced.
        Run(archive, WriteSpec(archive, "seeds: [7, 8]"), _temp.Combine("reports"));
        Assert.Equal(["seed-7", "seed-8"], Directory.GetDirectories(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [TorchFact]
    public void Two_disjoint_seed_sets_of_the_same_spec_diff_as_within_noise()
    {
        // Random pixels: accuracy is chance plus seed noise, and nothing else differs between the sides.
        var archive = new CifarArchiveBuilder(recordsPerBatch: 40).Build();
        var first = Run(archive, WriteSpec(archive, "seeds: [1, 2, 3]"), _temp.Combine("first"));
        var second = Run(archive, WriteSpec(archive, "seeds: [4, 5, 6]"), _temp.Combine("second"));

        var diff = ReportDiffer.Diff(first.Folder, second.Folder);
        var experiment = Assert.Single(diff.Experiments);
        Assert.NotNull(experiment.SeedTest);
        Assert.Equal("within noise", experiment.SeedTest!.Verdict);
        Assert.Empty(diff.Regressions(0));
        Assert.NotNull(experiment.Paired); // McNemar on the majority votes, beside it
        Assert.Contains("Welch's t test on the seeds' test accuracies", DiffRenderer.Render(diff, DiffFormat.Markdown, 0), StringComparison.Ordinal);
    }
}
