using Cifar.Reports;
using Cifar.Running;
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
        Assert.Equal("sgd (learning_rate 0.01, momentum 0.9, nesterov true, weight_decay 0); fine_tune: 3 epochs, learning_rate 0.0001, trainable_layers 2", setup.Optimizer);
        Assert.Null(setup.EarlyStopping);
        Assert.Equal(8, setup.MaxEpochs);
    }

    [Fact]
    public void The_recipe_shows_every_augmentation_step_and_schedule_key_with_its_defaults()
    {
        var spec = ExperimentSpecs.Loader.Parse("""
            name: t
            seed: 1
            data:
              dataset: cifar10
              augmentation:
                - random_crop: {padding: 2}
                - horizontal_flip: {mode: alternating}
                - cutout: {size: 8}
                - color_jitter: {brightness: 0.2}
                - rand_augment: {num_ops: 2, magnitude: 9}
                - mixup: {alpha: 0.4}
            model:
              type: cnn
              layers:
                - flatten: {}
                - dense: {units: 10}
            training:
              epochs: 10
              optimizer: {type: sgd, learning_rate: 0.2, momentum: 0.9, nesterov: true, weight_decay: 0.0005}
              lr_schedule: {type: linear, warmup_epochs: 1.5}
              label_smoothing: 0.2
            """, "spec.yaml");

        var setup = SpecDescriptions.Setup(spec);

        Assert.Equal("random_crop (padding 2, fill reflect), horizontal_flip (mode alternating), cutout (size 8, count 1), "
            + "color_jitter (brightness 0.2, contrast 0, saturation 0), rand_augment (num_ops 2, magnitude 9), "
            + "mixup (alpha 0.4, probability 1)", setup.Augmentation);
        Assert.Equal("cutmix (alpha 1, probability 0.5)", SpecDescriptions.Augmentation(new CutMixStep(1.0, 0.5)));
        Assert.Equal("linear (warmup_epochs 1.5, end_factor 0), per step", setup.LearningRateSchedule);
        Assert.Equal("label_smoothing 0.2", setup.LabelSmoothing);
        Assert.Equal("sgd (learning_rate 0.2, momentum 0.9, nesterov true, weight_decay 0.0005)", setup.Optimizer);
    }

    [Theory]
    [InlineData(LearningRateScheduleType.Constant, "constant (warmup_epochs 2), per step")]
    [InlineData(LearningRateScheduleType.Step, "step (warmup_epochs 2, decay_epochs 1, decay_rate 0.1), per step")]
    [InlineData(LearningRateScheduleType.Cosine, "cosine (warmup_epochs 2, alpha 0), per step")]
    [InlineData(LearningRateScheduleType.OneCycle, "one_cycle (pct_start 0.3, div_factor 25, final_div_factor 10000), per step")]
    public void Each_schedule_type_lists_its_own_keys(LearningRateScheduleType type, string expected) =>
        Assert.Equal(expected, SpecDescriptions.Schedule(new LearningRateScheduleSpec(type, WarmupEpochs: type == LearningRateScheduleType.OneCycle ? 0 : 2)));

    [Fact]
    public void A_fine_tuning_phase_says_it_keeps_its_rate_constant_under_a_schedule()
    {
        var spec = Spec(new TransferModelSpec("resnet18", PretrainedWeights.ImageNet, 0, [new DenseLayer(10, Activation.Softmax)], null),
            new TrainingSpec(5, new OptimizerSpec(OptimizerType.Adam, 0.001), null, new FineTuneSpec(1, 3, 1e-5))
            {
                LearningRateSchedule = new LearningRateScheduleSpec(LearningRateScheduleType.Cosine),
            });

        Assert.Equal("cosine (warmup_epochs 0, alpha 0), per step; fine_tune keeps its learning_rate constant", SpecDescriptions.Setup(spec).LearningRateSchedule);
    }
}
