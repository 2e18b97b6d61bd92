using System.Text.RegularExpressions;
using Cifar.Data;
using Cifar.Reproducibility;

namespace Cifar.Models.Transfer;

/// <summary>One of torchvision's published ImageNet weight files (a PyTorch state dict saved with torch.save).</summary>
/// <param name="FileName">e.g. <c>resnet50-0676ba61.pth</c>: torchvision names each file after a prefix of its SHA-256.</param>
/// <param name="Url">The official download address.</param>
/// <param name="Sha256">The file's full SHA-256, when known (pinned in <see cref="TransferBases"/> for the official
/// files); null checks only the prefix in <paramref name="FileName"/>, as torch.hub's <c>check_hash</c> does.</param>
public sealed partial record TorchVisionWeightsFile(string FileName, string Url, string? Sha256 = null) : WeightsSource
{
    public override string FileName { get; } = FileName;

    private protected override string DescriptionDetail => FileName;

    internal override Task<string> GetAsync(ArtifactCache cache, string? weightsUrl, IDownloadProgress? progress, CancellationToken cancellationToken) =>
        TorchVisionWeights.GetAsync(this, cache, weightsUrl, progress, cancellationToken);

    internal override void Load(PretrainedBase model, string path) => PretrainedBases.LoadStateDict(model, path, model.Description.Architecture);

    /// <summary>
    /// The hex digits after the last '-' of the file name: the prefix of the file's SHA-256 that torch.hub's
    /// <c>check_hash</c> verifies.
    /// </summary>
    public string Sha256Prefix => HashPrefix().Match(FileName) is { Success: true } m
        ? m.Groups[1].Value
        : throw new InvalidOperationException($"'{FileName}' carries no hash prefix.");

    /// <summary>
    /// Throws <see cref="InvalidDataException"/> unless the file's SHA-256 equals <see cref="Sha256"/> (or, when that
    /// is unknown, starts with <see cref="Sha256Prefix"/>: 32 bits, enough against corruption, not against forgery).
    /// </summary>
    public void Verify(string path)
    {
        var actual = Hashing.Sha256HexOfFile(path);
        if (Sha256 is { } full)
        {
            if (!string.Equals(actual, full, StringComparison.OrdinalIgnoreCase))
                throw new InvalidDataException($"sha256 is {actual}, expected {full.ToLowerInvariant()} (the published {FileName})");
            return;
        }

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
/// file must match the official file's full SHA-256, and is cached as <c>weights/&lt;file name&gt;</c>.
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
            if (!mirror.Contains("://", StringComparison.Ordinal)) return Path.Combine(mirror, file.FileName);
            // The file name goes into the path, before any query (a mirror may take an access token there).
            var query = mirror.IndexOf('?', StringComparison.Ordinal);
            var (path, rest) = query >= 0 ? (mirror[..query], mirror[query..]) : (mirror, "");
            return $"{path.TrimEnd('/')}/{file.FileName}{rest}";
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

    /// <summary>A file at torchvision's official address, with its full SHA-256 (which must start with the name's prefix).</summary>
    public static TorchVisionWeightsFile Official(string fileName, string sha256)
    {
        var file = new TorchVisionWeightsFile(fileName, $"https://download.pytorch.org/models/{fileName}", sha256);
        return sha256.Length == 64 && sha256.StartsWith(file.Sha256Prefix, StringComparison.Ordinal)
            ? file
            : throw new InvalidOperationException($"The pinned SHA-256 of {fileName} does not start with its name's prefix.");
    }
}
