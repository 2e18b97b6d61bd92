using Cifar.Running;
using Cifar.Specs;
using static Cifar.Tests.Specs.SpecTestFiles;

namespace Cifar.Tests.Specs;

/// <summary>Issue 10's training.ema and evaluation.tta.</summary>
public class EmaAndTtaSpecTests
{
    // Line numbers below refer to this spec, which loads.
    private const string Valid =
        """
        name: t
        seed: 1
        data:
          dataset: cifar10
        model:
          type: cnn
          layers:
            - conv2d: {filters: 8, kernel_size: 3}
            - flatten: {}
            - dense: {units: 10}
        training:
          epochs: 2
          optimizer: {type: adam}
          ema: {decay: 0.999}
        evaluation:
          tta: {flip: true, translate: 1}
        """;

    private const string FrozenTransfer =
        """
        name: t
        seed: 1
        data: {dataset: cifar10}
        model: {type: transfer, base: resnet18}
        training:
          epochs: 1
          optimizer: {type: adam}
        evaluation:
          tta: {}
        """;

    private static string Edit(string from, string to) => Edited(Valid, from, to);

    private static ExperimentSpec Load(string yaml) => ExperimentSpecs.Loader.Parse(yaml, "spec.yaml");

    [Fact]
    public void Both_keys_load_into_the_spec()
    {
        var spec = Load(Valid);
        Assert.Equal(new EmaSpec(0.999), spec.Training.Ema);
        Assert.Equal(new TestTimeAugmentationSpec(Flip: true, Translate: 1), spec.Evaluation.TestTimeAugmentation);
    }

    [Fact]
    public void Empty_mappings_take_the_defaults_and_absent_sections_turn_both_off()
    {
        var defaults = Load(Edit("{decay: 0.999}", "{}").Replace("{flip: true, translate: 1}", "{}", StringComparison.Ordinal));
        Assert.Equal(new EmaSpec(0.99), defaults.Training.Ema); // Keras' ema_momentum
        Assert.Equal(new TestTimeAugmentationSpec(Flip: true, Translate: 0), defaults.Evaluation.TestTimeAugmentation);

        var none = Load(MinimalSpec);
        Assert.Null(none.Training.Ema);
        Assert.Same(EvaluationSpec.Default, none.Evaluation);
        Assert.Null(Load(MinimalSpec + "\nevaluation: {}").Evaluation.TestTimeAugmentation);
        Assert.Equal(new TestTimeAugmentationSpec(Flip: false, Translate: 2),
            Load(Edit("flip: true, translate: 1", "flip: false, translate: 2")).Evaluation.TestTimeAugmentation);
    }

    public static TheoryData<string, string, string> Problems() => new()
    {
        { "decay: 0.999", "decay: 1",
            "spec.yaml:14:16: `training.ema.decay` is '1'; expected a number in (0, 1)" },
        { "decay: 0.999", "decay: 0",
            "spec.yaml:14:16: `training.ema.decay` is '0'; expected a number in (0, 1)" },
        { "decay: 0.999", "decai: 0.999",
            "spec.yaml:14:9: `training.ema.decai` is an unknown key; expected one of decay. Did you mean 'decay'?" },
        { "ema: {decay: 0.999}", "ema: 0.999",
            "spec.yaml:14:8: `training.ema` is '0.999'; expected a mapping" },
        { "evaluation:", "evaluaton:",
            "spec.yaml:15:1: `evaluaton` is an unknown key; expected one of name, description, seed, seeds, determinism, data, model, training, evaluation, report. Did you mean 'evaluation'?" },
        { "  tta:", "  flip:",
            "spec.yaml:16:3: `evaluation.flip` is an unknown key; expected one of tta. `flip` belongs in `evaluation.tta`." },
        { "flip: true, translate: 1", "flip: false, translate: 0",
            "spec.yaml:16:8: `evaluation.tta` changes nothing; expected flip: true or translate >= 1" },
        { "translate: 1", "translate: 17",
            "spec.yaml:16:32: `evaluation.tta.translate` is '17'; expected an integer from 0 to 16" },
        { "flip: true", "flip: yes",
            "spec.yaml:16:15: `evaluation.tta.flip` is 'yes'; expected true or false" },
        { "translate: 1", "translat: 1",
            "spec.yaml:16:21: `evaluation.tta.translat` is an unknown key; expected one of flip, translate. Did you mean 'translate'?" },
    };

    [Theory]
    [MemberData(nameof(Problems))]
    public void A_bad_value_is_one_line_at_its_position(string from, string to, string expected) =>
        Assert.Equal([expected], SpecTestFiles.Problems(Edit(from, to)));

    [Fact]
    public void A_transfer_model_with_a_frozen_base_takes_no_tta_but_one_whose_base_trains_does()
    {
        Assert.Equal(
            ["spec.yaml:9:3: `evaluation.tta` is set but the transfer model's base is frozen (trainable_layers 0 and no training.fine_tune), so the test images reach the head as features computed once; expected tta only with a cnn model or a transfer model whose base trains"],
            SpecTestFiles.Problems(FrozenTransfer));

        var trainable = Load(Edited(FrozenTransfer, "base: resnet18}", "base: resnet18, trainable_layers: 1}"));
        Assert.NotNull(trainable.Evaluation.TestTimeAugmentation);
        var fineTuned = Load(Edited(FrozenTransfer, "optimizer: {type: adam}", "optimizer: {type: adam}\n  fine_tune: {trainable_layers: 1, epochs: 1}"));
        Assert.NotNull(fineTuned.Evaluation.TestTimeAugmentation);
    }
}
