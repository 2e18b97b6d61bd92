using Cifar.Data;

namespace Cifar.Tests.Infra;

/// <summary>
/// A generated dataset of the real size (10,000 records per batch file) installed into a cache folder by the real
/// cache code. The built tool accepts only the official batches from a download, but trusts what its cache holds: a
/// test that runs the tool as a child process points <c>--cache-dir</c> here and trains on generated images without
/// any download.
/// </summary>
public static class GeneratedCifarCache
{
    /// <summary>Fills <paramref name="cacheRoot"/> as a first run would; returns the dataset folder.</summary>
    public static string Install(string cacheRoot)
    {
        var archive = new CifarArchiveBuilder(Cifar10Download.RecordsPerBatchFile).Build(gzip: false);
        Directory.CreateDirectory(cacheRoot);
        string path = archive.WriteTo(Path.Combine(cacheRoot, "generated-cifar-10.tar"));
        try
        {
            return new Cifar10Download(archive.Md5s, archive.RecordsPerBatch)
                .EnsureAsync(new ArtifactCache(cacheRoot), path).GetAwaiter().GetResult().Folder;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
