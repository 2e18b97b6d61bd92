using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Cifar.Models.Transfer;

/// <summary>
/// TorchVision's ResNet BasicBlock (two 3x3 convolutions and a shortcut), for building ResNets with a custom block
/// layout through <see cref="TorchSharp.Modules.ResNet"/>'s public constructor: TorchVision 0.107.0 keeps its own
/// BasicBlock private. Field names are the state-dict keys (<c>conv1</c>, <c>bn1</c>, <c>conv2</c>, <c>bn2</c>,
/// <c>downsample</c>).
/// </summary>
internal sealed class BasicBlock : Module<Tensor, Tensor>
{
#pragma warning disable IDE1006 // Field names are TorchVision's state-dict keys.
    private readonly Module<Tensor, Tensor> conv1;
    private readonly Module<Tensor, Tensor> bn1;
    private readonly Module<Tensor, Tensor> conv2;
    private readonly Module<Tensor, Tensor> bn2;
    private readonly Module<Tensor, Tensor>? downsample;
#pragma warning restore IDE1006

    public BasicBlock(int inPlanes, int planes, int stride, Module<Tensor, Tensor>? downsample, Func<int, Module<Tensor, Tensor>>? normLayer)
        : base(nameof(BasicBlock))
    {
        normLayer ??= p => BatchNorm2d(p);
        conv1 = Conv2d(inPlanes, planes, kernel_size: 3, stride: stride, padding: 1, bias: false);
        bn1 = normLayer(planes);
        conv2 = Conv2d(planes, planes, kernel_size: 3, stride: 1, padding: 1, bias: false);
        bn2 = normLayer(planes);
        this.downsample = downsample;
        RegisterComponents();
    }

    /// <summary>The block factory TorchVision's ResNet constructor takes (groups, width and dilation stay at 1/64/1).</summary>
    public static TorchSharp.Modules.ResNet.BlockFunc Factory { get; } =
        (inPlanes, planes, stride, downsample, groups, baseWidth, dilation, normLayer) =>
        {
            if (groups != 1 || baseWidth != 64 || dilation != 1)
                throw new ArgumentException("BasicBlock supports only groups=1, base_width=64 and dilation=1.");
            return new BasicBlock(inPlanes, planes, stride, downsample, normLayer);
        };

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = functional.relu(bn1.call(conv1.call(input)));
        x = bn2.call(conv2.call(x));
        var identity = downsample is null ? input : downsample.call(input);
        return x.add_(identity).relu_().MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            conv1.Dispose();
            bn1.Dispose();
            conv2.Dispose();
            bn2.Dispose();
            downsample?.Dispose();
        }
        base.Dispose(disposing);
    }
}
