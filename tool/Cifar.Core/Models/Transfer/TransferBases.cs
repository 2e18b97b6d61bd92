using Cifar.Data;
using Cifar.Specs;
using TorchSharp;

namespace Cifar.Models.Transfer;

/// <summary>
/// One pretrained base a spec can name, in the manner of torchvision's <c>WeightsEnum</c>: the spec's name and Keras'
/// alias, the pooled feature width, the stages <c>trainable_layers</c> counts, and the weights it can be built with
/// (each with its architecture, input normalisation, source and hash, and factory). Everything the tool knows about a
/// base is here; <see cref="TransferBases"/> lists them.
/// </summary>
/// <param name="Name">What a spec writes in <c>model.base</c> (lowercase, matched exactly).</param>
/// <param name="KerasAlias">Keras' application name, also accepted (in any letter case).</param>
/// <param name="FeatureCount">Width of the globally pooled feature vector the head gets.</param>
/// <param name="StageNames">The groups frozen or trained as one, from the input up (<c>stem</c>, <c>layer1</c>, ...).</param>
/// <param name="Weights">The weights sets, the one a spec gets by default first (see <see cref="WeightsFor"/>).</param>
public sealed record TransferBase(
    string Name,
    string KerasAlias,
    int FeatureCount,
    IReadOnlyList<string> StageNames,
    IReadOnlyList<BaseWeights> Weights)
{
    /// <summary>What the spec loader needs to know of this base.</summary>
    public TransferBaseName SpecName => new(Name, KerasAlias, StageNames.Count);

    /// <summary>
    /// The weights a spec gets: the first set (for ResNet18 the bundled offline CNTK file), unless the spec sets
    /// <c>model.weights_url</c>, which names a file to download, so the downloadable set (the <c>CIFAR_WEIGHTS_URL</c>
    /// mirror alone does not switch: the spec decides the architecture, the environment only where bytes come from).
    /// </summary>
    public BaseWeights WeightsFor(string? weightsUrl) => string.IsNullOrWhiteSpace(weightsUrl)
        ? Weights[0]
        : Weights.First(w => w.Source is TorchVisionWeightsFile);

    public override string ToString() => Name;
}

/// <summary>One weights set of a base and the architecture that holds it.</summary>
/// <param name="Architecture">
/// Names the architecture in reports, feature-cache keys and state-dict errors: <c>resnet18-cntk</c> (the bundled
/// offline ResNet18, blocks [2,2,2,3]), <c>resnet18</c>, <c>resnet50</c>, <c>mobilenet_v2</c>, <c>vgg16</c>.
/// </param>
/// <param name="InputNormalization">What the weights expect from uint8 RGB pixels (<c>normalization: imagenet</c>).</param>
/// <param name="Source">Where the weights come from and how they are checked and loaded.</param>
/// <param name="CreateArchitecture">Builds the architecture, randomly initialised (torch's global generator), without a classifier.</param>
public sealed record BaseWeights(
    string Architecture,
    ChannelNormalization InputNormalization,
    WeightsSource Source,
    Func<BaseDescription, PretrainedBase> CreateArchitecture)
{
    public override string ToString() => Architecture;
}

/// <summary>Where a base's ImageNet weights come from: a file bundled with the tool, or one downloaded on first use.</summary>
public abstract record WeightsSource
{
    /// <summary>The file's name, e.g. <c>resnet50-0676ba61.pth</c>.</summary>
    public abstract string FileName { get; }

    /// <summary>What reports and logs say about the weights, e.g. <c>imagenet (resnet50-0676ba61.pth)</c>.</summary>
    public string Description => $"imagenet ({DescriptionDetail})";

    private protected abstract string DescriptionDetail { get; }

    /// <summary>The verified local copy: the bundled file, or a download through the cache.</summary>
    internal abstract Task<string> GetAsync(ArtifactCache cache, string? weightsUrl, IDownloadProgress? progress, CancellationToken cancellationToken);

    /// <summary>Copies the weights of the file at <paramref name="path"/> into <paramref name="model"/>.</summary>
    internal abstract void Load(PretrainedBase model, string path);
}

