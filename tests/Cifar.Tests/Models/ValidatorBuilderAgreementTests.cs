using System.Globalization;
using System.Text;
using Cifar.Models;
using Cifar.Running;
using Cifar.Specs;
using Cifar.Tests.Infra;
using static TorchSharp.torch;

namespace Cifar.Tests.Models;

/// <summary>
/// The spec validator and the model builder share one shape inference, so over many generated layer lists a spec
/// validates exactly when its model builds, and the summary's shapes and parameter counts are the built model's.
/// </summary>
public class ValidatorBuilderAgreementTests
{
    [TorchFact]
    public void Generated_layer_lists_validate_exactly_when_they_build_and_the_summary_is_the_built_model()
    {
        var random = new Random(8);
        int accepted = 0, rejected = 0;
        for (var n = 0; n < 120; n++)
        {
            var imageSize = 32 + 8 * random.Next(3);
            // Half the lists in the usual order (image layers, flatten, then flat ones), where only sizes can go wrong.
            var layers = (random.Next(2) == 0
                    ? Enumerable.Range(0, random.Next(1, 7)).Select(_ => RandomLayer(random))
                    : Enumerable.Range(0, random.Next(4)).Select(_ => RandomLayer(random, image: true))
                        .Append(random.Next(3) switch { 0 => new FlattenLayer(), 1 => new GlobalMaxPooling2DLayer(), _ => new GlobalAveragePooling2DLayer() })
                        .Concat(Enumerable.Range(0, random.Next(3)).Select(_ => RandomLayer(random, image: false))))
                .Append(new DenseLayer(10, Activation.Softmax))
                .ToArray();
            var yaml = Yaml(layers, imageSize);

            var validates = Validates(yaml, out var validationError);
            KerasSequential? model = null;
            string? buildError = null;
            try
            {
                model = CnnBuilder.Build(new CnnModelSpec(layers), imageSize, seed: n);
            }
            catch (CifarUserException e)
            {
                buildError = e.Message;
            }

            using (model)
            {
                Assert.True(validates == (model is not null),
                    $"{yaml}\nvalidation: {validationError ?? "ok"}\nbuild: {buildError ?? "ok"}");
                if (model is null)
                {
                    rejected++;
                    continue;
                }

                accepted++;
                AssertSummaryIsTheModel(layers, imageSize, model);
            }
        }

        // The generator reaches both sides, so the agreement is not vacuous.
        Assert.InRange(accepted, 20, 100);
        Assert.InRange(rejected, 20, 100);
    }

    /// <summary>
    /// Every entry of the layer-kind table, read with simple parameters, plans and builds a module whose output has
    /// the planned shape: a kind added to the table without its module (or with a wrong shape rule) fails here.
    /// </summary>
    [TorchFact]
    public void Every_layer_kind_builds_a_module_with_the_shape_its_rule_gives()
    {
        foreach (var kind in LayerKinds.All)
        {
            var layer = kind.Read(new SimpleParameters(), 0, 0);
            Assert.IsType(kind.SpecType, layer);
            Assert.Same(kind, LayerKinds.Of(layer));
            int[] inputShape = kind.Input == FeatureLayout.Flat ? [6] : [3, 7, 7];
            using var model = CnnBuilder.Build([layer], inputShape);
            model.eval();
            using var input = rand([2, .. inputShape.Select(d => (long)d)]);
            using var output = model.call(input);

            var planned = Assert.Single(model.Plan);
            Assert.Equal(kind.KerasClass, model.Summary.Layers[0].Type);
            Assert.Equal(planned.OutputShape.Select(d => (long)d), output.shape.Skip(1));
            Assert.Equal(planned.Parameters,
                model.parameters().Sum(p => p.numel()) + model.buffers().Where(b => b.dtype == ScalarType.Float32).Sum(b => b.numel()));
        }
    }

    /// <summary>Smallest interesting values: 2 for integers, the middle of a range, the first name of a choice.</summary>
    private sealed class SimpleParameters : ILayerParameters
    {
        public int? Int(string key, bool required = false, int min = 1) => Math.Max(min, 2);

        public double? Number(string key, Interval interval, bool required = false) => interval.Upper is { } upper ? upper / 2 : interval.Lower + 0.5;

        public T? Choose<T>(string key, Choice<T>[] choices, bool required = false) where T : struct => choices[0].Value;

        /// <summary>Off where the default is on, so the kinds' less usual modules (no bias, gamma only) are built too.</summary>
        public bool? Bool(string key) => false;

        /// <summary>A strided convolution, so a residual block needs its projection shortcut.</summary>
        public IReadOnlyList<LayerSpec>? Layers(string key) => [new Conv2DLayer(4, 3, 2, Padding.Same, Activation.Relu)];
    }

