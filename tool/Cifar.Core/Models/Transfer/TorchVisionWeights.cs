using System.Text.RegularExpressions;
using Cifar.Data;
using Cifar.Reproducibility;

namespace Cifar.Models.Transfer;

/// <summary>One of torchvision's published ImageNet weight files (a PyTorch state dict saved with torch.save).</summary>
/// <param name="FileName">e.g. <c>resnet50-0676ba61.pth</c>: torchvision names each file after a prefix of its SHA-256.</param>
/// <param name="Url">The official download address.</param>
public sealed partial record TorchVisionWeightsFile(string FileName, string Url) : WeightsSource
{
    public override string FileName { get; } = FileName;

    private protected override string DescriptionDetail => FileName;

    internal override Task<string> GetAsync(ArtifactCache cache, string? weightsUrl, IDownloadProgress? progress, CancellationToken cancellationToken) =>
        TorchVisionWeights.GetAsync(this, cache, weightsUrl, progress, cancellationToken);

    internal override void Load(PretrainedBase model, string path) => PretrainedBases.LoadStateDict(model, path, model.Description.Architecture);

    /// <summary>
    /// The hex digits after the last '-' of the file name: the prefix of the file's SHA-256 that torch.hub's
    /// <c>check_hash</c> verifies (torchvision publishes no full digest, so neither can we).
    /// </summary>
    public string Sha256Prefix => HashPrefix().Match(FileName) is { Success: true } m
        ? m.Groups[1].Value
        : throw new InvalidOperationException($"'{FileName}' carries no hash prefix.");

    /// <summary>Throws <see cref="InvalidDataException"/> unless the file's SHA-256 starts with <see cref="Sha256Prefix"/>.</summary>
    public void Verify(string path)
    {
        var actual = Hashing.Sha256HexOfFile(path);
        if (!actual.StartsWith(Sha256Prefix, StringComparison.OrdinalIgnoreCase))
            throw new InvalidDataException($"sha256 is {actual}, expected it to start with {Sha256Prefix} (from the file name {FileName})");
    }

    // torch.hub's HASH_REGEX: "-([a-f0-9]*)\." on the file name.
    [GeneratedRegex(@"-([a-f0-9]+)\.[^-]*$")]
    private static partial Regex HashPrefix();
}

/// <summary>
/// How torchvision's ImageNet weights (IMAGENET1K_V1; which file each base uses is in <see cref="TransferBases"/>)
/// are fetched into the shared download cache.
/// </summary>
/// <remarks>
/// Source, first match wins: the spec's <c>model.weights_url</c> (the file itself: an http(s) URL, <c>file://</c> URL
/// or local path); the <c>CIFAR_WEIGHTS_URL</c> environment variable (a mirror: a base URL or a folder to which the
/// file name, e.g. <c>resnet50-0676ba61.pth</c>, is appended); torchvision's official URL. Whatever the source, the
/// file must match the hash prefix in its official name, and is cached as <c>weights/&lt;file name&gt;</c>.
/// </remarks>
public static class TorchVisionWeights
{
    /// <summary>Environment variable naming a mirror (base URL or folder) for all downloadable weights.</summary>
    public const string MirrorEnvironmentVariable = "CIFAR_WEIGHTS_URL";

    /// <summary>Where to fetch <paramref name="file"/> from (see the class remarks for the order).</summary>
    public static string SourceOf(TorchVisionWeightsFile file, string? weightsUrl) =>
        SourceOf(file, weightsUrl, Environment.GetEnvironmentVariable);

    internal static string SourceOf(TorchVisionWeightsFile file, string? weightsUrl, Func<string, string?> environment)
    {
        if (!string.IsNullOrWhiteSpace(weightsUrl)) return weightsUrl;
        if (environment(MirrorEnvironmentVariable) is { Length: > 0 } mirror)
        {
            return mirror.Contains("://", StringComparison.Ordinal)
                ? $"{mirror.TrimEnd('/')}/{file.FileName}"
                : Path.Combine(mirror, file.FileName);
        }
        return file.Url;
    }

    /// <summary>
    /// The verified local copy of <paramref name="file"/>: from the cache, or fetched from its source, checked against
    /// the hash prefix and moved into the cache in one rename. A failed download or a wrong file throws
    /// <see cref="CifarUserException"/> (Download) and leaves nothing in the cache.
    /// </summary>
    public static Task<string> GetAsync(
        TorchVisionWeightsFile file, ArtifactCache cache, string? weightsUrl = null, IDownloadProgress? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(cache);
        return cache.GetFileAsync(SourceOf(file, weightsUrl), $"weights/{file.FileName}", file.Verify, progress, cancellationToken);
    }

    /// <summary>A file at torchvision's official address.</summary>
    public static TorchVisionWeightsFile Official(string fileName) => new(fileName, $"https://download.pytorch.org/models/{fileName}");
}
