using TorchSharp;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace Cifar.Models.Transfer;

/// <summary>
/// The architectures of the catalogue's bases (<see cref="TransferBases"/>) without their classifiers, split into the
/// stages <c>trainable_layers</c> counts, with TorchVision's module names and random initialisation.
/// </summary>
internal static class BaseArchitectures
{
    /// <summary>A ResNet's stages from the input up: stem (conv1, bn1, relu, maxpool), then layer1 to layer4.</summary>
    public static readonly IReadOnlyList<string> ResNetStages = ["stem", "layer1", "layer2", "layer3", "layer4"];

    // Declared before the stage names below, which static initialisation reads it for.
    private static readonly (int From, int To)[] MobileNetV2Groups = [(0, 1), (2, 3), (4, 6), (7, 13), (14, 18)];

    /// <summary>MobileNetV2's <c>features</c> blocks grouped by output resolution (see <see cref="MobileNetV2"/>).</summary>
    public static readonly IReadOnlyList<string> MobileNetV2Stages = [.. MobileNetV2Groups.Select(r => $"features.{r.From}-{r.To}")];

    /// <summary>VGG16's five conv blocks, each ending in its max pool.</summary>
    public static readonly IReadOnlyList<string> Vgg16Stages = ["block1", "block2", "block3", "block4", "block5"];

    /// <summary>TorchVision's ResNet minus avgpool/fc; stages stem (conv1, bn1, relu, maxpool), layer1..layer4.</summary>
    public static PretrainedBase ResNet(TorchSharp.Modules.ResNet resnet, BaseDescription description)
    {
        var children = resnet.named_children().ToDictionary(c => c.name, c => c.module);
        Module<Tensor, Tensor> Child(string name) => (Module<Tensor, Tensor>)children[name];
        children["fc"].Dispose();
        string[] kept = ["conv1", "bn1", "relu", "maxpool", "layer1", "layer2", "layer3", "layer4"];
        var stages = new List<BaseStage> { new(ResNetStages[0], [Child("conv1"), Child("bn1"), Child("relu"), Child("maxpool")]) };
        stages.AddRange(ResNetStages.Skip(1).Select(name => new BaseStage(name, [Child(name)])));
        return new PretrainedBase(description, [.. kept.Select(k => (k, children[k]))], stages);
    }

    /// <summary>
    /// TorchVision's MobileNetV2 <c>features</c> (19 blocks) in five stages by output resolution: 0-1 (112x112 at a
    /// 224 input), 2-3 (56), 4-6 (28), 7-13 (14), 14-18 (7, ending in the 1280-channel 1x1 convolution).
    /// </summary>
    public static PretrainedBase MobileNetV2(BaseDescription description)
    {
        var model = torchvision.models.mobilenet_v2();
        var children = model.named_children().ToDictionary(c => c.name, c => c.module);
        children["classifier"].Dispose();
        var features = (TorchSharp.Modules.Sequential)children["features"];
        var blocks = features.children().Cast<Module<Tensor, Tensor>>().ToArray();
        if (blocks.Length != 19) throw new InvalidOperationException($"MobileNetV2 has {blocks.Length} feature blocks; expected 19.");
        var stages = MobileNetV2Groups.Select((r, i) => new BaseStage(MobileNetV2Stages[i], blocks[r.From..(r.To + 1)])).ToList();
        return new PretrainedBase(description, [("features", features)], stages);
    }

    /// <summary>VGG16 layer configuration: output channels of each 3x3 convolution, 0 for a 2x2 max pool.</summary>
    private static readonly int[] Vgg16Config = [64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0];

    /// <summary>
    /// VGG16's <c>features</c> (TorchVision's indices and initialisation), built here rather than through
    /// torchvision.models.vgg16 so the 102M-parameter classifier is never allocated only to be dropped. Five stages,
    /// one per conv block (each ending in its max pool); VGG's 7x7 adaptive average pool runs before the global pool.
    /// </summary>
    public static PretrainedBase Vgg16(BaseDescription description)
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
            stages.Add(new BaseStage(Vgg16Stages[stages.Count], layers[start..end]));
            start = end;
        }
        var avgpool = AdaptiveAvgPool2d([7, 7]);
        return new PretrainedBase(description, [("features", features), ("avgpool", avgpool)], stages, [avgpool]);
    }
}
