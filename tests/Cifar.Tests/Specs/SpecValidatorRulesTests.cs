using Cifar.Running;
using Cifar.Specs;
using static Cifar.Tests.Specs.SpecTestFiles;

namespace Cifar.Tests.Specs;

/// <summary>
/// The validator's rules at their edges: the split check at exactly one image per side and its silence when the
/// values it needs are already wrong, YAML 1.2 booleans and numbers, exact names, layer parameters and their
/// defaults, and the report section. Each problem is checked as the line a user sees.
/// </summary>
public class SpecValidatorRulesTests
{
    private const string Valid = MinimalSpec;

    private static string Edit(string from, string to) => Edited(Valid, from, to);

    private static ExperimentSpec Load(string yaml) => ExperimentSpecs.Loader.Parse(yaml, "spec.yaml");

    private static string Data(string lines) => Edit("dataset: cifar10", "dataset: cifar10\n  " + lines.Replace("\n", "\n  ", StringComparison.Ordinal));

    [Theory]
    [InlineData("train_samples: 2\nvalidation_split: 0.5")]   // 1 and 1
    [InlineData("train_samples: 10\nvalidation_split: 0.9")]  // 1 left for training
    [InlineData("validation_split: 0.99998")]                 // 49,999 held out of 50,000, 1 left
    [InlineData("validation_split: 0.00002")]                 // exactly 1 held out
    public void A_split_that_leaves_exactly_one_image_on_a_side_loads(string lines) =>
        Assert.NotNull(Load(Data(lines)));

    [Fact]
    public void A_split_that_rounds_the_last_training_image_away_is_reported_at_the_split()
    {
        Assert.Equal(
            ["spec.yaml:5:21: `data.validation_split` is '0.99999', which holds out 49999.5 of 50000 images and leaves the training split empty; expected at least 1 image in each split"],
            Problems(Data("validation_split: 0.99999")));
        Assert.Equal(
            ["spec.yaml:5:18: `data.train_samples` is '10', which with validation_split 0.95 holds out 9.5 images and leaves the training split empty; expected at least 1 image in each split"],
            Problems(Data("train_samples: 10\nvalidation_split: 0.95")));
    }

    [Fact]
    public void The_split_check_stays_silent_when_a_value_it_needs_is_already_wrong()
    {
        Assert.Equal(
            ["spec.yaml:5:18: `data.train_samples` is '0'; expected an integer from 1 to 50000"],
            Problems(Data("train_samples: 0\nvalidation_split: 0.5")));
        Assert.Equal(
            ["spec.yaml:6:21: `data.validation_split` is '2'; expected a number in (0, 1)"],
            Problems(Data("train_samples: 1\nvalidation_split: 2")));
    }

    [Fact]
    public void Booleans_are_yaml_1_2_core_schema_in_any_of_its_three_spellings()
    {
        string EarlyStopping(string value) =>
            Edit("optimizer: {type: adam}", "optimizer: {type: adam}\n  early_stopping: {restore_best_weights: " + value + "}");

        foreach (var yes in new[] { "true", "True", "TRUE" })
            Assert.True(Load(EarlyStopping(yes)).Training.EarlyStopping!.RestoreBestWeights, yes);
        foreach (var no in new[] { "false", "False", "FALSE" })
            Assert.False(Load(EarlyStopping(no)).Training.EarlyStopping!.RestoreBestWeights, no);
        Assert.Equal(
            ["spec.yaml:14:42: `training.early_stopping.restore_best_weights` is 'yes'; expected true or false"],
            Problems(EarlyStopping("yes")));
        Assert.Equal(
            ["spec.yaml:14:42: `training.early_stopping.restore_best_weights` is 'true'; expected true or false"],
            Problems(EarlyStopping("\"true\"")));
    }

