using Cifar.Data;
using Cifar.Models.Transfer;
using Cifar.Specs;
using Cifar.Tests.Infra;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cifar.Tests.Models.Transfer;

public class TransferModelTests
{
    private static TransferModelSpec Spec(int trainableLayers) => new(
        "resnet18", PretrainedWeights.None, trainableLayers,
        [new DenseLayer(32, Activation.Relu), new DropoutLayer(0.2), new BatchNormalizationLayer(), new DenseLayer(10, Activation.Softmax)],
        null);

    private static TransferModel Model(int trainableLayers)
    {
        manual_seed(11);
        var pretrained = PretrainedBases.CreateRandom(TransferBases.ResNet18);
        return TransferModel.Create(Spec(trainableLayers), pretrained, imageSize: 32, new Generator(5));
    }

    /// <summary>A few Adam steps over the parameters that require gradients, in train mode (not a trainer).</summary>
    private static void Train(TransferModel model, int steps = 2)
    {
        var generator = new Generator(3);
        using var images = rand([8, 3, 32, 32], generator: generator);
        using var labels = randint(0, 10, [8], generator: generator);
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = optim.Adam(trainable, lr: 0.01);
        model.train();
        for (var i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(model.call(images), labels);
            loss.backward();
            optimizer.step();
        }
    }

    private static Dictionary<string, Tensor> Snapshot(nn.Module module) =>
        module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    private static bool Same(Tensor a, Tensor b) => a.equal(b).all().item<bool>();

    [TorchFact]
    public void Frozen_base_stays_bit_identical_while_the_head_learns()
    {
        using var model = Model(trainableLayers: 0);
        var before = Snapshot(model);

        Train(model);

        var after = model.state_dict();
        foreach (var key in before.Keys.Where(k => k.StartsWith("base.", StringComparison.Ordinal)))
            Assert.True(Same(before[key], after[key]), $"{key} changed");
        Assert.False(Same(before["head.dense.weight"], after["head.dense.weight"]), "head did not train");
        Assert.False(Same(before["head.batch_normalization.running_mean"], after["head.batch_normalization.running_mean"]));
        Assert.Equal(0, model.Base.TrainableParameterCount);
    }

    [TorchFact]
    public void One_trainable_stage_trains_only_layer4_and_the_head()
    {
        using var model = Model(trainableLayers: 1);
        var before = Snapshot(model);

        Train(model);

        var after = model.state_dict();
        foreach (var key in before.Keys.Where(k => k.StartsWith("base.", StringComparison.Ordinal)))
        {
            var changed = !Same(before[key], after[key]);
            var inLayer4 = key.StartsWith("base.layer4.", StringComparison.Ordinal);
            if (!inLayer4) Assert.False(changed, $"{key} changed");
        }
        Assert.False(Same(before["base.layer4.2.conv2.weight"], after["base.layer4.2.conv2.weight"]), "layer4 did not train");
        // Keras' fine-tuning guide: even a trainable stage's batch norm stays in inference mode, so its moving statistics
        // keep their ImageNet values while its gamma and beta learn.
        Assert.True(Same(before["base.layer4.0.bn1.running_mean"], after["base.layer4.0.bn1.running_mean"]));
        Assert.False(Same(before["base.layer4.0.bn1.weight"], after["base.layer4.0.bn1.weight"]), "layer4's batch norm gamma did not train");
        Assert.False(Same(before["head.dense_1.weight"], after["head.dense_1.weight"]));
        Assert.Equal(model.Base.StagesFromTop[0].ParameterCount, model.Base.TrainableParameterCount);
        Assert.Equal("layer4", model.Base.StagesFromTop[0].Name);
    }

    [TorchFact]
    public void Frozen_stages_stay_in_eval_mode_when_the_model_trains()
    {
        using var model = Model(trainableLayers: 2);
        model.train();

        var modes = model.Base.StagesFromTop.Select(s => s.Modules.All(m => m.training)).ToArray();

        Assert.Equal([true, true, false, false, false], modes); // layer4, layer3 train; layer2, layer1, stem frozen
        Assert.True(model.Head.training);
        model.eval();
        Assert.All(model.Base.StagesFromTop, s => Assert.All(s.Modules, m => Assert.False(m.training)));
        model.SetTrainableStages(5);
        model.train();
        Assert.All(model.Base.StagesFromTop, s => Assert.All(s.Modules.Where(m => m is not BatchNorm2d), m => Assert.True(m.training)));
        // Batch norms of the base stay in inference mode even when every stage trains (Keras' training=False).
        Assert.All(model.Base.modules().OfType<BatchNorm2d>(), bn => Assert.False(bn.training));
        Assert.Equal(model.Base.ParameterCount, model.Base.TrainableParameterCount);
    }

