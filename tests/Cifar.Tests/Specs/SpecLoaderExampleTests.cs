using Cifar.Running;
using Cifar.Specs;
using static Cifar.Tests.Specs.SpecTestFiles;
using Monitor = Cifar.Specs.Monitor;

namespace Cifar.Tests.Specs;

public class SpecLoaderExampleTests
{
    [Fact]
    public void Cnn_example_loads_with_its_values_and_the_defaults()
    {
        var spec = ExperimentSpecs.Loader.Load(CnnExample);

        Assert.Equal("cnn", spec.Name);
        Assert.Equal("CNN from scratch on CIFAR-10", spec.Description);
        Assert.Equal(42, spec.Seed);
        Assert.Equal(new DataSpec(DatasetName.Cifar10, Normalization.Rescale, 0.1, 64, null, null, null, null), spec.Data);
        Assert.Equal(32, spec.Data.EffectiveImageSize);

        var model = Assert.IsType<CnnModelSpec>(spec.Model);
        Assert.Equal(
            [
                new Conv2DLayer(32, 3, 1, Padding.Valid, Activation.Relu, 14, 7),
                new MaxPooling2DLayer(2, null, 15, 7),
                new Conv2DLayer(64, 3, 1, Padding.Valid, Activation.Relu, 16, 7),
                new MaxPooling2DLayer(2, null, 17, 7),
                new Conv2DLayer(64, 3, 1, Padding.Valid, Activation.Relu, 18, 7),
                new FlattenLayer(19, 7),
                new DenseLayer(64, Activation.Relu, 20, 7),
                new DenseLayer(10, Activation.Linear, 21, 7),
            ],
            model.Layers);
        Assert.Equal(2, ((MaxPooling2DLayer)model.Layers[1]).EffectiveStrides);

        Assert.Equal(20, spec.Training.Epochs);
        Assert.Equal(new OptimizerSpec(OptimizerType.Adam, 0.001, 0.9, 0.999, 1e-7), spec.Training.Optimizer);
        Assert.Equal(new EarlyStoppingSpec(Monitor.ValLoss, MonitorMode.Auto, 3, 0, true), spec.Training.EarlyStopping);
        Assert.Null(spec.Training.FineTune);
        Assert.Equal([ReportFormat.Markdown, ReportFormat.Html], spec.Report.Formats);
        Assert.Null(spec.Report.Templates);

        Assert.Equal(CnnExample, spec.SourcePath);
        Assert.Equal(File.ReadAllText(CnnExample), spec.SourceText);
    }

    [Fact]
    public void Transfer_example_loads_with_its_values_and_the_defaults()
    {
        var spec = ExperimentSpecs.Loader.Load(TransferExample);

        Assert.Equal("transfer", spec.Name);
        Assert.Equal(new DataSpec(DatasetName.Cifar10, Normalization.ImageNet, 0.1, 64, 224, null, null, null), spec.Data);
        Assert.Equal(224, spec.Data.EffectiveImageSize);

        var model = Assert.IsType<TransferModelSpec>(spec.Model);
        Assert.Equal("resnet18", model.Base);
        Assert.Equal(PretrainedWeights.ImageNet, model.Weights);
        Assert.Equal(0, model.TrainableLayers);
        Assert.Null(model.WeightsUrl);
        Assert.Equal([new DenseLayer(10, Activation.Linear, 18, 7)], model.Head);

        Assert.Equal(30, spec.Training.Epochs);
        Assert.Equal(new EarlyStoppingSpec(Monitor.ValLoss, MonitorMode.Auto, 3, 0, true), spec.Training.EarlyStopping);
        Assert.Null(spec.Training.FineTune);
    }

