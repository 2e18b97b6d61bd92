using System.Globalization;
using Cifar.Data;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Models.Transfer;

/// <summary>Receives feature-extraction progress. Core has no console: the command line draws it.</summary>
public interface IExtractionProgress
{
    /// <summary>Extraction of <paramref name="totalImages"/> images starts; <paramref name="description"/> e.g. "train features".</summary>
    void Begin(string description, long totalImages);

    /// <summary>Images done so far (cumulative), once per batch.</summary>
    void Report(long imagesDone);

    /// <summary>Extraction ended, successfully or not; always called after <see cref="Begin"/>.</summary>
    void Finish();

    /// <summary>An extraction found <paramref name="cachedChunks"/> of its <paramref name="chunks"/> chunks on disk
    /// (a killed run's, or other workers'), before <see cref="Begin"/>; only those missing are extracted.</summary>
    void Resumed(string description, int cachedChunks, int chunks)
    {
    }
}

/// <summary>Computes pooled features of images with a frozen base (no training, no gradients).</summary>
public interface IFeatureExtractor : IDisposable
{
    /// <summary>
    /// Everything the features depend on besides the input images: engine, architecture, weights SHA-256 and image
    /// size (see <see cref="FeatureExtractors.Identity"/>). Part of the feature-cache key.
    /// </summary>
    string Identity { get; }

    int FeatureCount { get; }

    /// <summary>Images per <see cref="Extract"/> call that keep memory bounded at the image size.</summary>
    int BatchSize { get; }

    /// <summary>
    /// [n, 3, h, w] normalised float images (a batch of a <see cref="Split"/>'s images after
    /// <see cref="PreparedData.Normalization"/>) to [n, FeatureCount]
    /// float32 features; the extractor upsamples them to its image size.
    /// </summary>
    Tensor Extract(Tensor images);
}

/// <summary>Builds extractors, choosing the engine.</summary>
public static class FeatureExtractors
{
    /// <summary>
    /// The ONNX Runtime extractor when the plan is the bundled ResNet18 with its ImageNet weights at the graph's native
    /// 224x224 (1.25x TorchSharp's speed on 2 cores, with a lower peak memory, see <see cref="OnnxFeatureExtractor"/>),
    /// else null. It needs no TorchSharp copy of the base, so a frozen-base run can extract before loading one and
    /// never hold both at once.
    /// </summary>
    public static IFeatureExtractor? TryCreateWithoutBase(BasePlan plan, int imageSize)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return plan.Weights == Cifar.Specs.PretrainedWeights.ImageNet && plan.BaseWeights.Source == CntkResNet18.Source
               && imageSize == CntkResNet18.OnnxImageSize
            ? new OnnxFeatureExtractor()
            : null;
    }

    /// <summary>ONNX Runtime when the base holds exactly the bundled file's weights at 224x224; TorchSharp otherwise.</summary>
    public static IFeatureExtractor Create(PretrainedBase pretrainedBase, int imageSize)
    {
        ArgumentNullException.ThrowIfNull(pretrainedBase);
        return pretrainedBase.Description.WeightsSha256 == CntkResNet18.Sha256 && imageSize == CntkResNet18.OnnxImageSize
            ? new OnnxFeatureExtractor()
            : new TorchFeatureExtractor(pretrainedBase, imageSize);
    }

    /// <summary>The identity string of an extractor: one line, fields separated by '|'.</summary>
    public static string Identity(string engine, BaseDescription description, int imageSize)
    {
        ArgumentNullException.ThrowIfNull(description);
        return string.Create(CultureInfo.InvariantCulture,
            $"{engine}|{description.Architecture}|weights:{description.WeightsSha256}|{imageSize}x{imageSize}");
    }
}

/// <summary>Features from a <see cref="PretrainedBase"/> run by TorchSharp, in eval mode without gradients.</summary>
public sealed class TorchFeatureExtractor : IFeatureExtractor
{
    private readonly PretrainedBase _base;
    private readonly int _imageSize;

