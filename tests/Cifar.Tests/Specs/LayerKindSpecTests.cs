using Cifar.Models;
using Cifar.Running;
using Cifar.Specs;
using static Cifar.Tests.Specs.SpecTestFiles;
using Padding = Cifar.Specs.Padding;

namespace Cifar.Tests.Specs;

/// <summary>The layer kinds of issue 10 (activation, global pooling, use_bias, center/scale, residual) as a user writes
/// and misspells them.</summary>
public class LayerKindSpecTests
{
    /// <summary>A spec whose layer list is <paramref name="layers"/> (each line indented as an entry of model.layers,
    /// which starts on line 8).</summary>
    private static string Spec(string layers) =>
        "name: t\nseed: 1\ndata:\n  dataset: cifar10\nmodel:\n  type: cnn\n  layers:\n" + layers +
        "training:\n  epochs: 1\n  optimizer: {type: adam}\n";

    private const string ResNetStage =
        """
            - conv2d: {filters: 16, kernel_size: 3, padding: same, use_bias: false}
            - batch_normalization: {}
            - activation: {type: gelu}
            - residual:
                layers:
                  - conv2d: {filters: 32, kernel_size: 3, strides: 2, padding: same, use_bias: false}
                  - batch_normalization: {center: false}
                  - activation: {type: swish}
                  - conv2d: {filters: 32, kernel_size: 3, padding: same, activation: leaky_relu}
            - residual:
                layers:
                  - conv2d: {filters: 32, kernel_size: 3, padding: same}
            - global_max_pooling2d: {}
            - batch_normalization: {center: false, scale: false}
            - dense: {units: 10}

        """;

    [Fact]
    public void A_resnet_style_list_loads_with_keras_parameters_and_nested_layers()
    {
        var spec = ExperimentSpecs.Loader.Parse(Spec(ResNetStage), "spec.yaml");
        var layers = ((CnnModelSpec)spec.Model).Layers;
        Assert.Equal(new Conv2DLayer(16, 3, 1, Padding.Same, Activation.Linear, 8, 7) { UseBias = false }, layers[0]);
        Assert.Equal(new ActivationLayer(Activation.Gelu, 10, 7), layers[2]);
        var block = Assert.IsType<ResidualLayer>(layers[3]);
        Assert.Equal((11, 7), (block.Line, block.Column));
        Assert.Equal(4, block.Layers.Count);
        Assert.Equal(new BatchNormalizationLayer(Line: 14, Column: 13) { Center = false }, block.Layers[1]);
        Assert.Equal(new ActivationLayer(Activation.Silu, 15, 13), block.Layers[2]);
        Assert.Equal(Activation.LeakyRelu, Assert.IsType<Conv2DLayer>(block.Layers[3]).Activation);
        Assert.IsType<GlobalMaxPooling2DLayer>(layers[5]);
        Assert.Equal(new BatchNormalizationLayer(Line: 21, Column: 7) { Center = false, Scale = false }, layers[6]);
    }

    [Fact]
    public void The_summary_counts_parameters_as_keras_does()
    {
        var spec = (CnnModelSpec)ExperimentSpecs.Loader.Parse(Spec(ResNetStage), "spec.yaml").Model;
        var summary = CnnBuilder.Summarize(spec, 32);
        var rows = summary.Layers.Select(r => (r.Name, r.Type, Shape: string.Join("x", r.OutputShape), r.Parameters)).ToArray();
        Assert.Equal(
        [
            ("conv2d", "Conv2D", "16x32x32", 3L * 3 * 3 * 16),              // no bias
            ("batch_normalization", "BatchNormalization", "16x32x32", 4L * 16),
            ("activation", "Activation", "16x32x32", 0L),
            ("residual", "Residual", "32x16x16", 4608 + 96 + 9248 + 512 + 128),
            ("residual/conv2d_1", "Conv2D", "32x16x16", 3L * 3 * 16 * 32),
            ("residual/batch_normalization_1", "BatchNormalization", "32x16x16", 3L * 32), // gamma, mean, variance
            ("residual/activation_1", "Activation", "32x16x16", 0L),
            ("residual/conv2d_2", "Conv2D", "32x16x16", 3L * 3 * 32 * 32 + 32),
            ("residual/shortcut_conv", "Conv2D", "32x16x16", 16L * 32),   // 1x1, stride 2, no bias
            ("residual/shortcut_bn", "BatchNormalization", "32x16x16", 4L * 32),
            ("residual_1", "Residual", "32x16x16", 9248L),                  // identity shortcut
            ("residual_1/conv2d_3", "Conv2D", "32x16x16", 9248L),
            ("global_max_pooling2d", "GlobalMaxPooling2D", "32", 0L),
            ("batch_normalization_2", "BatchNormalization", "32", 2L * 32),   // moving statistics only
            ("dense", "Dense", "10", 330L),
        ], rows);
        // Each weight once: the block rows hold their inner rows' counts.
        Assert.Equal(432 + 64 + 14592 + 9248 + 64 + 330, summary.TotalParameters);
        Assert.Equal(432 + 32 + (4608 + 32 + 9248 + 512 + 64) + 9248 + 330, summary.TrainableParameters);
    }

