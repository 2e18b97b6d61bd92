using Cifar.Running;
using Cifar.Specs;
using static Cifar.Tests.Specs.SpecTestFiles;

namespace Cifar.Tests.Specs;

/// <summary>One test per kind of problem, each checking the exact line a user sees.</summary>
public class SpecLoaderErrorTests
{
    // Line numbers below refer to this spec (SpecTestFiles.MinimalSpec), which loads.
    private const string Valid = MinimalSpec;

    private static string Edit(string from, string to) => Edited(Valid, from, to);

    [Fact]
    public void The_base_spec_loads() => Assert.Equal("t", ExperimentSpecs.Loader.Parse(Valid, "spec.yaml").Name);

    [Fact]
    public void Invalid_yaml_syntax_is_one_line_at_the_parser_mark()
    {
        Assert.Equal(
            ["spec.yaml:14:1: invalid YAML: While parsing a flow mapping, did not find expected ',' or '}'."],
            Problems(Edit("{type: adam}", "{type: adam")));
    }

    [Fact]
    public void Unclosed_list_before_another_key_is_a_syntax_error()
    {
        // YamlDotNet's scanner throws InvalidOperationException here rather than a YamlException.
        Assert.Equal(
            ["spec.yaml:4:1: invalid YAML: the text cannot be parsed from here on; expected every '{' and '[' above to be closed"],
            Problems(Edit("data:\n  dataset: cifar10", "data: {dataset: cifar10")));
    }

    [Fact]
    public void Bad_indentation_is_a_syntax_error()
    {
        Assert.Equal(
            ["spec.yaml:5:15: invalid YAML: While scanning a plain scalar value, found invalid mapping."],
            Problems(Edit("  dataset: cifar10", "  dataset: cifar10\n    image_size: 64")));
    }

    [Fact]
    public void Misspelt_key_is_reported_with_the_closest_key()
    {
        Assert.Equal(
            ["spec.yaml:5:3: `data.batchsize` is an unknown key; expected one of dataset, normalization, validation_split, batch_size, image_size, train_samples, test_samples, url, augmentation. Did you mean 'batch_size'?"],
            Problems(Edit("  dataset: cifar10", "  dataset: cifar10\n  batchsize: 64")));
    }

    [Fact]
    public void Unknown_key_far_from_any_gets_no_suggestion()
    {
        Assert.Equal(
            ["spec.yaml:3:1: `author` is an unknown key; expected one of name, description, seed, seeds, determinism, data, model, training, evaluation, report."],
            Problems(Edit("seed: 1\n", "seed: 1\nauthor: me\n")));
    }

    [Fact]
    public void Key_at_the_wrong_level_says_where_it_belongs()
    {
        Assert.Equal(
            ["spec.yaml:14:3: `training.learning_rate` is an unknown key; expected one of epochs, optimizer, lr_schedule, label_smoothing, ema, early_stopping, fine_tune. `learning_rate` belongs in `training.optimizer` or `training.fine_tune`."],
            Problems(Valid + "\n  learning_rate: 0.01"));
        Assert.Equal(
            ["spec.yaml:8:44: `model.layers[0].conv2d.units` is an unknown key; expected one of filters, kernel_size, strides, padding, activation, use_bias. `units` belongs in a dense layer."],
            Problems(Edit("kernel_size: 3}", "kernel_size: 3, units: 4}")));
    }

    [Fact]
    public void Misspelt_required_key_is_both_unknown_and_missing()
    {
        Assert.Equal(
            [
                "spec.yaml:12:3: `training.epoch` is an unknown key; expected one of epochs, optimizer, lr_schedule, label_smoothing, ema, early_stopping, fine_tune. Did you mean 'epochs'?",
                "spec.yaml:12:3: `training.epochs` is missing; expected an integer >= 1",
            ],
            Problems(Edit("epochs: 2", "epoch: 2")));
    }