    [Fact]
    public void Numbers_are_plain_decimal_and_finite()
    {
        string MinDelta(string value) =>
            Edit("optimizer: {type: adam}", "optimizer: {type: adam}\n  early_stopping: {min_delta: " + value + "}");

        Assert.Equal(0.5, Load(MinDelta(".5")).Training.EarlyStopping!.MinDelta);
        Assert.Equal(0.002, Load(MinDelta("2e-3")).Training.EarlyStopping!.MinDelta);
        Assert.Equal(0, Load(MinDelta("0")).Training.EarlyStopping!.MinDelta);
        Assert.Equal(
            ["spec.yaml:14:31: `training.early_stopping.min_delta` is the string '0.5'; expected a number"],
            Problems(MinDelta("\"0.5\"")));
        Assert.Equal(
            ["spec.yaml:14:31: `training.early_stopping.min_delta` is '1e400'; expected a number >= 0"],
            Problems(MinDelta("1e400")));
        Assert.Equal(
            ["spec.yaml:14:31: `training.early_stopping.min_delta` is '.inf'; expected a number"],
            Problems(MinDelta(".inf")));
        Assert.Equal(
            ["spec.yaml:14:31: `training.early_stopping.min_delta` is 'a lot'; expected a number"],
            Problems(MinDelta("a lot")));
    }

    [Fact]
    public void Names_without_aliases_match_exactly()
    {
        Assert.Equal(
            ["spec.yaml:13:21: `training.optimizer.type` is 'Adam'; expected one of adam, sgd, adamw. Did you mean 'adam'?"],
            Problems(Edit("{type: adam}", "{type: Adam}")));
    }

    [Fact]
    public void Nesterov_needs_a_momentum_above_zero_written_or_not()
    {
        Assert.Equal(
            ["spec.yaml:13:49: `training.optimizer.nesterov` is 'true' but momentum is 0; expected nesterov only with a momentum > 0"],
            Problems(Edit("{type: adam}", "{type: sgd, momentum: 0, nesterov: true}")));
        // An invalid momentum is reported once, as itself.
        Assert.Equal(
            ["spec.yaml:13:36: `training.optimizer.momentum` is '2'; expected a number in [0, 1)"],
            Problems(Edit("{type: adam}", "{type: sgd, momentum: 2, nesterov: true}")));
        var sgd = Load(Edit("{type: adam}", "{type: sgd, momentum: 0.5, nesterov: false}")).Training.Optimizer;
        Assert.Equal((OptimizerType.Sgd, 0.01, 0.5, false), (sgd.Type, sgd.LearningRate, sgd.Momentum, sgd.Nesterov));
    }

    [Fact]
    public void Locations_are_http_urls_or_non_blank_paths()
    {
        Assert.Equal("https://x.invalid/a.tgz", Load(Data("url: https://x.invalid/a.tgz")).Data.Url);
        Assert.Equal("http://x.invalid/a.tgz", Load(Data("url: http://x.invalid/a.tgz")).Data.Url);
        Assert.Equal(["spec.yaml:5:8: `data.url` is '  '; expected a file path"], Problems(Data("url: \"  \"")));
        Assert.Equal(
            ["spec.yaml:5:8: `data.url` is 'http://[bad/a.tgz'; expected an http(s) URL or a file path"],
            Problems(Data("url: http://[bad/a.tgz")));
    }

    [Fact]
    public void Layer_parameters_are_read_with_their_keras_defaults()
    {
        var spec = Load(Edit(
            "- conv2d: {filters: 8, kernel_size: 3}",
            "- conv2d: {filters: 8, kernel_size: 3, strides: 2, padding: same, activation: relu}\n"
            + "    - max_pooling2d:\n"
            + "    - max_pooling2d: {pool_size: 3, strides: 1}\n"
            + "    - dropout: {rate: 0}\n"
            + "    - batch_normalization:\n"
            + "    - batch_normalization: {momentum: 0.5, epsilon: 0.25}"));

        var layers = ((CnnModelSpec)spec.Model).Layers;
        Assert.Equal(new Conv2DLayer(8, 3, 2, Padding.Same, Activation.Relu, 8, 7), layers[0]);
        Assert.Equal(new MaxPooling2DLayer(2, null, 9, 7), layers[1]);
        Assert.Equal(new MaxPooling2DLayer(3, 1, 10, 7), layers[2]);
        Assert.Equal(new DropoutLayer(0, 11, 7), layers[3]);
        Assert.Equal(new BatchNormalizationLayer(0.99, 0.001, 12, 7), layers[4]);
        Assert.Equal(new BatchNormalizationLayer(0.5, 0.25, 13, 7), layers[5]);
        Assert.Equal(new DenseLayer(10, Activation.Linear, 15, 7), layers[^1]);
    }

