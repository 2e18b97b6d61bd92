using Cifar.Reports;
using Cifar.Specs;

namespace Cifar.Tests.Reports;

public class SpecDescriptionsTests
{
    private static ExperimentSpec Spec(ModelSpec model, TrainingSpec training, Normalization normalization = Normalization.Standardize, int? imageSize = null) => new(
        "x", null, 1,
        new DataSpec(DatasetName.Cifar10, normalization, 0.1, 64, imageSize, null, null, null),
        model, training, new ReportSpec([ReportFormat.Markdown], null), "x.yaml", "name: x\n");

    [Fact]
    public void A_cnn_with_adam_and_early_stopping()
    {
        var spec = Spec(new CnnModelSpec([new FlattenLayer(), new DenseLayer(10, Activation.Softmax)]),
            new TrainingSpec(20, new OptimizerSpec(OptimizerType.Adam, 0.001), new EarlyStoppingSpec(Cifar.Specs.Monitor.ValLoss, Patience: 3, RestoreBestWeights: true), null));

        var setup = SpecDescriptions.Setup(spec);

        Assert.Equal("cnn", SpecDescriptions.ModelDescription(spec.Model));
        Assert.Equal("standardize (per-channel mean and std of the training split)", setup.Normalization);
        Assert.Equal(32, setup.ImageSize);
        Assert.Equal(64, setup.BatchSize);
        Assert.Equal("adam (learning_rate 0.001, beta_1 0.9, beta_2 0.999, epsilon 1E-07)", setup.Optimizer);
        Assert.Equal("monitor val_loss (mode auto), patience 3, min_delta 0, restore best weights", setup.EarlyStopping);
        Assert.Equal(20, setup.MaxEpochs);
    }

    [Fact]
    public void A_transfer_model_with_sgd_and_fine_tuning()
    {
        var spec = Spec(new TransferModelSpec("mobilenet_v2", PretrainedWeights.ImageNet, 0, [new DenseLayer(10, Activation.Softmax)], null),
            new TrainingSpec(5, new OptimizerSpec(OptimizerType.Sgd, 0.01, Momentum: 0.9, Nesterov: true), null, new FineTuneSpec(2, 3, 1e-4)),
            Normalization.ImageNet, 224);

        var setup = SpecDescriptions.Setup(spec);

        Assert.Equal("transfer: mobilenet_v2, imagenet weights, trainable_layers 0", SpecDescriptions.ModelDescription(spec.Model));
        Assert.Equal(224, setup.ImageSize);
        Assert.Equal("sgd (learning_rate 0.01, momentum 0.9, nesterov); fine_tune: 3 epochs, learning_rate 0.0001, trainable_layers 2", setup.Optimizer);
        Assert.Null(setup.EarlyStopping);
        Assert.Equal(8, setup.MaxEpochs);
    }
}