    [Fact]
    public void Flatten_takes_no_parameters()
    {
        Assert.Equal(
            ["spec.yaml:9:17: `model.layers[1].flatten.units` is an unknown key; expected no parameters (flatten takes none). `units` belongs in a dense layer."],
            Problems(Edit("flatten: {}", "flatten: {units: 3}")));
    }

    [Fact]
    public void Duplicate_keys_are_reported_at_the_second_one()
    {
        Assert.Equal(
            ["spec.yaml:3:1: `seed` is set twice (first at line 2, column 1); expected each key once"],
            Problems(Edit("seed: 1\n", "seed: 1\nseed: 2\n")));
        Assert.Equal(
            ["spec.yaml:13:27: `training.optimizer.type` is set twice (first at line 13, column 15); expected each key once"],
            Problems(Edit("{type: adam}", "{type: adam, type: sgd}")));
    }

    [Fact]
    public void Wrong_type_quotes_the_value_and_names_the_type()
    {
        Assert.Equal(["spec.yaml:12:11: `training.epochs` is 'ten'; expected an integer"], Problems(Edit("epochs: 2", "epochs: ten")));
        Assert.Equal(["spec.yaml:12:11: `training.epochs` is '2.5'; expected an integer"], Problems(Edit("epochs: 2", "epochs: 2.5")));
        Assert.Equal(["spec.yaml:12:11: `training.epochs` is the string '2'; expected an integer"], Problems(Edit("epochs: 2", "epochs: \"2\"")));
        Assert.Equal(["spec.yaml:12:11: `training.epochs` is a list; expected an integer"], Problems(Edit("epochs: 2", "epochs: [2]")));
        Assert.Equal(["spec.yaml:12:10: `training.epochs` is empty; expected an integer"], Problems(Edit("epochs: 2", "epochs:")));
        Assert.Equal(["spec.yaml:3:7: `data` is 'cifar10'; expected a mapping"], Problems(Edit("data:\n  dataset: cifar10", "data: cifar10")));
        Assert.Equal(
            ["spec.yaml:15:27: `training.early_stopping.restore_best_weights` is 'yes'; expected true or false"],
            Problems(Valid + "\n  early_stopping:\n    restore_best_weights: yes"));
    }

    [Fact]
    public void Missing_keys_are_reported_at_their_parent_mapping()
    {
        Assert.Equal(["spec.yaml:1:1: `seed` is missing; expected an integer >= 0 (or `seeds`, a list)"], Problems(Edit("seed: 1\n", "")));
        Assert.Equal(["spec.yaml:4:3: `data.dataset` is missing; expected one of cifar10"], Problems(Edit("dataset: cifar10", "batch_size: 8")));
        Assert.Equal(["spec.yaml:8:15: `model.layers[0].conv2d.kernel_size` is missing; expected an integer >= 1"],
            Problems(Edit("{filters: 8, kernel_size: 3}", "{filters: 8}")));
        Assert.Equal(["spec.yaml:1:1: `training` is missing; expected a mapping"],
            Problems(Valid[..Valid.IndexOf("training:", StringComparison.Ordinal)]));
    }

