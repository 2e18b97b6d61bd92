using Cifar.Running;
using Cifar.Specs;
using static Cifar.Tests.Specs.SpecTestFiles;

namespace Cifar.Tests.Specs;

/// <summary>Issue 10's keys: data.augmentation, training.lr_schedule, training.label_smoothing, adamw and weight_decay.</summary>
public class RecipeSpecTests
{
    // Line numbers below refer to this spec, which loads.
    private const string Valid =
        """
        name: t
        seed: 1
        data:
          dataset: cifar10
          augmentation:
            - random_crop: {padding: 2, fill: reflect}
            - horizontal_flip: {mode: alternating}
            - cutout: {size: 8, count: 1}
            - color_jitter: {brightness: 0.2, contrast: 0.2, saturation: 0.2}
            - rand_augment: {num_ops: 2, magnitude: 9}
            - cutmix: {alpha: 1.0, probability: 0.5}
        model:
          type: cnn
          layers:
            - conv2d: {filters: 8, kernel_size: 3}
            - flatten: {}
            - dense: {units: 10}
        training:
          epochs: 10
          optimizer: {type: sgd, learning_rate: 0.2, momentum: 0.9, nesterov: true, weight_decay: 0.0005}
          lr_schedule: {type: cosine, warmup_epochs: 1.5, alpha: 0.01}
          label_smoothing: 0.2
        """;

    private static string Edit(string from, string to) => Edited(Valid, from, to);

    [Fact]
    public void Every_key_loads_into_the_spec()
    {
        var spec = ExperimentSpecs.Loader.Parse(Valid, "spec.yaml");
        Assert.Equal(
            [
                new RandomCropStep(2, CropFill.Reflect, 6, 7),
                new HorizontalFlipStep(FlipMode.Alternating, 7, 7),
                new CutoutStep(8, 1, 8, 7),
                new ColorJitterStep(0.2, 0.2, 0.2, 9, 7),
                new RandAugmentStep(2, 9, 10, 7),
                new CutMixStep(1.0, 0.5, 11, 7),
            ],
            spec.Data.Augmentation);
        Assert.Equal(new OptimizerSpec(OptimizerType.Sgd, 0.2, Momentum: 0.9, Nesterov: true, WeightDecay: 0.0005), spec.Training.Optimizer);
        Assert.Equal(new LearningRateScheduleSpec(LearningRateScheduleType.Cosine, WarmupEpochs: 1.5, Alpha: 0.01), spec.Training.LearningRateSchedule);
        Assert.Equal(0.2, spec.Training.LabelSmoothing);

        var adamw = ExperimentSpecs.Loader.Parse(Edit("{type: sgd, learning_rate: 0.2, momentum: 0.9, nesterov: true, weight_decay: 0.0005}",
            "{type: adamw, learning_rate: 0.003, weight_decay: 0.05}"), "spec.yaml");
        Assert.Equal(new OptimizerSpec(OptimizerType.AdamW, 0.003, WeightDecay: 0.05), adamw.Training.Optimizer);
    }

    public static TheoryData<string, string, string> Problems() => new()
    {
        { "fill: reflect", "fill: mirror",
            "spec.yaml:6:39: `data.augmentation[0].random_crop.fill` is 'mirror'; expected one of reflect, zero." },
        { "mode: alternating", "mode: alternate",
            "spec.yaml:7:31: `data.augmentation[1].horizontal_flip.mode` is 'alternate'; expected one of random, alternating. Did you mean 'alternating'?" },
        { "- cutout: {size: 8, count: 1}", "- cut_out: {size: 8, count: 1}",
            "spec.yaml:8:7: `data.augmentation[2]` is 'cut_out'; expected one of random_crop, horizontal_flip, cutout, color_jitter, rand_augment, mixup, cutmix. Did you mean 'cutout'?" },
        { "size: 8, count: 1", "size: 40, count: 1",
            "spec.yaml:8:22: `data.augmentation[2].cutout.size` is '40'; expected an integer from 1 to 32" },
        { "padding: 2,", "paddin: 2,",
            "spec.yaml:6:21: `data.augmentation[0].random_crop.paddin` is an unknown key; expected one of padding, fill. Did you mean 'padding'?" },
        { "{brightness: 0.2, contrast: 0.2, saturation: 0.2}", "{brightness: 0}",
            "spec.yaml:9:21: `data.augmentation[3].color_jitter` changes nothing; expected brightness, contrast or saturation > 0" },
        { "magnitude: 9", "magnitude: 31",
            "spec.yaml:10:45: `data.augmentation[4].rand_augment.magnitude` is '31'; expected an integer from 0 to 30" },
        { "probability: 0.5", "probability: 1.5",
            "spec.yaml:11:41: `data.augmentation[5].cutmix.probability` is '1.5'; expected a number in (0, 1]" },
        { "    - cutmix: {alpha: 1.0, probability: 0.5}", "    - cutmix: {alpha: 1.0, probability: 0.5}\n    - cutout: {}",
            "spec.yaml:12:7: `data.augmentation[6]` is a cutout after the mixing step data.augmentation[5]; expected mixup and cutmix last (they mix the finished, normalised images)" },
        { "    - cutmix: {alpha: 1.0, probability: 0.5}", "    - cutmix: {alpha: 1.0, probability: 0.5}\n    - mixup: {}",
            "spec.yaml:12:7: `data.augmentation[6]` mixes the batch again (the first mixing step is data.augmentation[5]); expected at most one of mixup, cutmix" },
        { "type: cosine", "type: cosin",
            "spec.yaml:21:23: `training.lr_schedule.type` is 'cosin'; expected one of constant, step, cosine, one_cycle, linear. Did you mean 'cosine'?" },
        { "warmup_epochs: 1.5", "warmup_epochs: 10",
            "spec.yaml:21:46: `training.lr_schedule.warmup_epochs` is '10' but training.epochs is 10; expected fewer warm-up epochs than epochs" },
        { "alpha: 0.01}", "end_factor: 0.01}",
            "spec.yaml:21:51: `training.lr_schedule.end_factor` does not apply to lr_schedule type 'cosine'; expected one of type, warmup_epochs, alpha" },
        { "label_smoothing: 0.2", "label_smoothing: 1",
            "spec.yaml:22:20: `training.label_smoothing` is '1'; expected a number in [0, 1)" },
        { "weight_decay: 0.0005", "weight_decay: -1",
            "spec.yaml:20:91: `training.optimizer.weight_decay` is '-1'; expected a number >= 0" },
        { "{type: sgd, learning_rate: 0.2, momentum: 0.9, nesterov: true, weight_decay: 0.0005}", "{type: adam, weight_decay: 0.1}",
            "spec.yaml:20:27: `training.optimizer.weight_decay` applies to sgd and adamw only; optimizer.type is 'adam'" },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void A_bad_value_is_one_line_at_its_position(string from, string to, string expected) =>
        Assert.Equal([expected], SpecTestFiles.Problems(Edit(from, to)));

    [Fact]
    public void A_transfer_model_takes_no_augmentation()
    {
        var yaml = """
            name: t
            seed: 1
            data:
              dataset: cifar10
              augmentation: [{horizontal_flip: {}}]
            model: {type: transfer, base: resnet18}
            training:
              epochs: 1
              optimizer: {type: adam}
            """;
        Assert.Equal(
            ["spec.yaml:5:3: `data.augmentation` is set but model.type is 'transfer'; expected augmentation only with a cnn model (a transfer model trains on features computed once)"],
            SpecTestFiles.Problems(yaml));
    }
}
