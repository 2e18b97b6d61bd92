using System.Security.Cryptography;
using Cifar.Data;
using Cifar.Reproducibility;
using Cifar.Specs;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace Cifar.Models.Transfer;

/// <summary>What a transfer spec's base will be, known without building it (no libtorch, no download).</summary>
/// <param name="Base">The catalogue entry the spec names.</param>
/// <param name="BaseWeights">Which of its weights sets (and so which architecture) the spec gets.</param>
/// <param name="Weights">ImageNet weights, or the same architecture randomly initialised.</param>
public sealed record BasePlan(TransferBase Base, BaseWeights BaseWeights, PretrainedWeights Weights)
{
    /// <summary>As in <see cref="BaseDescription.Architecture"/>.</summary>
    public string Architecture => BaseWeights.Architecture;

    public int FeatureCount => Base.FeatureCount;

    /// <summary>Stages <c>trainable_layers</c> can unfreeze.</summary>
    public int StageCount => Base.StageNames.Count;

    public ChannelNormalization InputNormalization => BaseWeights.InputNormalization;

    /// <summary>The torchvision file to download; null for the bundled weights or random ones.</summary>
    public TorchVisionWeightsFile? WeightsFile => Weights == PretrainedWeights.ImageNet ? BaseWeights.Source as TorchVisionWeightsFile : null;
}

/// <summary>Builds the pretrained bases of <see cref="TransferBases"/>: architecture with random or ImageNet weights.</summary>
public static class PretrainedBases
{
    /// <summary>
    /// Which base a spec asks for: its catalogue entry and the weights set <see cref="TransferBase.WeightsFor"/> picks.
    /// <c>weights: none</c> keeps the architecture the same spec would load ImageNet weights into, randomly initialised.
    /// </summary>
    public static BasePlan Plan(TransferModelSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var transferBase = TransferBases.Get(spec.Base);
        return new BasePlan(transferBase, transferBase.WeightsFor(spec.WeightsUrl), spec.Weights);
    }

    /// <summary>
    /// Builds the base a spec asks for (see <see cref="Plan"/>), fetching its weights (the bundled file, or a download
    /// into <paramref name="cache"/>) if needed. All parameters start frozen (<see cref="PretrainedBase.SetTrainableStages"/>
    /// with 0); the caller applies <c>trainable_layers</c>. Random weights come from torch's global generator: seed it
    /// first. Build outside any dispose scope: the base's parameters must outlive it.
    /// </summary>
    public static async Task<PretrainedBase> CreateAsync(
        TransferModelSpec spec, ArtifactCache cache, IDownloadProgress? progress = null, CancellationToken cancellationToken = default)
    {
        var plan = Plan(spec);
        if (plan.Weights == PretrainedWeights.None) return CreateRandom(plan.Base, plan.BaseWeights);
        var path = await plan.BaseWeights.Source.GetAsync(cache, spec.WeightsUrl, progress, cancellationToken).ConfigureAwait(false);
        return Load(plan.Base, plan.BaseWeights, path);
    }

    /// <summary>
    /// The architecture of <paramref name="weights"/> (by default the base's first weights set) with a fresh random
    /// initialisation (TorchVision's: Kaiming-normal convolutions, unit batch norms), drawn from torch's global
    /// generator: seed it first.
    /// </summary>
    public static PretrainedBase CreateRandom(TransferBase transferBase, BaseWeights? weights = null)
    {
        ArgumentNullException.ThrowIfNull(transferBase);
        var model = CreateArchitecture(transferBase, weights ?? transferBase.Weights[0], "none (random init)", weightsSha256: "");
        return model.WithWeightsIdentity("none (random init)", HashStateDict(model));
    }

    /// <summary>
    /// The architecture of <paramref name="weights"/> with the weights of the file at <paramref name="path"/>, checked
    /// as its source checks them: a torchvision state dict (torch.save's zip format, read with TorchSharp.PyBridge, or
    /// its legacy format, see <see cref="LegacyTorchCheckpoint"/>) or the bundled ONNX file.
    /// </summary>
    /// <exception cref="CifarUserException">Download: the file does not hold these weights.</exception>
    public static PretrainedBase Load(TransferBase transferBase, BaseWeights weights, string path)
    {
        ArgumentNullException.ThrowIfNull(transferBase);
        ArgumentNullException.ThrowIfNull(weights);
        var model = CreateArchitecture(transferBase, weights, weights.Source.Description, Hashing.Sha256HexOfFile(path));
        try
        {
            weights.Source.Load(model, path);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>What a base built from <paramref name="weights"/> reports about itself.</summary>
    public static BaseDescription Describe(TransferBase transferBase, BaseWeights weights, string weightsName, string weightsSha256)
    {
        ArgumentNullException.ThrowIfNull(transferBase);
        ArgumentNullException.ThrowIfNull(weights);
        return new BaseDescription(transferBase.Name, weights.Architecture, transferBase.FeatureCount, weights.InputNormalization,
            weightsName, weightsSha256);
    }

    private static PretrainedBase CreateArchitecture(TransferBase transferBase, BaseWeights weights, string weightsName, string weightsSha256)
    {
        if (!transferBase.Weights.Contains(weights))
            throw new ArgumentException($"{weights.Architecture} weights are not weights of the {transferBase.Name} base.", nameof(weights));
        return weights.CreateArchitecture(Describe(transferBase, weights, weightsName, weightsSha256));
    }

    /// <summary>
    /// SHA-256 over a module's state dict (keys in order, then each tensor's float32 bytes): the identity of weights
    /// that do not come from a file.
    /// </summary>
    public static string HashStateDict(nn.Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (key, value) in model.state_dict())
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(key));
            using var contiguous = value.contiguous();
            hash.AppendData(contiguous.bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
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
        {
            throw new CifarUserException(UserErrorKind.Download,
                $"{path}: not {architecture} weights: '{missing[0]}' is missing ({missing.Count} keys in all).");
        }
    }
}
