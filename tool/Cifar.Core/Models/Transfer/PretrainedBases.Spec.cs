using Cifar.Data;
using Cifar.Specs;
using Cifar.Reproducibility;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Cifar.Models.Transfer;

/// <summary>What a transfer spec's base will be, known without building it (no libtorch, no download).</summary>
/// <param name="Architecture">As in <see cref="BaseDescription.Architecture"/>.</param>
/// <param name="StageCount">Stages <c>trainable_layers</c> can unfreeze (5 for every base here).</param>
/// <param name="WeightsFile">The torchvision file to download; null for the bundled ResNet18 or random weights.</param>
public sealed record BasePlan(
    TransferBase Base,
    string Architecture,
    int FeatureCount,
    int StageCount,
    ChannelNormalization InputNormalization,
    PretrainedWeights Weights,
    TorchVisionWeightsFile? WeightsFile);

public static partial class PretrainedBases
{
    /// <summary>Every base has five stages: ResNet stem + layer1-4, MobileNetV2 five resolution groups, VGG16 five blocks.</summary>
    public const int StageCount = SpecVocabulary.BaseStages; // what the validator already accepts for trainable_layers

    /// <summary>
    /// Which base a spec asks for. <c>resnet18</c> with <c>imagenet</c> weights is the bundled offline CNTK ResNet18
    /// (blocks [2,2,2,3], BGR 0-255 input) unless the spec sets <c>model.weights_url</c>, which selects torchvision's
    /// resnet18 file instead (the <c>CIFAR_WEIGHTS_URL</c> mirror alone does not: the spec decides the architecture,
    /// the environment only where bytes come from). <c>weights: none</c> keeps the architecture the same spec would
    /// load ImageNet weights into, randomly initialised.
    /// </summary>
    public static BasePlan Plan(TransferModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var cntk = spec.Base == TransferBase.ResNet18 && string.IsNullOrWhiteSpace(spec.WeightsUrl);
        var (architecture, features) = (spec.Base, cntk) switch
        {
            (TransferBase.ResNet18, true) => ("resnet18-cntk", 512),
            (TransferBase.ResNet18, false) => ("resnet18", 512),
            (TransferBase.ResNet50, _) => ("resnet50", 2048),
            (TransferBase.MobileNetV2, _) => ("mobilenet_v2", 1280),
            (TransferBase.Vgg16, _) => ("vgg16", 512),
            _ => throw new ArgumentOutOfRangeException(nameof(spec), spec.Base, "Unknown transfer base."),
        };
        var download = spec.Weights == PretrainedWeights.ImageNet && !cntk ? TorchVisionWeights.For(spec.Base) : null;
        return new BasePlan(spec.Base, architecture, features, StageCount,
            cntk ? ChannelNormalization.CntkBgrMeanSubtraction : ChannelNormalization.ImageNetTorchvision, spec.Weights, download);
    }

    /// <summary>
    /// Builds the base a spec asks for (see <see cref="Plan"/>), downloading torchvision weights into
    /// <paramref name="cache"/> if needed. All parameters start frozen (<see cref="PretrainedBase.SetTrainableStages"/>
    /// with 0); the caller applies <c>trainable_layers</c>. Random weights come from torch's global generator: seed it
    /// first. Build outside any dispose scope: the base's parameters must outlive it.
    /// </summary>
    public static async Task<PretrainedBase> CreateAsync(
        TransferModelSpec spec, ArtifactCache cache, IDownloadProgress? progress = null, CancellationToken cancellationToken = default)
    {
        var plan = Plan(spec);
        var cntk = plan.Architecture == "resnet18-cntk";
        if (plan.Weights == PretrainedWeights.None) return CreateRandom(spec.Base, cntk);
        if (plan.WeightsFile is null) return CntkResNet18.Load();
        var path = await TorchVisionWeights.GetAsync(plan.WeightsFile, cache, spec.WeightsUrl, progress, cancellationToken)
            .ConfigureAwait(false);
        return LoadTorchVision(spec.Base, path, plan.WeightsFile.FileName);
    }

    /// <summary>
    /// The torchvision architecture of <paramref name="baseName"/> with the weights of a PyTorch state dict file
    /// (torch.save's zip format, read with TorchSharp.PyBridge, or its legacy format, see
    /// <see cref="LegacyTorchCheckpoint"/>). The classifier's keys (<c>fc.*</c>, <c>classifier.*</c>) are ignored;
    /// every key of the base must be present with its shape, else <see cref="CifarUserException"/> (Download).
    /// </summary>
    public static PretrainedBase LoadTorchVision(TransferBase baseName, string path, string? weightsName = null)
    {
        var sha256 = Hashing.Sha256HexOfFile(path);
        var model = CreateArchitecture(baseName, cntkLayout: false, $"imagenet ({weightsName ?? Path.GetFileName(path)})", sha256);
        try
        {
            LoadStateDict(model, path, model.Description.Architecture);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Loads every key of <paramref name="model"/>'s state dict from a torch.save file (zip or legacy format).</summary>
    internal static void LoadStateDict(nn.Module model, string path, string architecture)
    {
        var state = model.state_dict();
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            if (LegacyTorchCheckpoint.IsLegacy(path))
            {
                var tensors = LegacyTorchCheckpoint.Read(path, state.ContainsKey);
                try
                {
                    using var noGrad = torch.no_grad();
                    foreach (var (key, source) in tensors)
                    {
                        var target = state[key];
                        if (!target.shape.SequenceEqual(source.shape))
                            throw new InvalidDataException($"'{key}' has shape [{string.Join(',', source.shape)}], expected [{string.Join(',', target.shape)}]");
                        target.copy_(source);
                        loaded.Add(key);
                    }
                }
                finally
                {
                    foreach (var t in tensors.Values) t.Dispose();
                }
            }
            else
            {
                var report = new Dictionary<string, bool>(StringComparer.Ordinal);
                model.load_py(path, strict: false, loadedParameters: report);
                loaded.UnionWith(report.Where(r => r.Value).Select(r => r.Key));
                // PyBridge leaves the unpickled tensors to the garbage collector; reclaim their native memory now
                // rather than whenever finalizers happen to run.
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }
        catch (Exception e) when (e is InvalidDataException or NotImplementedException or InvalidCastException or EndOfStreamException
                                      or IOException or ArgumentException or KeyNotFoundException or System.Runtime.InteropServices.ExternalException)
        {
            throw new CifarUserException(UserErrorKind.Download, $"{path}: not a PyTorch state dict for {architecture}: {e.Message}", e);
        }
        // Files saved before PyTorch 0.4.1 have no num_batches_tracked; it only matters to BatchNorm(momentum=None).
        var missing = state.Keys
            .Where(k => !k.EndsWith(".num_batches_tracked", StringComparison.Ordinal) && !loaded.Contains(k))
            .ToList();
        if (missing.Count > 0)
            throw new CifarUserException(UserErrorKind.Download,
                $"{path}: not {architecture} weights: '{missing[0]}' is missing ({missing.Count} keys in all).");
    }
}