    [Theory]
    [InlineData("epochs: 2", "epochs: 0", "12:11: `training.epochs` is '0'; expected an integer >= 1")]
    [InlineData("seed: 1", "seed: -1", "2:7: `seed` is '-1'; expected an integer >= 0")]
    [InlineData("seed: 1", "seed: 3000000000", "2:7: `seed` is '3000000000'; expected an integer from 0 to 2147483647")]
    [InlineData("dataset: cifar10", "dataset: cifar10\n  validation_split: 1", "5:21: `data.validation_split` is '1'; expected a number in (0, 1)")]
    [InlineData("dataset: cifar10", "dataset: cifar10\n  validation_split: 0", "5:21: `data.validation_split` is '0'; expected a number in (0, 1)")]
    [InlineData("dataset: cifar10", "dataset: cifar10\n  batch_size: 0", "5:15: `data.batch_size` is '0'; expected an integer >= 1")]
    [InlineData("dataset: cifar10", "dataset: cifar10\n  image_size: 16", "5:15: `data.image_size` is '16'; expected an integer from 32 to 512")]
    [InlineData("dataset: cifar10", "dataset: cifar10\n  train_samples: 50001", "5:18: `data.train_samples` is '50001'; expected an integer from 1 to 50000")]
    [InlineData("dataset: cifar10", "dataset: cifar10\n  test_samples: 0", "5:17: `data.test_samples` is '0'; expected an integer from 1 to 10000")]
    [InlineData("{type: adam}", "{type: adam, learning_rate: 0}", "13:42: `training.optimizer.learning_rate` is '0'; expected a number > 0")]
    [InlineData("{type: adam}", "{type: adam, beta_1: 1.0}", "13:35: `training.optimizer.beta_1` is '1.0'; expected a number in [0, 1)")]
    [InlineData("{type: adam}", "{type: sgd, momentum: -0.1}", "13:36: `training.optimizer.momentum` is '-0.1'; expected a number in [0, 1)")]
    [InlineData("optimizer: {type: adam}", "optimizer: {type: adam}\n  early_stopping: {patience: -1}", "14:30: `training.early_stopping.patience` is '-1'; expected an integer >= 0")]
    [InlineData("optimizer: {type: adam}", "optimizer: {type: adam}\n  early_stopping: {min_delta: -1e-3}", "14:31: `training.early_stopping.min_delta` is '-1e-3'; expected a number >= 0")]
    [InlineData("kernel_size: 3", "kernel_size: 0", "8:41: `model.layers[0].conv2d.kernel_size` is '0'; expected an integer >= 1")]
    [InlineData("kernel_size: 3", "kernel_size: 3, strides: 0", "8:53: `model.layers[0].conv2d.strides` is '0'; expected an integer >= 1")]
    [InlineData("{filters: 8,", "{filters: 0,", "8:25: `model.layers[0].conv2d.filters` is '0'; expected an integer >= 1")]
    [InlineData("- flatten: {}", "- max_pooling2d: {pool_size: 0}\n    - flatten: {}", "9:34: `model.layers[1].max_pooling2d.pool_size` is '0'; expected an integer >= 1")]
    [InlineData("- flatten: {}", "- flatten: {}\n    - dropout: {rate: 1}", "10:23: `model.layers[2].dropout.rate` is '1'; expected a number in [0, 1)")]
    [InlineData("- flatten: {}", "- flatten: {}\n    - batch_normalization: {epsilon: 0}", "10:38: `model.layers[2].batch_normalization.epsilon` is '0'; expected a number > 0")]
    [InlineData("{units: 10}", "{units: 0}", "10:22: `model.layers[2].dense.units` is '0'; expected an integer >= 1")]
    public void Out_of_range_values_say_the_range(string from, string to, string expected)
    {
        Assert.Equal(["spec.yaml:" + expected], Problems(Edit(from, to)));
    }

