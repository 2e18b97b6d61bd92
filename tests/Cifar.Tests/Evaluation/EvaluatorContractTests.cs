using Cifar.Evaluation;
using Cifar.Tests.Infra;
using static TorchSharp.torch;

namespace Cifar.Tests.Evaluation;

/// <summary>
/// What the evaluator promises around the arithmetic: it rejects inputs that cannot be evaluated with a message
/// naming the problem, applies the input transform, leaves the model in the mode it found it, and stops on request.
/// </summary>
[Collection("libtorch")]
public sealed class EvaluatorContractTests
{
    /// <summary>Returns its input as the logits, so a test chooses every prediction.</summary>
    private sealed class Logits() : nn.Module<Tensor, Tensor>("logits")
    {
        public override Tensor forward(Tensor input) => input.alias();
    }

    private static readonly string[] TenClasses = Enumerable.Range(0, 10).Select(i => $"class {i}").ToArray();

    /// <summary>One-hot logits (value 4) for each prediction, and the labels as uint8.</summary>
    private static (Tensor Inputs, Tensor Labels) Batch(byte[] predictions, byte[] labels, int classes = 10)
    {
        var inputs = zeros(predictions.Length, classes);
        for (var i = 0; i < predictions.Length; i++) inputs[i, predictions[i]] = tensor(4f);
        return (inputs, tensor(labels));
    }

    [TorchFact]
    public void A_model_in_eval_mode_stays_in_eval_mode()
    {
        var (inputs, labels) = Batch([1, 2], [1, 2]);
        using var model = new Logits();
        model.eval();

        var report = Evaluator.Evaluate(model, inputs, labels, TenClasses, batchSize: 1);

        Assert.False(model.training, "evaluation must not switch a model to training mode");
        Assert.Equal(1.0, report.Accuracy);
    }

    [TorchFact]
    public void The_model_runs_in_eval_mode_and_gets_its_mode_back_even_when_evaluation_fails()
    {
        using var model = new ModeRecorder(classes: 3); // outputs 3 logits, not 10: evaluation fails on the first batch
        model.train();
        var (inputs, labels) = Batch([0], [0]);

        Assert.Throws<InvalidOperationException>(() => Evaluator.Evaluate(model, inputs, labels, TenClasses, batchSize: 1));

        Assert.Equal([false], model.ModesSeen);
        Assert.True(model.training);
    }

    [TorchFact]
    public void The_input_transform_is_applied_to_every_batch_before_the_model()
    {
        // Inputs predict class 0; the transform moves every logit one class to the right, so the model sees class 1.
        var (inputs, labels) = Batch([0, 0, 0, 0], [1, 1, 1, 1]);
        using var model = new Logits();
        var batches = 0;

        var report = Evaluator.Evaluate(model, inputs, labels, TenClasses, batchSize: 2, inputTransform: x =>
        {
            batches++;
            return x.roll(1, 1);
        });

        Assert.Equal(2, batches); // 4 images in batches of 2, and no empty third batch
        Assert.Equal([1, 1, 1, 1], report.Predictions);
        Assert.Equal(1.0, report.Accuracy);
    }

    [TorchFact]
    public void The_loss_is_the_mean_cross_entropy_per_image_not_per_batch()
    {
        // Three right (loss log(e^4 + 9) - 4) and one wrong (loss log(e^4 + 9)), in batches of 3 and 1.
        var (inputs, labels) = Batch([0, 1, 2, 3], [0, 1, 2, 4]);
        using var model = new Logits();

        var report = Evaluator.Evaluate(model, inputs, labels, TenClasses, batchSize: 3);

        var logSumExp = Math.Log(Math.Exp(4) + 9);
        Assert.Equal((3 * (logSumExp - 4) + logSumExp) / 4, report.Loss, 5);
        Assert.Equal(0.75, report.Accuracy);
    }

    [TorchFact]
    public void An_empty_test_set_has_zero_loss_and_no_predictions()
    {
        using var inputs = zeros(0, 10);
        using var labels = zeros(0, dtype: ScalarType.Byte);
        using var model = new Logits();

        var report = Evaluator.Evaluate(model, inputs, labels, TenClasses, batchSize: 4);

        Assert.Equal(0, report.Loss);
        Assert.Equal(0, report.Accuracy);
        Assert.Empty(report.Predictions);
    }