    [Theory]
    [InlineData("    - activation: {type: gelo}\n", "9:26: `model.layers[1].activation.type` is 'gelo'; expected one of linear, relu, tanh, sigmoid, softmax, relu6, elu, selu, gelu, silu, swish, leaky_relu, mish, softplus, softsign. Did you mean 'gelu'?")]
    [InlineData("    - activation: {}\n", "9:19: `model.layers[1].activation.type` is missing; expected one of linear, relu")]
    [InlineData("    - conv2d: {filters: 4, kernel_size: 3, use_bias: no}\n", "9:54: `model.layers[1].conv2d.use_bias` is 'no'; expected true or false")]
    [InlineData("    - conv2d: {filters: 4, kernel_size: 3, use_bais: false}\n", "9:44: `model.layers[1].conv2d.use_bais` is an unknown key; expected one of filters, kernel_size, strides, padding, activation, use_bias. Did you mean 'use_bias'?")]
    [InlineData("    - batch_normalization: {centre: false}\n", "9:29: `model.layers[1].batch_normalization.centre` is an unknown key; expected one of momentum, epsilon, center, scale. Did you mean 'center'?")]
    [InlineData("    - global_max_pool2d: {}\n", "9:7: `model.layers[1]` is 'global_max_pool2d'; expected one of conv2d, max_pooling2d, flatten, dense, dropout, batch_normalization, activation, global_average_pooling2d, global_max_pooling2d, residual, patch_whitening, rescaling. Did you mean 'global_max_pooling2d'?")]
    [InlineData("    - global_max_pooling2d: {keepdims: true}\n", "9:30: `model.layers[1].global_max_pooling2d.keepdims` is an unknown key; expected no parameters (global_max_pooling2d takes none).")]
    public void A_bad_new_key_is_reported_at_its_place(string layer, string expected)
    {
        var problems = Problems(Spec("    - conv2d: {filters: 4, kernel_size: 3}\n" + layer + "    - flatten: {}\n    - dense: {units: 10}\n"));
        Assert.Contains(problems, p => p.StartsWith("spec.yaml:" + expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_problem_inside_a_residual_block_points_at_the_nested_entry()
    {
        var problems = Problems(Spec(
            """
                - residual:
                    layers:
                      - conv2d: {filters: 4, kernel_size: 3, padding: same}
                      - conv2d: {filters: 4, kernel_sise: 3}
                      - flaten: {}
                - global_average_pooling2d:
                - dense: {units: 10}

            """));
        Assert.Equal(
        [
            "spec.yaml:11:21: `model.layers[0].residual.layers[1].conv2d` is missing `kernel_size`",
            "spec.yaml:11:34: `model.layers[0].residual.layers[1].conv2d.kernel_sise` is an unknown key",
            "spec.yaml:12:13: `model.layers[0].residual.layers[2]` is 'flaten'; expected one of conv2d, max_pooling2d, flatten, dense, dropout, batch_normalization, activation, global_average_pooling2d, global_max_pooling2d, residual, patch_whitening, rescaling. Did you mean 'flatten'?",
        ], problems.Select(p => p.Contains("missing", StringComparison.Ordinal)
            ? p[..p.IndexOf("` is missing", StringComparison.Ordinal)].Replace(".kernel_size", "", StringComparison.Ordinal) + "` is missing `kernel_size`"
            : p.Contains("unknown key", StringComparison.Ordinal) ? p[..(p.IndexOf("unknown key", StringComparison.Ordinal) + "unknown key".Length)] : p));
    }

    [Fact]
    public void A_shape_problem_inside_a_block_is_reported_at_the_nested_layer_with_its_keras_name()
    {
        var problems = Problems(Spec(
            """
                - conv2d: {filters: 4, kernel_size: 3, strides: 8}
                - residual:
                    layers:
                      - conv2d: {filters: 4, kernel_size: 3, padding: same}
                      - max_pooling2d: {pool_size: 9}
                - flatten:
                - dense: {units: 10}

            """));
        Assert.Equal(["spec.yaml:12:13: `model.layers[1].residual.layers[1]` shrinks the feature map below 1x1: its input is 4x4, smaller than pool_size 9; expected an input of at least 9x9 (use fewer poolings, padding: same or a larger data.image_size)"], problems);
    }

    [Fact]
    public void A_block_whose_output_no_strided_shortcut_can_match_is_refused()
    {
        var problems = Problems(Spec(
            """
                - residual:
                    layers:
                      - conv2d: {filters: 4, kernel_size: 3}
                - flatten:
                - dense: {units: 10}

            """));
        Assert.Equal(["spec.yaml:8:7: `model.layers[0]` gives 30x30x4 from an input of 32x32x3, which no strided 1x1 shortcut can match (stride s gives ceil(side / s)); expected a block that divides height and width by one whole number, e.g. with padding: same"], problems);
    }

    [Fact]
    public void A_block_takes_only_layers_that_keep_the_image()
    {
        var problems = Problems(Spec(
            """
                - residual:
                    layers:
                      - conv2d: {filters: 4, kernel_size: 3, padding: same}
                      - global_max_pooling2d: {}
                      - dense: {units: 4}
                - flatten:
                - dense: {units: 10}

            """));
        Assert.Equal(
        [
            "spec.yaml:11:13: `model.layers[0].residual.layers[1]` is a global_max_pooling2d inside a residual block; expected layers that keep the image (conv2d, max_pooling2d, dropout, batch_normalization, activation, residual, rescaling), since the block's output is added to its input",
            "spec.yaml:12:13: `model.layers[0].residual.layers[2]` is a dense inside a residual block; expected layers that keep the image (conv2d, max_pooling2d, dropout, batch_normalization, activation, residual, rescaling), since the block's output is added to its input",
        ], problems);
    }

    [Fact]
    public void Nesting_blocks_deeper_than_the_limit_is_one_problem_not_a_crash()
    {
        var inner = "{conv2d: {filters: 4, kernel_size: 3, padding: same}}";
        for (var i = 0; i < 12; i++) inner = "{residual: {layers: [" + inner + "]}}";
        var problems = Problems(Spec("    - " + inner[1..^1] + "\n    - flatten:\n    - dense: {units: 10}\n"));
        var problem = Assert.Single(problems);
        Assert.Contains("nests residual blocks 5 deep; expected at most 4 residual blocks inside one another", problem, StringComparison.Ordinal);
        Assert.StartsWith("spec.yaml:8:", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Global_pooling_ends_the_image_part_like_flatten()
    {
        var problems = Problems(Spec(
            """
                - global_average_pooling2d:
                - conv2d: {filters: 4, kernel_size: 3}
                - flatten:
                - dense: {units: 10}

            """));
        Assert.Equal(
        [
            "spec.yaml:9:7: `model.layers[1]` is a conv2d after the global_average_pooling2d at model.layers[0]; expected conv2d, max_pooling2d, residual and patch_whitening layers before global_average_pooling2d",
            "spec.yaml:10:7: `model.layers[2]` is a flatten after the global_average_pooling2d at model.layers[0]; expected conv2d, max_pooling2d, residual and patch_whitening layers before global_average_pooling2d",
        ], problems);
    }

    [Fact]
    public void A_transfer_head_takes_an_activation_layer_but_not_global_pooling()
    {
        var transfer = File.ReadAllText(TransferExample);
        ExperimentSpecs.Loader.Parse(Edited(transfer, "  head:\n", "  head:\n    - activation: {type: gelu}\n"), "spec.yaml");
        var problems = Problems(Edited(transfer, "  head:\n", "  head:\n    - global_max_pooling2d: {}\n"));
        Assert.Contains(problems, p => p.Contains("is 'global_max_pooling2d'; expected one of dense, dropout, batch_normalization, activation, rescaling (a transfer head", StringComparison.Ordinal));
    }
}