    /// <summary>Each summary row's output shape is what the model built up to that layer outputs on a dummy batch,
    /// and the summary's total is the model's parameters plus batch norm's moving statistics.</summary>
    private static void AssertSummaryIsTheModel(LayerSpec[] layers, int imageSize, KerasSequential model)
    {
        using var input = zeros(2, 3, imageSize, imageSize);
        for (var count = 1; count <= layers.Length; count++)
        {
            using var prefix = CnnBuilder.Build(layers[..count], [3, imageSize, imageSize], name: "prefix");
            prefix.eval();
            using var output = prefix.call(input);
            var row = model.Summary.Layers.Single(r => r.Name == model.Plan[count - 1].Name);
            Assert.Equal(row.OutputShape.Select(d => (long)d), output.shape.Skip(1));
        }
        Assert.Equal(model.Summary.TotalParameters,
            model.parameters().Sum(p => p.numel()) + model.buffers().Where(b => b.dtype == ScalarType.Float32).Sum(b => b.numel()));
    }

    /// <summary>Any layer, or (<paramref name="image"/> set) one that works on images or (false) on flat features.</summary>
    private static LayerSpec RandomLayer(Random random, bool? image = null) => (image switch
    {
        true => new[] { 0, 1, 2, 5, 6, 7 }[random.Next(6)],
        false => new[] { 4, 5, 6 }[random.Next(3)],
        null => random.Next(9),
    }) switch
    {
        6 => new ActivationLayer(random.Next(2) == 0 ? Activation.Gelu : Activation.Silu),
        7 => new ResidualLayer([.. Enumerable.Range(0, random.Next(1, 3)).Select(_ => RandomLayer(random, image: true))]),
        8 => random.Next(2) == 0 ? new GlobalMaxPooling2DLayer() : new GlobalAveragePooling2DLayer(),
        0 or 1 => new Conv2DLayer(random.Next(1, 4), random.Next(1, 8), random.Next(1, 4),
            random.Next(2) == 0 ? Padding.Valid : Padding.Same, Activation.Relu),
        2 => new MaxPooling2DLayer(random.Next(1, 9), random.Next(2) == 0 ? null : random.Next(1, 4)),
        3 => new FlattenLayer(),
        4 => new DenseLayer(random.Next(1, 9), Activation.Relu),
        _ => random.Next(2) == 0 ? new DropoutLayer(0.25) : new BatchNormalizationLayer(),
    };

    private static string Yaml(LayerSpec[] layers, int imageSize)
    {
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"name: g\nseed: 0\ndata: {{dataset: cifar10, image_size: {imageSize}}}\nmodel:\n  type: cnn\n  layers:\n"));
        foreach (var layer in layers) text.Append("    - ").Append(Entry(layer)).Append('\n');
        return text.Append("training:\n  epochs: 1\n  optimizer: {type: adam}\n").ToString();
    }

    /// <summary>One layer in YAML flow style: <c>conv2d: {filters: 2, ...}</c>.</summary>
    private static string Entry(LayerSpec layer) => LayerKinds.Of(layer).Name + ": " + layer switch
    {
        Conv2DLayer c => string.Create(CultureInfo.InvariantCulture,
            $"{{filters: {c.Filters}, kernel_size: {c.KernelSize}, strides: {c.Strides}, padding: {(c.Padding == Padding.Same ? "same" : "valid")}, activation: relu}}"),
        MaxPooling2DLayer p => p.Strides is { } s
            ? string.Create(CultureInfo.InvariantCulture, $"{{pool_size: {p.PoolSize}, strides: {s}}}")
            : string.Create(CultureInfo.InvariantCulture, $"{{pool_size: {p.PoolSize}}}"),
        DenseLayer d => string.Create(CultureInfo.InvariantCulture,
            $"{{units: {d.Units}, activation: {(d.Activation == Activation.Softmax ? "softmax" : "relu")}}}"),
        DropoutLayer d => string.Create(CultureInfo.InvariantCulture, $"{{rate: {d.Rate}}}"),
        ActivationLayer a => $"{{type: {a.Type.ToString().ToLowerInvariant()}}}",
        ResidualLayer r => "{layers: [" + string.Join(", ", r.Layers.Select(l => "{" + Entry(l) + "}")) + "]}",
        _ => "{}",
    };

    private static bool Validates(string yaml, out string? error)
    {
        try
        {
            ExperimentSpecs.Loader.Parse(yaml, "generated.yaml");
            error = null;
            return true;
        }
        catch (CifarUserException e)
        {
            error = e.Message;
            return false;
        }
    }
}
