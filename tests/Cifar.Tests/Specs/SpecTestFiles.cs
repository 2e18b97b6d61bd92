using Cifar.Running;
using Cifar.Specs;

namespace Cifar.Tests.Specs;

/// <summary>Where the repository's spec files are, and helpers to run the loader on text.</summary>
internal static class SpecTestFiles
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Experiments => Path.Combine(RepositoryRoot, "experiments");

    public static string CnnExample => Path.Combine(Experiments, "cnn.yaml");

    public static string TransferExample => Path.Combine(Experiments, "transfer.yaml");

    public static string Schema => Path.Combine(Experiments, "spec.schema.json");

    /// <summary>A minimal spec that loads; tests' expected <c>file:line:col</c> positions refer to its lines.</summary>
    public const string MinimalSpec =
        """
        name: t
        seed: 1
        data:
          dataset: cifar10
        model:
          type: cnn
          layers:
            - conv2d: {filters: 8, kernel_size: 3}
            - flatten: {}
            - dense: {units: 10}
        training:
          epochs: 2
          optimizer: {type: adam}
        """;

    /// <summary><paramref name="spec"/> with <paramref name="from"/> (which must occur in it) replaced by <paramref name="to"/>.</summary>
    public static string Edited(string spec, string from, string to)
    {
        Assert.Contains(from, spec, StringComparison.Ordinal);
        return spec.Replace(from, to, StringComparison.Ordinal);
    }

    /// <summary>The lines of the error the loader reports for <paramref name="yaml"/>; fails if it loads.</summary>
    public static string[] Problems(string yaml, string path = "spec.yaml")
    {
        var error = Assert.Throws<CifarUserException>(() => ExperimentSpecs.Loader.Parse(yaml, path));
        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        return [.. error.Lines];
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Repro.sln"))) return dir.FullName;
        throw new InvalidOperationException("Repro.sln not found above " + AppContext.BaseDirectory);
    }
}