    [Fact]
    public void Unknown_names_list_the_choices_and_suggest_the_closest()
    {
        Assert.Equal(
            ["spec.yaml:13:21: `training.optimizer.type` is 'adma'; expected one of adam, sgd, adamw. Did you mean 'adam'?"],
            Problems(Edit("{type: adam}", "{type: adma}")));
        Assert.Equal(
            ["spec.yaml:4:12: `data.dataset` is 'cifar100'; expected one of cifar10. Did you mean 'cifar10'?"],
            Problems(Edit("dataset: cifar10", "dataset: cifar100")));
        Assert.Equal(
            ["spec.yaml:4:12: `data.dataset` is 'mnist'; expected one of cifar10."],
            Problems(Edit("dataset: cifar10", "dataset: mnist")));
        Assert.Equal(
            ["spec.yaml:8:56: `model.layers[0].conv2d.activation` is 'Relu'; expected one of linear, relu, tanh, sigmoid, softmax, relu6, elu, selu, gelu, silu, swish, leaky_relu, mish, softplus, softsign. Did you mean 'relu'?"],
            Problems(Edit("kernel_size: 3}", "kernel_size: 3, activation: Relu}")));
        Assert.Equal(
            ["spec.yaml:9:7: `model.layers[1]` is 'Flatten'; expected one of conv2d, max_pooling2d, flatten, dense, dropout, batch_normalization, activation, global_average_pooling2d, global_max_pooling2d, residual, patch_whitening, rescaling. Did you mean 'flatten'?"],
            Problems(Edit("- flatten: {}", "- Flatten: {}")));
        Assert.Equal(
            ["spec.yaml:9:7: `model.layers[1]` is 'maxpool2d'; expected one of conv2d, max_pooling2d, flatten, dense, dropout, batch_normalization, activation, global_average_pooling2d, global_max_pooling2d, residual, patch_whitening, rescaling. Did you mean 'max_pooling2d'?"],
            Problems(Edit("- flatten: {}", "- maxpool2d: {}\n    - flatten: {}")));
        Assert.Equal(
            ["spec.yaml:6:9: `model.type` is 'cnnn'; expected one of cnn, transfer. Did you mean 'cnn'?"],
            Problems(Edit("type: cnn", "type: cnnn")));
    }

    [Fact]
    public void Unknown_base_and_weights_names_are_reported()
    {
        var transfer = File.ReadAllText(TransferExample);
        Assert.Equal(
            ["t.yaml:14:9: `model.base` is 'resnet34'; expected one of resnet18, resnet50, mobilenet_v2, vgg16. Did you mean 'resnet18'?"],
            Problems(transfer.Replace("base: resnet18", "base: resnet34", StringComparison.Ordinal), "t.yaml"));
        Assert.Equal(
            ["t.yaml:15:12: `model.weights` is 'None'; expected one of imagenet, none. Did you mean 'none'?"],
            Problems(transfer.Replace("weights: imagenet", "weights: None", StringComparison.Ordinal), "t.yaml"));
    }

    [Fact]
    public void Keys_of_the_other_model_type_or_optimizer_are_rejected()
    {
        Assert.Equal(
            ["spec.yaml:7:3: `model.base` applies to transfer models only; model.type is 'cnn'"],
            Problems(Edit("type: cnn\n", "type: cnn\n  base: resnet18\n")));
        Assert.Equal(
            ["spec.yaml:13:27: `training.optimizer.momentum` applies to sgd only; optimizer.type is 'adam'"],
            Problems(Edit("{type: adam}", "{type: adam, momentum: 0.9}")));
        Assert.Equal(
            ["spec.yaml:13:36: `training.optimizer.nesterov` is 'true' but momentum is 0; expected nesterov only with a momentum > 0"],
            Problems(Edit("{type: adam}", "{type: sgd, nesterov: true}")));
        var transfer = File.ReadAllText(TransferExample);
        Assert.Equal(
            ["t.yaml:19:3: `model.weights_url` is set but model.weights is 'none'; expected weights_url only with weights: imagenet"],
            Problems(transfer
                .Replace("weights: imagenet", "weights: none", StringComparison.Ordinal)
                .Replace("training:", "  weights_url: https://example.invalid/w.pth\ntraining:", StringComparison.Ordinal), "t.yaml"));
    }

