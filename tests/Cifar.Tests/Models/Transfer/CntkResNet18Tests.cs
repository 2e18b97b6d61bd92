using Cifar.Models.Transfer;
using Cifar.Tests.Infra;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Tests.Models.Transfer;

public class CntkResNet18Tests
{
    [TorchFact]
    public void Loaded_module_reproduces_onnx_runtime_features()
    {
        using var model = CntkResNet18.Load();
        model.eval();
        var generator = new Generator(20240601);
        // Inputs in the range the normalised BGR 0-255 images take (about -124 to 152).
        using var input = rand([2, 3, 224, 224], generator: generator).mul_(255).sub_(115);
        using var expected = OnnxFeatures(input);
        using var actual = model.call(input);

        Assert.Equal(new long[] { 2, 512 }, actual.shape);
        var maxDifference = actual.sub(expected).abs().max().item<float>();
        Assert.True(maxDifference <= 1e-4f, $"max |torch - onnxruntime| = {maxDifference}");
        Assert.True(expected.abs().max().item<float>() > 0.1f, "features should not be all zero");
    }

    [TorchFact]
    public void Bundled_file_is_copied_next_to_the_tool_and_intact()
    {
        Assert.Equal(CntkResNet18.BundledPath, CntkResNet18.VerifiedBundledPath());
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
            using var results = session.Run(new RunOptions(), [CntkResNet18.InputName], [value], [CntkResNet18.OutputName]);
            results[0].GetTensorDataAsSpan<float>().CopyTo(output.AsSpan(i * 512, 512));
        }
        return tensor(output, [n, 512]);
    }
}
