using Cifar.Data;
using Cifar.Reproducibility;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Models.Transfer;

/// <summary>
/// The offline ImageNet ResNet18 bundled with the tool: ML.NET's <c>ResNet18.onnx</c> (package
/// Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1, exported by CNTK), copied to <c>models/resnet18-cntk.onnx</c>
/// next to the tool. Its weights load by graph position into a TorchVision-style ResNet with BasicBlocks [2, 2, 2, 3]
/// (CNTK's layer4 has three blocks) and separate batch norms (eps 1e-5, as torch's default).
/// </summary>
/// <remarks>
/// The CNTK graph pads its 7x7/2 stem convolution [3, 3, 2, 2], its 3x3/2 max pool and 3x3/2 convolutions [1, 1, 0, 0]
/// (begin, end); at 224x224 (even sizes) the symmetric padding of TorchVision's layers yields the same windows, because
/// the last window never reaches the extra end padding. Its final 7x7 average pool is the global average pool.
/// Expected input: BGR, 0-255, minus the per-channel means (<see cref="Data.ChannelNormalization.CntkBgrMeanSubtraction"/>), [1, 3, 224, 224]
/// named <c>Input247</c>; output <c>Pooling395_Output_0</c> [1, 512, 1, 1].
/// </remarks>
public static class CntkResNet18
{
    /// <summary>The bundled file, as the catalogue's ResNet18 entry names it (its default weights).</summary>
    public static BundledOnnxFile Source => (BundledOnnxFile)TransferBases.ResNet18.Weights[0].Source;

    /// <summary>SHA-256 of ML.NET 0.23.1's ResNet18.onnx.</summary>
    public static string Sha256 => Source.Sha256;

    public const string InputName = "Input247";

    public const string OutputName = "Pooling395_Output_0";

    /// <summary>The fixed input side of the ONNX graph.</summary>
    public const int OnnxImageSize = 224;

    internal static readonly int[] BlockLayout = [2, 2, 2, 3];

    /// <summary>Where the tool ships the ONNX file: <c>models/resnet18-cntk.onnx</c> under the tool's folder.</summary>
    public static string BundledPath => Path.Combine(AppContext.BaseDirectory, "models", Source.FileName);

    /// <summary>Checks the bundled file exists and is intact; returns its path.</summary>
    public static string VerifiedBundledPath(string? path = null)
    {
        path ??= BundledPath;
        if (!File.Exists(path))
            throw new CifarUserException(UserErrorKind.Other, $"The bundled ResNet18 weights are missing: '{path}'. Reinstall the tool.");
        var actual = Hashing.Sha256HexOfFile(path);
        if (actual != Sha256)
        {
            throw new CifarUserException(UserErrorKind.Download,
                $"The bundled ResNet18 weights '{path}' are damaged: sha256 {actual}, expected {Sha256}. Reinstall the tool.");
        }

        return path;
    }

    /// <summary>The ImageNet base from the bundled file (no network).</summary>
    public static PretrainedBase Load(string? onnxPath = null) =>
        PretrainedBases.Load(TransferBases.ResNet18, TransferBases.ResNet18.Weights[0], VerifiedBundledPath(onnxPath));

    /// <summary>
    /// Copies the ONNX initializers into <paramref name="model"/> by graph position: each Conv node gives the next
    /// convolution weight, each BatchNormalization node the next batch norm's scale, bias, mean and variance, in the
    /// order CNTK emits them (a block's 1x1 downsample shortcut comes before its main path).
    /// </summary>
    internal static void LoadWeights(nn.Module model, OnnxModelFile onnx)
    {
        var targets = TargetOrder();
        var state = model.state_dict();
        var next = 0;
        using var noGrad = no_grad();
        foreach (var node in onnx.Nodes)
        {
            string[] suffixes = node.OpType switch
            {
                "Conv" => ["weight"],
                "BatchNormalization" => ["weight", "bias", "running_mean", "running_var"],
                _ => [],
            };
            if (suffixes.Length == 0) continue;
            if (next >= targets.Count) throw new InvalidDataException($"The ONNX graph has more weighted layers than ResNet [{string.Join(',', BlockLayout)}].");
            if (node.OpType == "Conv" && node.Inputs.Count > 2) throw new InvalidDataException("Unexpected convolution bias in the CNTK graph.");
            var (prefix, kind) = targets[next++];
            if (kind != node.OpType) throw new InvalidDataException($"Graph position {next}: expected {kind} for '{prefix}', found {node.OpType}.");
            for (var i = 0; i < suffixes.Length; i++)
            {
                var init = onnx.Initializers[node.Inputs[i + 1]];
                var key = $"{prefix}.{suffixes[i]}";
                var target = state[key];
                if (!target.shape.SequenceEqual(init.Dims))
                    throw new InvalidDataException($"'{key}' has shape [{string.Join(',', target.shape)}]; the ONNX initializer '{init.Name}' has [{string.Join(',', init.Dims)}].");
                using var source = tensor(init.Data, init.Dims);
                target.copy_(source);
            }
        }
        if (next != targets.Count) throw new InvalidDataException($"The ONNX graph has {next} weighted layers; ResNet needs {targets.Count}.");
    }

    /// <summary>State-dict prefixes in CNTK's node order.</summary>
    private static List<(string Prefix, string Kind)> TargetOrder()
    {
        var order = new List<(string, string)> { ("conv1", "Conv"), ("bn1", "BatchNormalization") };
        for (var layer = 0; layer < BlockLayout.Length; layer++)
        {
            for (var block = 0; block < BlockLayout[layer]; block++)
            {
                var p = $"layer{layer + 1}.{block}";
                if (layer > 0 && block == 0)
                {
                    order.Add(($"{p}.downsample.0", "Conv"));
                    order.Add(($"{p}.downsample.1", "BatchNormalization"));
                }
                order.Add(($"{p}.conv1", "Conv"));
                order.Add(($"{p}.bn1", "BatchNormalization"));
                order.Add(($"{p}.conv2", "Conv"));
                order.Add(($"{p}.bn2", "BatchNormalization"));
            }
        }
        return order;
    }
}

/// <summary>Weights in an ONNX file shipped with the tool (no network), checked against its full SHA-256.</summary>
/// <param name="FileName">Under <c>models/</c> next to the tool.</param>
/// <param name="Detail">How reports name the file, e.g. <c>bundled CNTK ResNet18.onnx</c>.</param>
public sealed record BundledOnnxFile(string FileName, string Sha256, string Detail) : WeightsSource
{
    public override string FileName { get; } = FileName;

    private protected override string DescriptionDetail => Detail;

    internal override Task<string> GetAsync(ArtifactCache cache, string? weightsUrl, IDownloadProgress? progress, CancellationToken cancellationToken) =>
        Task.FromResult(CntkResNet18.VerifiedBundledPath());

    internal override void Load(PretrainedBase model, string path) => CntkResNet18.LoadWeights(model, OnnxModelFile.Read(path));
}