    /// <param name="batchSize">
    /// Default: 32 images at up to 64x64, fewer for larger images (16 at 224x224), so activations stay well under
    /// 1 GB; the base frees each stage's activation as the next exists.
    /// </param>
    public TorchFeatureExtractor(PretrainedBase pretrainedBase, int imageSize, int? batchSize = null)
    {
        ArgumentNullException.ThrowIfNull(pretrainedBase);
        _base = pretrainedBase;
        ArgumentOutOfRangeException.ThrowIfLessThan(imageSize, 1);
        _imageSize = imageSize;
        BatchSize = batchSize ?? (imageSize <= 64 ? 32 : 16);
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(batchSize));
        Identity = FeatureExtractors.Identity("torchsharp", pretrainedBase.Description, imageSize);
    }

    public string Identity { get; }

    public int FeatureCount => _base.FeatureCount;

    public int BatchSize { get; }

    public Tensor Extract(Tensor images)
    {
        var wasTraining = _base.training;
        _base.eval();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            return _base.call(ImageBatches.Resize(images, _imageSize)).MoveToOuterDisposeScope();
        }
        finally
        {
            if (wasTraining) _base.train();
        }
    }

    /// <summary>The base belongs to the caller.</summary>
    public void Dispose()
    {
    }
}

/// <summary>
/// Features of the bundled CNTK ResNet18 run by ONNX Runtime, one image per run on the shipped graph (fixed input
/// [1, 3, 224, 224]) with reused buffers: the leanest of the ways measured, and about as fast as several images per
/// run (benchmarks/RESULTS.md, "Feature extraction engines").
/// </summary>
public sealed class OnnxFeatureExtractor : IFeatureExtractor
{
    private const int Side = CntkResNet18.OnnxImageSize;
    private static readonly int Features = TransferBases.ResNet18.FeatureCount;
    private const int ImageFloats = 3 * Side * Side;

    private readonly InferenceSession _session;
    private readonly RunOptions _runOptions = new();
    private readonly float[] _input = new float[ImageFloats];
    private readonly float[] _output = new float[Features];
    private readonly OrtValue _inputValue;
    private readonly OrtValue _outputValue;

    /// <param name="onnxPath">The bundled file by default; it is verified against <see cref="CntkResNet18.Sha256"/>.</param>
    /// <param name="threads">Intra-op threads; null lets ONNX Runtime use one per physical core.</param>
    public OnnxFeatureExtractor(string? onnxPath = null, int? threads = null)
    {
        var path = CntkResNet18.VerifiedBundledPath(onnxPath);
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (threads is { } t) options.IntraOpNumThreads = t;
        _session = new InferenceSession(path, options);
        _inputValue = OrtValue.CreateTensorValueFromMemory(_input, [1, 3, Side, Side]);
        _outputValue = OrtValue.CreateTensorValueFromMemory(_output, [1, Features, 1, 1]);
        var bundled = TransferBases.ResNet18.Weights.Single(w => w.Source == CntkResNet18.Source);
        var description = PretrainedBases.Describe(TransferBases.ResNet18, bundled, bundled.Source.Description, CntkResNet18.Sha256);
        Identity = FeatureExtractors.Identity("onnxruntime", description, Side);
    }

    public string Identity { get; }

    public int FeatureCount => Features;

    /// <summary>Images upsampled and normalised together before their runs.</summary>
    public int BatchSize => 16;

    public Tensor Extract(Tensor images)
    {
        using var scope = NewDisposeScope();
        var prepared = ImageBatches.Resize(images.to_type(ScalarType.Float32), Side).contiguous();
        var n = (int)prepared.shape[0];
        var result = new float[n * Features];
        var pixels = prepared.data<float>();
        string[] inputNames = [CntkResNet18.InputName];
        string[] outputNames = [CntkResNet18.OutputName];
        for (var image = 0; image < n; image++)
        {
            pixels.CopyTo(_input.AsSpan(), 0, (long)image * ImageFloats);
            _session.Run(_runOptions, inputNames, [_inputValue], outputNames, [_outputValue]);
            Array.Copy(_output, 0, result, image * Features, Features);
        }
        return tensor(result, [n, Features]).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _inputValue.Dispose();
        _outputValue.Dispose();
        _runOptions.Dispose();
        _session.Dispose();
    }
}