    [Fact]
    public void A_feature_map_shrunk_below_one_pixel_is_reported_at_the_layer()
    {
        // 32 -> conv 3 valid 30 -> pool 2 15 -> pool 8 1 -> conv 3 needs 3x3.
        Assert.Equal(
            ["spec.yaml:11:7: `model.layers[3]` shrinks the feature map below 1x1: its input is 1x1, smaller than kernel_size 3; expected an input of at least 3x3 (use padding: same, fewer poolings or a larger data.image_size)"],
            Problems(Edit("- flatten: {}", "- max_pooling2d: {}\n    - max_pooling2d: {pool_size: 8}\n    - conv2d: {filters: 8, kernel_size: 3}\n    - flatten: {}")));
        // 32 -> 30 -> pool 16 strides 16 gives 1 -> pool 2 needs 2x2.
        Assert.Equal(
            ["spec.yaml:10:7: `model.layers[2]` shrinks the feature map below 1x1: its input is 1x1, smaller than pool_size 2; expected an input of at least 2x2 (use fewer poolings, padding: same or a larger data.image_size)"],
            Problems(Edit("- flatten: {}", "- max_pooling2d: {pool_size: 16}\n    - max_pooling2d: {}\n    - flatten: {}")));
        // Same padding never shrinks the map to nothing, and a larger image_size makes room.
        ExperimentSpecs.Loader.Parse(Edit("- flatten: {}", "- max_pooling2d: {pool_size: 16}\n    - conv2d: {filters: 8, kernel_size: 3, padding: same}\n    - flatten: {}"), "spec.yaml");
        ExperimentSpecs.Loader.Parse(Edit("dataset: cifar10", "dataset: cifar10\n  image_size: 64").Replace("- flatten: {}", "- max_pooling2d: {pool_size: 16}\n    - max_pooling2d: {}\n    - flatten: {}", StringComparison.Ordinal), "spec.yaml");
    }

    [Fact]
    public void Layer_order_mistakes_are_reported()
    {
        Assert.Equal(
            ["spec.yaml:8:7: `model.layers[0]` is a dense before any flatten; expected a flatten between the convolutions and the first dense"],
            Problems(Edit("- conv2d: {filters: 8, kernel_size: 3}\n    - flatten: {}", "- dense: {units: 8}\n    - flatten: {}")));
        Assert.Equal(
            ["spec.yaml:10:7: `model.layers[2]` is a conv2d after the flatten at model.layers[1]; expected conv2d, max_pooling2d, residual and patch_whitening layers before flatten"],
            Problems(Edit("- flatten: {}", "- flatten: {}\n    - conv2d: {filters: 8, kernel_size: 3}")));
        Assert.Equal(
            ["spec.yaml:10:7: `model.layers[2]` is a second flatten (the first is model.layers[1]); expected one flatten"],
            Problems(Edit("- flatten: {}", "- flatten: {}\n    - flatten:")));
    }

    [Fact]
    public void The_last_layer_must_be_a_dense_with_one_unit_per_class()
    {
        // Layers that keep the shape (dropout, batch_normalization, rescaling) may follow the output dense; nothing else.
        var spec = ExperimentSpecs.Loader.Parse(Edit("- dense: {units: 10}", "- dense: {units: 10}\n    - dropout: {rate: 0.5}\n    - rescaling: {scale: 0.125}"), "spec.yaml");
        Assert.IsType<RescalingLayer>(Assert.IsType<CnnModelSpec>(spec.Model).Layers[^1]);
        Assert.Equal(
            ["spec.yaml:11:22: `model.layers[3].dense.units` is '64' in the last layer; expected 10 (one per CIFAR-10 class)"],
            Problems(Edit("- dense: {units: 10}", "- dense: {units: 10}\n    - dense: {units: 64}\n    - rescaling: {scale: 0.125}")));
        Assert.Equal(
            ["spec.yaml:9:7: `model.layers[1]` is a flatten, the last layer; expected a dense with 10 units (one per CIFAR-10 class)"],
            Problems(Edit("- flatten: {}\n    - dense: {units: 10}", "- flatten: {}\n    - dropout: {rate: 0.5}")));
        Assert.Equal(
            ["spec.yaml:10:22: `model.layers[2].dense.units` is '64' in the last layer; expected 10 (one per CIFAR-10 class)"],
            Problems(Edit("{units: 10}", "{units: 64}")));
    }

