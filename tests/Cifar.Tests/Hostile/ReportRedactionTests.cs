using Cifar.Data;
using Cifar.Running;
using Cifar.Specs;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Hostile;

/// <summary>A whole run from a mirror URL with a password and a token: no file of the report folder holds either.</summary>
[Collection("libtorch")]
public sealed class ReportRedactionTests : IDisposable
{
    private const string Secret = "s3cr3t-t0ken";

    private readonly TempFolder _temp = new("cifar-report-redaction");
    private readonly LoopbackHttpServer _server = new();

    public void Dispose()
    {
        _server.Dispose();
        _temp.Dispose();
    }

    [TorchFact]
    public void Credentials_in_the_spec_url_reach_no_file_of_the_report()
    {
        var archive = new CifarArchiveBuilder(recordsPerBatch: 20).Build();
        var url = _server.Serve("cifar-10-binary.tar.gz", archive.Archive)
            .Replace("http://", $"http://mirror:{Secret}@", StringComparison.Ordinal) + $"?token={Secret}";
        var spec = _temp.Combine("spec.yaml");
        File.WriteAllText(spec, $"""
            name: redacted
            seed: 1
            data:
              dataset: cifar10
              normalization: rescale
              validation_split: 0.2
              batch_size: 16
              url: "{url}"
            model:
              type: cnn
              layers:
                - flatten: {"{}"}
                - dense: {"{units: 10}"}
            training:
              epochs: 1
              optimizer: {"{type: adam, learning_rate: 0.01}"}
            """);

        var outcome = new ExperimentRunner(new RunOptions(_temp.Combine("reports"), CacheDir: _temp.Combine("cache"), Threads: 1),
                SilentRunObserver.Instance, new Cifar10Download(archive.Md5s, archive.RecordsPerBatch))
            .Run(ExperimentSpecs.Loader.Load(spec));

        Assert.Equal(1, _server.RequestsFor("cifar-10-binary.tar.gz"));
        foreach (var file in Directory.GetFiles(outcome.Folder))
            Assert.DoesNotContain(Secret, File.ReadAllText(file), StringComparison.Ordinal);
        Assert.Contains($"url: \"{UrlRedaction.Redact(url)}\"", File.ReadAllText(Path.Combine(outcome.Folder, "spec.yaml")), StringComparison.Ordinal);
    }
}
