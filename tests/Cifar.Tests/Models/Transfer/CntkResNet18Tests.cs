using Cifar.Data;
using Cifar.Models.Transfer;
using Cifar.Tests.Infra;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Tests.Models.Transfer;

/// <summary>Loads the bundled CNTK ResNet18 once for the tests that compare it with ONNX Runtime.</summary>
public sealed class CntkResNet18Fixture : IDisposable
{
    private readonly Lazy<PretrainedBase> _model = new(() =>
    {
        var model = CntkResNet18.Load();
        model.eval();
        return model;
    });

    public PretrainedBase Model => _model.Value;

    public void Dispose()
    {
        if (_model.IsValueCreated) _model.Value.Dispose();
    }
}

public class CntkResNet18Tests(CntkResNet18Fixture fixture) : IClassFixture<CntkResNet18Fixture>
{
    [TorchFact]
    public void Loaded_module_reproduces_onnx_runtime_features()
    {
        var generator = new Generator(20240601);
        // Inputs in the range the normalised BGR 0-255 images take (about -124 to 152).
        using var input = rand([2, 3, 224, 224], generator: generator).mul_(255).sub_(115);
        using var expected = OnnxFeatures(input);
        using var actual = fixture.Model.call(input);

        Assert.Equal(new long[] { 2, 512 }, actual.shape);
        var maxDifference = actual.sub(expected).abs().max().item<float>();
        Assert.True(maxDifference <= 1e-4f, $"max |torch - onnxruntime| = {maxDifference}");
        Assert.True(expected.abs().max().item<float>() > 0.1f, "features should not be all zero");
    }

    [TorchFact]
    public void Onnx_extractor_is_chosen_at_224_and_agrees_with_torchsharp()
    {
        using var raw = randint(0, 256, [3, 3, 32, 32], generator: new Generator(8)).to_type(ScalarType.Byte);
        using var images = ChannelNormalization.CntkBgrMeanSubtraction.Apply(raw);
        using var chosen = FeatureExtractors.Create(fixture.Model, 224);
        using var other = FeatureExtractors.Create(fixture.Model, 96);
        var onnx = Assert.IsType<OnnxFeatureExtractor>(chosen);
        using var torchSharp = new TorchFeatureExtractor(fixture.Model, 224);

        using var fromOnnx = onnx.Extract(images);
        using var fromTorch = FeatureExtraction.Extract(torchSharp, images);

        Assert.IsType<TorchFeatureExtractor>(other);
        Assert.Equal(new long[] { 3, 512 }, fromOnnx.shape);
        var maxDifference = fromOnnx.sub(fromTorch).abs().max().item<float>();
        Assert.True(maxDifference <= 1e-4f, $"max |torch - onnxruntime| = {maxDifference}");
        Assert.Equal(onnx.Identity.Replace("onnxruntime|", "", StringComparison.Ordinal), torchSharp.Identity.Replace("torchsharp|", "", StringComparison.Ordinal));
    }

    [TorchFact]
    public void Bundled_file_is_copied_next_to_the_tool_and_intact()
    {
        Assert.Equal(CntkResNet18.BundledPath, CntkResNet18.VerifiedBundledPath());
        Assert.Equal("resnet18-cntk", fixture.Model.Description.Architecture);
        Assert.Equal(CntkResNet18.Sha256, fixture.Model.Description.WeightsSha256);
        Assert.Equal(["layer4", "layer3", "layer2", "layer1", "stem"], fixture.Model.StagesFromTop.Select(s => s.Name));
    }

    [Fact]
    public void A_damaged_bundled_file_is_reported()
    {
        using var folder = new TempFolder();
        var path = folder.Combine("resnet18-cntk.onnx");
        File.WriteAllBytes(path, [0, 1, 2]);

        var error = Assert.Throws<CifarUserException>(() => CntkResNet18.VerifiedBundledPath(path));

        Assert.Equal(UserErrorKind.Download, error.Kind);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    private static Tensor OnnxFeatures(Tensor images)
    {
        using var session = new InferenceSession(CntkResNet18.BundledPath);
        var n = (int)images.shape[0];
        var output = new float[n * 512];
        var one = new float[3 * 224 * 224];
        var all = images.contiguous().data<float>().ToArray();
        for (var i = 0; i < n; i++)
        {
            Array.Copy(all, i * one.Length, one, 0, one.Length);
            using var value = OrtValue.CreateTensorValueFromMemory(one, [1, 3, 224, 224]);
            using var runOptions = new RunOptions();
            using var results = session.Run(runOptions, [CntkResNet18.InputName], [value], [CntkResNet18.OutputName]);
            results[0].GetTensorDataAsSpan<float>().CopyTo(output.AsSpan(i * 512, 512));
        }
        return tensor(output, [n, 512]);
    }
}