    [Fact]
    public void A_transfer_head_takes_only_dense_dropout_and_batch_normalization()
    {
        var transfer = File.ReadAllText(TransferExample);
        Assert.Equal(
            ["t.yaml:18:7: `model.head[0]` is 'conv2d'; expected one of dense, dropout, batch_normalization, activation, rescaling (a transfer head works on the base's pooled feature vector)"],
            Problems(transfer.Replace("- dense: {units: 10}", "- conv2d: {filters: 8, kernel_size: 3}\n    - dense: {units: 10}", StringComparison.Ordinal), "t.yaml"));
        Assert.Equal(
            ["t.yaml:18:22: `model.head[0].dense.units` is '5' in the last layer; expected 10 (one per CIFAR-10 class)"],
            Problems(transfer.Replace("{units: 10}", "{units: 5}", StringComparison.Ordinal), "t.yaml"));
    }

    [Fact]
    public void Fine_tune_needs_a_transfer_model()
    {
        Assert.Equal(
            ["spec.yaml:14:3: `training.fine_tune` is set but model.type is 'cnn'; expected fine_tune only with a transfer model"],
            Problems(Valid + "\n  fine_tune: {trainable_layers: 1, epochs: 1}"));
    }

    [Fact]
    public void Malformed_layer_entries_show_the_expected_shape()
    {
        Assert.Equal(
            ["spec.yaml:9:7: `model.layers[1]` is 'flatten'; expected a mapping with one layer kind, such as `flatten: {...}`"],
            Problems(Edit("- flatten: {}", "- flatten")));
        // Parameters not indented under the kind: one mapping with three keys.
        Assert.Equal(
            ["spec.yaml:8:7: `model.layers[0]` has 3 keys (conv2d, filters, kernel_size); expected one layer kind per entry, with its parameters indented under it, such as `conv2d: {filters: 32, kernel_size: 3}`"],
            Problems(Edit("- conv2d: {filters: 8, kernel_size: 3}", "- conv2d:\n      filters: 8\n      kernel_size: 3")));
        Assert.Equal(
            ["spec.yaml:9:7: `model.layers[1]` is an empty mapping; expected one layer kind, such as `conv2d: {filters: 32, kernel_size: 3}`"],
            Problems(Edit("- flatten: {}", "- {}")));
        Assert.Equal(
            ["spec.yaml:7:11: `model.layers` is an empty list; expected at least one layer"],
            Problems(Edit("layers:\n    - conv2d: {filters: 8, kernel_size: 3}\n    - flatten: {}\n    - dense: {units: 10}", "layers: []")));
    }

    [Fact]
    public void Data_split_must_leave_an_image_on_each_side()
    {
        Assert.Equal(
            ["spec.yaml:5:18: `data.train_samples` is '5', which with validation_split 0.1 holds out 0.5 images and leaves the validation split empty; expected at least 1 image in each split"],
            Problems(Edit("dataset: cifar10", "dataset: cifar10\n  train_samples: 5")));
        Assert.Equal(
            ["spec.yaml:5:18: `data.train_samples` is '2', which with validation_split 0.9 holds out 1.8 images and leaves the training split empty; expected at least 1 image in each split"],
            Problems(Edit("dataset: cifar10", "dataset: cifar10\n  train_samples: 2\n  validation_split: 0.9")));
        Assert.Equal(
            ["spec.yaml:5:21: `data.validation_split` is '0.00001', which holds out 0.5 of 50000 images and leaves the validation split empty; expected at least 1 image in each split"],
            Problems(Edit("dataset: cifar10", "dataset: cifar10\n  validation_split: 0.00001")));
        ExperimentSpecs.Loader.Parse(Edit("dataset: cifar10", "dataset: cifar10\n  train_samples: 10"), "spec.yaml");
    }

