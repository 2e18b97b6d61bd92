namespace Cifar.Tests.Infra;

/// <summary>Files of this repository (example specs, the source), found from the test output folder upwards.</summary>
public static class RepositoryFiles
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "Repro.sln"))) return folder.FullName;
        }
        throw new InvalidOperationException("Repro.sln not found above " + AppContext.BaseDirectory);
    });

    /// <summary>The full path of <paramref name="relative"/> (e.g. <c>experiments/cnn.yaml</c>) in the repository.</summary>
    public static string PathOf(string relative) => Path.Combine(Root.Value, relative);
}