    [TorchFact]
    public void One_class_and_256_classes_are_the_limits_of_byte_labels()
    {
        using var model = new Logits();
        var (one, oneLabels) = Batch([0, 0], [0, 0], classes: 1);
        Assert.Equal(1.0, Evaluator.Evaluate(model, one, oneLabels, ["only"], batchSize: 2).Accuracy);

        var (many, manyLabels) = Batch([255, 7], [255, 8], classes: 256);
        var classes = Enumerable.Range(0, 256).Select(i => $"c{i}").ToArray();
        var report = Evaluator.Evaluate(model, many, manyLabels, classes, batchSize: 2);
        Assert.Equal([255, 7], report.Predictions);
        Assert.Equal(0.5, report.Accuracy);

        var (inputs, labels) = Batch([0], [0], classes: 257);
        var tooMany = Enumerable.Range(0, 257).Select(i => $"c{i}").ToArray();
        var error = Assert.Throws<ArgumentException>(() => Evaluator.Evaluate(model, inputs, labels, tooMany, batchSize: 1));
        Assert.Contains("Between 1 and 256 classes", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => Evaluator.Evaluate(model, inputs, labels, [], batchSize: 1));
        Assert.Contains("Between 1 and 256 classes", error.Message, StringComparison.Ordinal);
    }

    [TorchFact]
    public void Labels_that_do_not_match_the_images_are_rejected_with_their_shape()
    {
        using var model = new Logits();
        using var inputs = zeros(3, 10);
        using var twoLabels = zeros(2, dtype: ScalarType.Byte);
        using var matrixLabels = zeros(new long[] { 3, 1 }, dtype: ScalarType.Byte);

        var error = Assert.Throws<ArgumentException>(() => Evaluator.Evaluate(model, inputs, twoLabels, TenClasses, batchSize: 2));
        Assert.StartsWith("Expected 3 labels; their shape is [2].", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentException>(() => Evaluator.Evaluate(model, inputs, matrixLabels, TenClasses, batchSize: 2));
        Assert.StartsWith("Expected 3 labels; their shape is [3, 1].", error.Message, StringComparison.Ordinal);
    }

    [TorchFact]
    public void A_batch_size_below_one_is_rejected()
    {
        using var model = new Logits();
        var (inputs, labels) = Batch([0], [0]);

        Assert.Throws<ArgumentOutOfRangeException>(() => Evaluator.Evaluate(model, inputs, labels, TenClasses, batchSize: 0));
    }

    [TorchFact]
    public void Logits_of_the_wrong_shape_are_reported_with_the_expected_shape()
    {
        using var model = new ModeRecorder(classes: 3);
        var (inputs, labels) = Batch([0, 1], [0, 1]);

        var error = Assert.Throws<InvalidOperationException>(() => Evaluator.Evaluate(model, inputs, labels, TenClasses, batchSize: 2));

        Assert.Equal("The model outputs [2, 3] per batch; expected [batch, 10] logits.", error.Message);
    }

    [TorchFact]
    public void Logits_with_an_extra_axis_are_rejected()
    {
        using var model = new Unsqueezed();
        var (inputs, labels) = Batch([0, 1], [0, 1]);

        var error = Assert.Throws<InvalidOperationException>(() => Evaluator.Evaluate(model, inputs, labels, TenClasses, batchSize: 2));

        Assert.Equal("The model outputs [2, 10, 1] per batch; expected [batch, 10] logits.", error.Message);
    }

    [TorchFact]
    public void A_cancelled_evaluation_stops_before_the_next_batch()
    {
        using var model = new Logits();
        var (inputs, labels) = Batch([0, 1], [0, 1]);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() =>
            Evaluator.Evaluate(model, inputs, labels, TenClasses, batchSize: 1, cancellationToken: cancelled.Token));
    }

    /// <summary>Records the training flag it is called in; outputs <c>classes</c> zero logits per image.</summary>
    private sealed class ModeRecorder(int classes) : nn.Module<Tensor, Tensor>("mode-recorder")
    {
        public List<bool> ModesSeen { get; } = [];

        public override Tensor forward(Tensor input)
        {
            ModesSeen.Add(training);
            return zeros(input.shape[0], classes);
        }
    }

    private sealed class Unsqueezed() : nn.Module<Tensor, Tensor>("unsqueezed")
    {
        public override Tensor forward(Tensor input) => input.unsqueeze(-1);
    }
}