    [Fact]
    public void A_layer_whose_parameters_are_not_a_mapping_says_which_keys_it_takes()
    {
        Assert.Equal(
            ["spec.yaml:8:15: `model.layers[0].conv2d` is a list; expected a mapping of filters, kernel_size, strides, padding, activation, use_bias"],
            Problems(Edit("- conv2d: {filters: 8, kernel_size: 3}", "- conv2d: [8, 3]")));
        Assert.Equal(
            ["spec.yaml:9:16: `model.layers[1].flatten` is '3'; expected an empty mapping {}"],
            Problems(Edit("- flatten: {}", "- flatten: 3")));
        Assert.Equal(
            ["spec.yaml:10:7: `model.layers[2].dense.units` is missing; expected an integer >= 1"],
            Problems(Edit("- dense: {units: 10}", "- dense:")));
    }

    [Fact]
    public void A_layer_written_without_its_mapping_still_counts_for_the_order_checks()
    {
        // "- flatten" names its kind: one problem, and no "dense before any flatten" after it.
        Assert.Equal(
            ["spec.yaml:9:7: `model.layers[1]` is 'flatten'; expected a mapping with one layer kind, such as `flatten: {...}`"],
            Problems(Edit("- flatten: {}", "- flatten")));
        Assert.Equal(
            ["spec.yaml:8:7: `model.layers[0]` is '3'; expected a mapping with one layer kind, such as `conv2d: {filters: 32, kernel_size: 3}`"],
            Problems(Edit("- conv2d: {filters: 8, kernel_size: 3}", "- 3")));
        Assert.Equal(
            ["spec.yaml:8:7: `model.layers[0]` is empty; expected a mapping with one layer kind, such as `conv2d: {filters: 32, kernel_size: 3}`"],
            Problems(Edit("- conv2d: {filters: 8, kernel_size: 3}", "- ~")));
    }

    [Fact]
    public void A_misspelt_layer_kind_gets_the_closest_kind()
    {
        Assert.Equal(
            ["spec.yaml:8:7: `model.layers[0]` is 'convv2d'; expected one of conv2d, max_pooling2d, flatten, dense, dropout, batch_normalization, activation, global_average_pooling2d, global_max_pooling2d, residual, patch_whitening, rescaling. Did you mean 'conv2d'?"],
            Problems(Edit("- conv2d: {filters: 8, kernel_size: 3}", "- convv2d: {filters: 8}")));
    }

    [Fact]
    public void Sections_and_texts_of_the_wrong_shape_are_reported()
    {
        Assert.Equal(["spec.yaml:13:14: `training.fine_tune` is '3'; expected a mapping"], Problems(Edit("epochs: 2", "epochs: 2\n  fine_tune: 3")));
        Assert.Equal(["spec.yaml:3:14: `description` is a list; expected a string"], Problems(Edit("seed: 1", "seed: 1\ndescription: [a]")));
        Assert.Equal(["spec.yaml:11:9: `report` is '3'; expected a mapping"], Problems(Edit("training:", "report: 3\ntraining:")));
    }

    [Fact]
    public void Report_formats_and_templates()
    {
        Assert.Equal([ReportFormat.Markdown, ReportFormat.Html], Load(Valid).Report.Formats);
        Assert.Equal([ReportFormat.Html], Load(Edit("training:", "report: {formats: [html]}\ntraining:")).Report.Formats);
        Assert.Equal([ReportFormat.Markdown, ReportFormat.Html], Load(Edit("training:", "report: {}\ntraining:")).Report.Formats);
        Assert.Equal(
            ["spec.yaml:11:19: `report.formats` is an empty list; expected at least one of markdown, html"],
            Problems(Edit("training:", "report: {formats: []}\ntraining:")));
        Assert.Equal(
            ["spec.yaml:11:21: `report.templates` is ''; expected a file path"],
            Problems(Edit("training:", "report: {templates: \"\"}\ntraining:")));
    }
}