    [TorchFact]
    public void Every_base_pools_its_features_and_has_five_stages()
    {
        (TransferBase Base, int Weights, string Top, long Features)[] bases =
        [
            (TransferBases.ResNet18, 0, "layer4", 512),
            (TransferBases.ResNet18, 1, "layer4", 512),
            (TransferBases.ResNet50, 0, "layer4", 2048),
            (TransferBases.MobileNetV2, 0, "features.14-18", 1280),
            (TransferBases.Vgg16, 0, "block5", 512),
        ];
        manual_seed(2);
        using var images = rand([2, 3, 32, 32]);
        foreach (var (b, weights, top, features) in bases)
        {
            using var pretrained = PretrainedBases.CreateRandom(b, b.Weights[weights]);
            pretrained.eval();
            using var output = pretrained.call(images);

            Assert.Equal(new long[] { 2, features }, output.shape);
            Assert.Equal(features, pretrained.FeatureCount);
            Assert.Equal(5, pretrained.StagesFromTop.Count);
            Assert.Equal(top, pretrained.StagesFromTop[0].Name);
            Assert.Equal(PretrainedBases.Plan(new TransferModelSpec(b.Name, PretrainedWeights.None, 0, [], weights == 0 ? null : "x")).Architecture,
                pretrained.Description.Architecture);
        }
    }

    [TorchFact]
    public void Too_many_trainable_layers_is_a_user_error()
    {
        using var model = Model(trainableLayers: 0);

        var error = Assert.Throws<CifarUserException>(() => model.SetTrainableStages(6));

        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        Assert.Equal("trainable_layers is 6; the resnet18-cntk base has 5 stages (layer4, layer3, layer2, layer1, stem), so it must be 0 to 5", error.Message);
    }

    [TorchFact]
    public void Summary_separates_trainable_and_frozen_parameters()
    {
        using var model = Model(trainableLayers: 1);

        var summary = model.Summary();

        Assert.Equal(
            ["resnet18-cntk.stem", "resnet18-cntk.layer1", "resnet18-cntk.layer2", "resnet18-cntk.layer3", "resnet18-cntk.layer4",
             "global_average_pooling2d", "dense", "dropout", "batch_normalization", "dense_1"],
            summary.Layers.Select(l => l.Name));
        Assert.Equal([false, false, false, false, true], summary.Layers.Take(5).Select(l => l.Trainable));
        Assert.Equal([64, 8, 8], summary.Layers[0].OutputShape);   // 32x32 input: stem /4
        Assert.Equal([512, 1, 1], summary.Layers[4].OutputShape);
        Assert.Equal([512], summary.Layers[5].OutputShape);
        var layer4 = model.Base.StagesFromTop[0].ParameterCount;
        var head = model.Head.Summary;
        Assert.Equal(layer4 + head.TrainableParameters, summary.TrainableParameters);
        Assert.True(summary.FrozenParameters > model.Base.ParameterCount - layer4); // plus moving statistics
        Assert.Equal(summary.Layers.Sum(l => l.Parameters), summary.TotalParameters);
    }

    [TorchFact]
    public void Model_upsamples_each_batch_to_the_image_size()
    {
        manual_seed(1);
        using var pretrained = PretrainedBases.CreateRandom(TransferBases.ResNet18);
        using var model = TransferModel.Create(Spec(0), pretrained, imageSize: 64);
        model.eval();
        using var raw = randint(0, 256, [2, 3, 32, 32]).to_type(ScalarType.Byte);
        using var images = pretrained.InputNormalization.Apply(raw);

        using var logits = model.call(images);
        using var upsampled = nn.functional.interpolate(images, [64, 64], mode: InterpolationMode.Bilinear, align_corners: false);
        using var expected = model.Head.call(pretrained.call(upsampled));

        Assert.Equal(new long[] { 2, 10 }, logits.shape);
        Assert.True(logits.allclose(expected, rtol: 1e-5, atol: 1e-5));
        Assert.Equal(ChannelNormalization.CntkBgrMeanSubtraction, pretrained.InputNormalization);
    }
}
