using System.Security.Cryptography;
using Cifar.Data;
using Cifar.Specs;
using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Cifar.Models.Transfer;

/// <summary>Builds the convolutional bases: architecture (TorchVision's) with random or pretrained weights.</summary>
public static partial class PretrainedBases
{
    /// <summary>
    /// The base's architecture with a fresh random initialisation (TorchVision's: Kaiming-normal convolutions, unit
    /// batch norms), drawn from torch's global generator: seed it first. <paramref name="cntkLayout"/> picks the
    /// bundled ResNet18's block layout [2, 2, 2, 3] instead of torchvision's [2, 2, 2, 2].
    /// </summary>
    public static PretrainedBase CreateRandom(TransferBase baseName, bool cntkLayout = false)
    {
        var model = CreateArchitecture(baseName, cntkLayout, "none (random init)", weightsSha256: "");
        return model.WithWeightsIdentity("none (random init)", HashStateDict(model));
    }

    internal static PretrainedBase CreateArchitecture(TransferBase baseName, bool cntkLayout, string weights, string weightsSha256)
    {
        if (cntkLayout && baseName != TransferBase.ResNet18)
            throw new ArgumentException("Only ResNet18 has a CNTK layout.", nameof(cntkLayout));
        return baseName switch
        {
            TransferBase.ResNet18 when cntkLayout => ResNet(
                new TorchSharp.Modules.ResNet("ResNet18", BasicBlock.Factory, 1, CntkResNet18.BlockLayout),
                new BaseDescription(baseName, "resnet18-cntk", 512, ChannelNormalization.CntkBgrMeanSubtraction, weights, weightsSha256)),
            TransferBase.ResNet18 => ResNet(
                torchvision.models.resnet18(),
                new BaseDescription(baseName, "resnet18", 512, ChannelNormalization.ImageNetTorchvision, weights, weightsSha256)),
            TransferBase.ResNet50 => ResNet(
                torchvision.models.resnet50(),
                new BaseDescription(baseName, "resnet50", 2048, ChannelNormalization.ImageNetTorchvision, weights, weightsSha256)),
            TransferBase.MobileNetV2 => MobileNetV2(
                new BaseDescription(baseName, "mobilenet_v2", 1280, ChannelNormalization.ImageNetTorchvision, weights, weightsSha256)),
            TransferBase.Vgg16 => Vgg16(
                new BaseDescription(baseName, "vgg16", 512, ChannelNormalization.ImageNetTorchvision, weights, weightsSha256)),
            _ => throw new ArgumentOutOfRangeException(nameof(baseName), baseName, "Unknown transfer base."),
        };
    }

    /// <summary>
    /// SHA-256 over a module's state dict (keys in order, then each tensor's float32 bytes): the identity of weights
    /// that do not come from a file.
    /// </summary>
    public static string HashStateDict(nn.Module model)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (key, value) in model.state_dict())
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(key));
            using var contiguous = value.contiguous();
            hash.AppendData(contiguous.bytes);
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>TorchVision's ResNet minus avgpool/fc; stages stem (conv1, bn1, relu, maxpool), layer1..layer4.</summary>
    private static PretrainedBase ResNet(TorchSharp.Modules.ResNet resnet, BaseDescription description)
    {
        var children = resnet.named_children().ToDictionary(c => c.name, c => c.module);
        Module<Tensor, Tensor> Child(string name) => (Module<Tensor, Tensor>)children[name];
        children["fc"].Dispose();
        string[] kept = ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"];
        var stages = new List<BaseStage> { new("stem", [Child("conv1"), Child("bn1"), Child("relu"), Child("maxpool")]) };
        for (var i = 1; i <= 4; i++) stages.Add(new BaseStage($"layer{i}", [Child($"layer{i}")]));
        return new PretrainedBase(description, [.. kept.Select(k => (k, children[k]))], stages);
    }

    /// <summary>
    /// TorchVision's MobileNetV2 <c>features</c> (19 blocks) in five stages by output resolution: 0-1 (112x112 at a
    /// 224 input), 2-3 (56), 4-6 (28), 7-13 (14), 14-18 (7, ending in the 1280-channel 1x1 convolution).
    /// </summary>
    private static PretrainedBase MobileNetV2(BaseDescription description)
    {
        var model = torchvision.models.mobilenet_v2();
        var children = model.named_children().ToDictionary(c => c.name, c => c.module);
        children["classifier"].Dispose();
        var features = (TorchSharp.Modules.Sequential)children["features"];
        var blocks = features.children().Cast<Module<Tensor, Tensor>>().ToArray();
        if (blocks.Length != 19) throw new InvalidOperationException($"MobileNetV2 has {blocks.Length} feature blocks; expected 19.");
        (int From, int To)[] ranges = [(0, 1), (2, 3), (4, 6), (7, 13), (14, 18)];
        var stages = ranges.Select(r => new BaseStage($"features.{r.From}-{r.To}", blocks[r.From..(r.To + 1)])).ToList();
        return new PretrainedBase(description, [("features", features)], stages);
    }

    /// <summary>VGG16 layer configuration: output channels of each 3x3 convolution, 0 for a 2x2 max pool.</summary>
    private static readonly int[] Vgg16Config = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0];

    /// <summary>
    /// VGG16's <c>features</c> (TorchVision's indices and initialisation), built here rather than through
    /// torchvision.models.vgg16 so the 102M-parameter classifier is never allocated only to be dropped. Five stages,
    /// one per conv block (each ending in its max pool); VGG's 7x7 adaptive average pool runs before the global pool.
    /// </summary>
    private static PretrainedBase Vgg16(BaseDescription description)
    {
        var layers = new List<Module<Tensor, Tensor>>();
        var blockEnds = new List<int>();
        var inChannels = 3;
        foreach (var channels in Vgg16Config)
        {
            if (channels == 0)
            {
                layers.Add(MaxPool2d(kernel_size: 2, stride: 2));
                blockEnds.Add(layers.Count);
                continue;
            }
            var conv = Conv2d(inChannels, channels, kernel_size: 3, padding: 1);
            init.kaiming_normal_(conv.weight, mode: init.FanInOut.FanOut, nonlinearity: init.NonlinearityType.ReLU);
            init.constant_(conv.bias!, 0);
            layers.Add(conv);
            layers.Add(ReLU(inplace: true));
            inChannels = channels;
        }
        var features = Sequential(layers);
        var stages = new List<BaseStage>();
        var start = 0;
        foreach (var end in blockEnds)
        {
            stages.Add(new BaseStage($"block{stages.Count + 1}", layers[start..end]));
            start = end;
        }
        var avgpool = AdaptiveAvgPool2d([7, 7]);
        return new PretrainedBase(description, [("features", features), ("avgpool", avgpool)], stages, [avgpool]);
    }
}