    [Fact]
    public void Examples_are_the_issue_specs_with_only_the_schema_line_added()
    {
        foreach (var path in new[] { CnnExample, TransferExample })
        {
            var lines = File.ReadAllLines(path);
            Assert.Equal("# yaml-language-server: $schema=./spec.schema.json", lines[0]);
            Assert.StartsWith($"# experiments/{Path.GetFileName(path)} - ", lines[1], StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Minimal_spec_gets_every_default()
    {
        var spec = ExperimentSpecs.Loader.Parse(
            """
            name: minimal
            seed: 0
            data: {dataset: cifar10}
            model:
              type: transfer
              base: resnet50
            training:
              epochs: 1
              optimizer: {type: sgd}
              early_stopping: {}
              fine_tune: {trainable_layers: 2, epochs: 3}
            """, "minimal.yaml");

        Assert.Null(spec.Description);
        Assert.Equal(new DataSpec(DatasetName.Cifar10, Normalization.Rescale, 0.1, 32, null, null, null, null), spec.Data);
        var model = Assert.IsType<TransferModelSpec>(spec.Model);
        Assert.Equal(PretrainedWeights.ImageNet, model.Weights);
        Assert.Equal(0, model.TrainableLayers);
        // The default head sits at the model mapping, so a message about it points somewhere sensible.
        Assert.Equal([new DenseLayer(10, Activation.Linear, 5, 3)], model.Head);
        Assert.Equal(new OptimizerSpec(OptimizerType.Sgd, 0.01, Momentum: 0, Nesterov: false), spec.Training.Optimizer);
        Assert.Equal(new EarlyStoppingSpec(), spec.Training.EarlyStopping);
        Assert.Equal(new FineTuneSpec(2, 3, 1e-5), spec.Training.FineTune);
        Assert.Equal([ReportFormat.Markdown, ReportFormat.Html], spec.Report.Formats);
    }

    [Fact]
    public void Every_setting_can_be_written()
    {
        var folder = Directory.CreateTempSubdirectory("cifar-spec-");
        try
        {
            Directory.CreateDirectory(Path.Combine(folder.FullName, "my-templates"));
            var path = Path.Combine(folder.FullName, "full.yaml");
            File.WriteAllText(path,
                """
                name: full.v2_b-1
                description: "every key"
                seed: 7
                data:
                  dataset: cifar10
                  normalization: standardize
                  validation_split: 0.2
                  batch_size: 128
                  image_size: 64
                  train_samples: 1000
                  test_samples: 500
                  url: https://example.invalid/cifar-10-binary.tar.gz
                model:
                  type: cnn
                  layers:
                    - conv2d: {filters: 16, kernel_size: 5, strides: 2, padding: same, activation: tanh}
                    - batch_normalization: {momentum: 0.9, epsilon: 0.0001}
                    - max_pooling2d: {pool_size: 3, strides: 1}
                    - flatten:
                    - dropout: {rate: 0.5}
                    - batch_normalization:
                    - dense: {units: 10, activation: softmax}
                training:
                  epochs: 5
                  optimizer: {type: adam, learning_rate: 3e-4, beta_1: 0.8, beta_2: 0.99, epsilon: 1.0e-8}
                  early_stopping: {monitor: val_accuracy, mode: max, patience: 2, min_delta: 0.01, restore_best_weights: false}
                report:
                  formats: [html]
                  templates: my-templates
                """);

            var spec = ExperimentSpecs.Loader.Load(path);

            Assert.Equal("full.v2_b-1", spec.Name);
            Assert.Equal(new DataSpec(DatasetName.Cifar10, Normalization.Standardize, 0.2, 128, 64, 1000, 500,
                "https://example.invalid/cifar-10-binary.tar.gz"), spec.Data);
            Assert.Equal(
                [
                    new Conv2DLayer(16, 5, 2, Padding.Same, Activation.Tanh, 16, 7),
                    new BatchNormalizationLayer(0.9, 0.0001, 17, 7),
                    new MaxPooling2DLayer(3, 1, 18, 7),
                    new FlattenLayer(19, 7),
                    new DropoutLayer(0.5, 20, 7),
                    new BatchNormalizationLayer(0.99, 0.001, 21, 7),
                    new DenseLayer(10, Activation.Softmax, 22, 7),
                ],
                ((CnnModelSpec)spec.Model).Layers);
            Assert.Equal(new OptimizerSpec(OptimizerType.Adam, 3e-4, 0.8, 0.99, 1e-8), spec.Training.Optimizer);
            Assert.Equal(new EarlyStoppingSpec(Monitor.ValAccuracy, MonitorMode.Max, 2, 0.01, false), spec.Training.EarlyStopping);
            Assert.Equal([ReportFormat.Html], spec.Report.Formats);
            Assert.Equal(Path.Combine(folder.FullName, "my-templates"), spec.Report.Templates);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public void Transfer_settings_and_file_paths_resolve_against_the_spec_folder()
    {
        var spec = ExperimentSpecs.Loader.Parse(
            """
            name: t
            seed: 1
            data: {dataset: cifar10, url: ../cache/cifar-10-binary.tar.gz}
            model:
              type: transfer
              base: vgg16
              weights: imagenet
              trainable_layers: 5
              weights_url: http://127.0.0.1:8080/vgg16.pth
              head:
                - dense: {units: 256, activation: relu}
                - dropout: {rate: 0.3}
                - batch_normalization: {}
                - dense: {units: 10}
            training:
              epochs: 3
              optimizer: {type: sgd, learning_rate: 0.05, momentum: 0.9, nesterov: true}
              fine_tune: {trainable_layers: 5, epochs: 2, learning_rate: 0.0001}
            """, Path.Combine("/specs", "sub", "t.yaml"));

        Assert.Equal(Path.GetFullPath("/specs/cache/cifar-10-binary.tar.gz"), spec.Data.Url);
        var model = Assert.IsType<TransferModelSpec>(spec.Model);
        Assert.Equal(new TransferModelSpec("vgg16", PretrainedWeights.ImageNet, 5, model.Head,
            "http://127.0.0.1:8080/vgg16.pth"), model);
        Assert.Equal(
            [
                new DenseLayer(256, Activation.Relu, 11, 7),
                new DropoutLayer(0.3, 12, 7),
                new BatchNormalizationLayer(0.99, 0.001, 13, 7),
                new DenseLayer(10, Activation.Linear, 14, 7),
            ],
            model.Head);
        Assert.Equal(new OptimizerSpec(OptimizerType.Sgd, 0.05, Momentum: 0.9, Nesterov: true), spec.Training.Optimizer);
        Assert.Equal(new FineTuneSpec(5, 2, 0.0001), spec.Training.FineTune);
    }

    [Fact]
    public void Keras_base_names_are_accepted_in_any_letter_case()
    {
        var cases = new Dictionary<string, string>
        {
            ["resnet18"] = "resnet18",
            ["ResNet18"] = "resnet18",
            ["RESNET18"] = "resnet18",
            ["resnet50"] = "resnet50",
            ["ResNet50"] = "resnet50",
            ["mobilenet_v2"] = "mobilenet_v2",
            ["MobileNetV2"] = "mobilenet_v2",
            ["mobilenetv2"] = "mobilenet_v2",
            ["vgg16"] = "vgg16",
            ["VGG16"] = "vgg16",
        };
        var text = File.ReadAllText(TransferExample);
        foreach (var (name, expected) in cases)
        {
            var spec = ExperimentSpecs.Loader.Parse(text.Replace("base: resnet18", "base: " + name, StringComparison.Ordinal), "t.yaml");
            Assert.Equal(expected, ((TransferModelSpec)spec.Model).Base);
        }
    }

    [Fact]
    public void Anchors_and_aliases_are_followed()
    {
        var spec = ExperimentSpecs.Loader.Parse(
            """
            name: anchors
            seed: 1
            data: {dataset: cifar10}
            model:
              type: cnn
              layers:
                - conv2d: &block {filters: 8, kernel_size: 3, padding: same}
                - conv2d: *block
                - flatten: {}
                - dense: {units: 10}
            training: {epochs: 1, optimizer: {type: adam}}
            """, "a.yaml");

        var layers = ((CnnModelSpec)spec.Model).Layers;
        Assert.Equal(new Conv2DLayer(8, 3, 1, Padding.Same, Activation.Linear, 7, 7), layers[0]);
        Assert.Equal(new Conv2DLayer(8, 3, 1, Padding.Same, Activation.Linear, 8, 7), layers[1]);
    }

    [Fact]
    public void LoadAll_returns_the_specs_in_order()
    {
        var specs = ExperimentSpecs.Loader.LoadAll([TransferExample, CnnExample]);

        Assert.Equal(["transfer", "cnn"], specs.Select(s => s.Name));
    }
}