    [Fact]
    public void Names_urls_and_formats_are_checked()
    {
        Assert.Equal(
            ["spec.yaml:1:7: `name` is 'my run'; expected letters, digits, '-', '_' and '.' only (it names the report folder)"],
            Problems(Edit("name: t", "name: my run")));
        Assert.Equal(
            ["spec.yaml:1:7: `name` is '..'; expected a name that is not only dots (it names the report folder)"],
            Problems(Edit("name: t", "name: ..")));
        Assert.Equal(
            ["spec.yaml:5:8: `data.url` is 'ftp://example.invalid/c.tgz'; expected an http(s) URL or a file path"],
            Problems(Edit("dataset: cifar10", "dataset: cifar10\n  url: ftp://example.invalid/c.tgz")));
        Assert.Equal(
            ["spec.yaml:15:29: `report.formats[2]` is 'html' again; expected each format once",
             "spec.yaml:15:35: `report.formats[3]` is 'pdf'; expected one of markdown, html."],
            Problems(Valid + "\nreport:\n  formats: [markdown, html, html, pdf]"));
        Assert.Equal(
            ["spec.yaml:15:12: `report.formats` is 'html'; expected a list such as [markdown, html]"],
            Problems(Valid + "\nreport:\n  formats: html"));
    }

    [Fact]
    public void Templates_folder_must_exist()
    {
        var folder = Directory.CreateTempSubdirectory("cifar-spec-");
        try
        {
            var path = Path.Combine(folder.FullName, "spec.yaml");
            var expectedFolder = Path.Combine(folder.FullName, "nowhere");
            var error = Assert.Throws<CifarUserException>(() => ExperimentSpecs.Loader.Parse(Valid + "\nreport:\n  templates: nowhere", path));
            Assert.Equal([$"{path}:15:14: `report.templates` is 'nowhere'; expected an existing folder (looked for {expectedFolder})"], error.Lines);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Empty_files_and_non_mapping_documents_are_clear_errors()
    {
        const string empty = "the file is empty; expected a spec with name, seed, data, model and training";
        Assert.Equal(["spec.yaml:1:1: " + empty], Problems(""));
        Assert.Equal(["spec.yaml:1:1: " + empty], Problems("# just a comment\n"));
        Assert.Equal(["spec.yaml:1:1: the file has no keys; expected a mapping with name, seed, data, model and training"], Problems("---\n"));
        Assert.Equal(["spec.yaml:1:1: the top level is a list; expected a mapping with name, seed, data, model and training"], Problems("- name: t\n"));
        Assert.Equal(["spec.yaml:1:1: the top level is 'cnn'; expected a mapping with name, seed, data, model and training"], Problems("cnn\n"));
        Assert.Equal(["spec.yaml:14:1: a second YAML document starts here; expected one spec per file"], Problems(Valid + "\n---\nname: u\n"));
    }

    [Fact]
    public void Deep_nesting_is_an_error_not_a_stack_overflow()
    {
        var deep = "name: " + new string('[', 200) + new string(']', 200) + "\n";
        Assert.Equal(["spec.yaml:1:71: the spec nests deeper than 64 levels; expected a spec"], Problems(deep));
    }

    [Fact]
    public void Damaged_specs_only_ever_give_user_errors()
    {
        // Every prefix of the example and a thousand seeded random edits: each either loads or is a user error,
        // never another exception (which would print a stack trace).
        var text = File.ReadAllText(CnnExample);
        var inputs = Enumerable.Range(0, text.Length).Select(n => text[..n]).ToList();
        var random = new Random(42);
        const string Noise = ":-{}[],#&*!|>'\"%@` \n\t0aZ";
        for (var i = 0; i < 1000; i++)
        {
            var at = random.Next(text.Length);
            inputs.Add(random.Next(3) switch
            {
                0 => text.Remove(at, 1),
                1 => text.Insert(at, Noise[random.Next(Noise.Length)].ToString()),
                _ => text.Remove(at, 1).Insert(at, Noise[random.Next(Noise.Length)].ToString()),
            });
        }

        foreach (var input in inputs)
        {
            try
            {
                ExperimentSpecs.Loader.Parse(input, "damaged.yaml");
            }
            catch (CifarUserException e)
            {
                Assert.All(e.Lines, line => Assert.Matches(@"^damaged\.yaml:\d+:\d+: \S", line));
            }
        }
    }

    [Fact]
    public void Undefined_alias_is_reported()
    {
        Assert.Equal(
            ["spec.yaml:12:11: `training.epochs` refers to anchor 'n', which is not defined before it; expected an anchor defined earlier",
             "spec.yaml:12:11: `training.epochs` is empty; expected an integer"],
            Problems(Edit("epochs: 2", "epochs: *n")));
    }

    [Fact]
    public void Every_problem_of_a_file_is_reported_at_once_in_file_order()
    {
        var yaml =
            """
            name: my run
            seed: -3
            data:
              dataset: cifar10
              batch_size: 0
            model:
              type: cnn
              layers:
                - conv2d: {filters: 8, kernel_size: 3, activation: rleu}
                - dense: {units: 10}
            training:
              epochs: ten
              optimizer: {type: adma}
              early_stopping: {patience: 3, patience: 4}
            """;

        Assert.Equal(
            [
                "spec.yaml:1:7: `name` is 'my run'; expected letters, digits, '-', '_' and '.' only (it names the report folder)",
                "spec.yaml:2:7: `seed` is '-3'; expected an integer >= 0",
                "spec.yaml:5:15: `data.batch_size` is '0'; expected an integer >= 1",
                "spec.yaml:9:56: `model.layers[0].conv2d.activation` is 'rleu'; expected one of linear, relu, tanh, sigmoid, softmax, relu6, elu, selu, gelu, silu, swish, leaky_relu, mish, softplus, softsign. Did you mean 'relu'?",
                "spec.yaml:10:7: `model.layers[1]` is a dense before any flatten; expected a flatten between the convolutions and the first dense",
                "spec.yaml:12:11: `training.epochs` is 'ten'; expected an integer",
                "spec.yaml:13:21: `training.optimizer.type` is 'adma'; expected one of adam, sgd, adamw. Did you mean 'adam'?",
                "spec.yaml:14:33: `training.early_stopping.patience` is set twice (first at line 14, column 20); expected each key once",
            ],
            Problems(yaml));
    }

    [Fact]
    public void Unreadable_file_is_one_line()
    {
        var missing = Path.Combine(Path.GetTempPath(), "cifar-no-such-spec-" + Guid.NewGuid().ToString("N") + ".yaml");
        var error = Assert.Throws<CifarUserException>(() => ExperimentSpecs.Loader.Load(missing));
        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        var line = Assert.Single(error.Lines);
        Assert.StartsWith(missing + ": cannot read: ", line, StringComparison.Ordinal);

        var folder = Path.GetTempPath();
        Assert.Equal([folder + ": cannot read: it is a folder; expected a YAML file"],
            Assert.Throws<CifarUserException>(() => ExperimentSpecs.Loader.Load(folder)).Lines);
    }

    [Fact]
    public void LoadAll_reports_the_problems_of_every_file_and_duplicate_names()
    {
        var folder = Directory.CreateTempSubdirectory("cifar-spec-");
        try
        {
            var first = Path.Combine(folder.FullName, "first.yaml");
            var second = Path.Combine(folder.FullName, "second.yaml");
            var third = Path.Combine(folder.FullName, "third.yaml");
            File.WriteAllText(first, Edit("epochs: 2", "epochs: 0"));
            File.WriteAllText(second, Edit("{type: adam}", "{type: adma}"));
            File.WriteAllText(third, Valid);

            var error = Assert.Throws<CifarUserException>(() => ExperimentSpecs.Loader.LoadAll([first, second, third]));
            Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
            Assert.Equal(
                [
                    $"{first}:12:11: `training.epochs` is '0'; expected an integer >= 1",
                    $"{second}:13:21: `training.optimizer.type` is 'adma'; expected one of adam, sgd, adamw. Did you mean 'adam'?",
                ],
                error.Lines);

            var upper = Path.Combine(folder.FullName, "upper.yaml");
            File.WriteAllText(upper, Edit("name: t", "name: T"));
            Assert.Equal(
                [$"{upper}:1:7: `name` is 'T', already used by {third}; expected a name of its own (it names the report folder)"],
                Assert.Throws<CifarUserException>(() => ExperimentSpecs.Loader.LoadAll([third, upper])).Lines);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }
}
