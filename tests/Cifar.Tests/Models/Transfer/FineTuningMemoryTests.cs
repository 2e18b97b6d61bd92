using Cifar.Models.Transfer;
using Cifar.Specs;
using Cifar.Tests.Infra;
using Cifar.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Tests.Models.Transfer;

[Collection("libtorch")]
public sealed class FineTuningMemoryTests
{
    private sealed class LiveTensorCounter : Callback
    {
        public List<long> AtEpochEnd { get; } = [];

        public override void OnEpochEnd(TrainingContext context, EpochLog log) =>
            AtEpochEnd.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    /// <summary>Fine-tuning a base stage through the trainer leaves no tensor behind per batch (memory stays flat).</summary>
    [TorchFact]
    public void Fine_tuning_keeps_the_live_tensor_count_flat_across_epochs()
    {
        manual_seed(11);
        using var pretrained = PretrainedBases.CreateRandom(TransferBases.ResNet18);
        var spec = new TransferModelSpec("resnet18", PretrainedWeights.None, 1, [new DenseLayer(10, Activation.Linear)], null);
        using var model = TransferModel.Create(spec, pretrained, imageSize: 48, new Generator(5));
        var generator = new Generator(3);
        using var images = rand([64, 3, 32, 32], generator: generator);
        using var labels = randint(0, 10, [64], generator: generator);
        var counter = new LiveTensorCounter();

        Trainer.Fit(model, new(images, labels), new(images, labels),
            new FitOptions(4, 16, new OptimizerSpec(OptimizerType.Adam, 1e-4), 1) { Callbacks = [counter] });

        Assert.Equal(counter.AtEpochEnd[1], counter.AtEpochEnd[^1]);
    }
}