/// <summary>
/// The catalogue of transfer bases: one entry each, the only place a base's facts live. To add one, add an entry here
/// (and to <see cref="All"/>), its architecture builder in <see cref="BaseArchitectures"/> if torchvision's is not
/// used as is, and its name to experiments/spec.schema.json and docs/spec-reference.md; the catalogue tests then
/// build it and check its feature count and stages.
/// </summary>
public static class TransferBases
{
    // torchvision's weights carry their full SHA-256. torchvision publishes only the 8-digit prefix (in the file
    // name); the full values are pinned the same way in several independent public projects' checksum lists, found
    // by code search, and each must start with its file's prefix (TorchVisionWeights.Official checks):
    // - resnet18-f37072fd.pth: pinned with its size, 46,830,571 bytes, in download manifests of several projects.
    // - resnet50-0676ba61.pth: pinned as "ResNet50_Weights.IMAGENET1K_V1" in several projects' checkpoint checks.
    // - mobilenet_v2-b0353104.pth: SRC_URI[mobilenet_v2-b0353104.sha256sum] of the PyTorch benchmark recipe in
    //   renesas-rz/meta-renesas-ai (meta-benchmark/recipes-benchmark/pytorch), a Yocto layer, and other manifests.
    // - vgg16-397923af.pth: pinned with its size, 553,433,881 bytes, in model stores and LPIPS/VGG asset lists.

    /// <summary>ResNet18: the bundled offline CNTK weights by default, torchvision's with <c>model.weights_url</c>.</summary>
    public static TransferBase ResNet18 { get; } = new("resnet18", "ResNet18", 512, BaseArchitectures.ResNetStages,
    [
        // ML.NET 0.23.1's ResNet18.onnx (see CntkResNet18), copied next to the tool at build time.
        new BaseWeights("resnet18-cntk", ChannelNormalization.CntkBgrMeanSubtraction,
            new BundledOnnxFile("resnet18-cntk.onnx", "e2552f19db2dfdb01b3669537b6a0f1b44da38d18279535492ed5dfc2ef1ff8f", "bundled CNTK ResNet18.onnx"),
            d => BaseArchitectures.ResNet(new TorchSharp.Modules.ResNet("ResNet18", BasicBlock.Factory, 1, CntkResNet18.BlockLayout), d)),
        new BaseWeights("resnet18", ChannelNormalization.ImageNetTorchvision, TorchVisionWeights.Official("resnet18-f37072fd.pth",
            "f37072fd47e89c5e827621c5baffa7500819f7896bbacec160b1a16c560e07ec"),
            d => BaseArchitectures.ResNet(torchvision.models.resnet18(), d)),
    ]);

    public static TransferBase ResNet50 { get; } = new("resnet50", "ResNet50", 2048, BaseArchitectures.ResNetStages,
    [
        new BaseWeights("resnet50", ChannelNormalization.ImageNetTorchvision, TorchVisionWeights.Official("resnet50-0676ba61.pth",
            "0676ba61b6795bbe1773cffd859882e5e297624d384b6993f7c9e683e722fb8a"),
            d => BaseArchitectures.ResNet(torchvision.models.resnet50(), d)),
    ]);

    public static TransferBase MobileNetV2 { get; } = new("mobilenet_v2", "MobileNetV2", 1280, BaseArchitectures.MobileNetV2Stages,
    [
        new BaseWeights("mobilenet_v2", ChannelNormalization.ImageNetTorchvision, TorchVisionWeights.Official("mobilenet_v2-b0353104.pth",
            "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"),
            BaseArchitectures.MobileNetV2),
    ]);

    public static TransferBase Vgg16 { get; } = new("vgg16", "VGG16", 512, BaseArchitectures.Vgg16Stages,
    [
        new BaseWeights("vgg16", ChannelNormalization.ImageNetTorchvision, TorchVisionWeights.Official("vgg16-397923af.pth",
            "397923af8e79cdbb6a7127f12361acd7a2f83e06b05044ddf496e83de57a5bf0"),
            BaseArchitectures.Vgg16),
    ]);

    /// <summary>Every base, in the order the spec reference lists them.</summary>
    public static IReadOnlyList<TransferBase> All { get; } = [ResNet18, ResNet50, MobileNetV2, Vgg16];

    /// <summary>The names the spec loader accepts, for <see cref="SpecLoader"/>.</summary>
    public static IReadOnlyList<TransferBaseName> SpecNames { get; } = [.. All.Select(b => b.SpecName)];

    /// <summary>The base a validated spec names (<see cref="TransferModelSpec.Base"/>).</summary>
    /// <exception cref="ArgumentException">No base has that name (specs from the loader always name one).</exception>
    public static TransferBase Get(string name) => All.FirstOrDefault(b => b.Name == name)
        ?? throw new ArgumentException($"Unknown transfer base '{name}'; expected one of {string.Join(", ", All.Select(b => b.Name))}.", nameof(name));
}
