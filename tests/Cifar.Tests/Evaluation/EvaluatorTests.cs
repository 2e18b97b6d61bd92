using Cifar.Evaluation;
using Cifar.Tests.Infra;
using static TorchSharp.torch;

namespace Cifar.Tests.Evaluation;

[Collection("libtorch")]
public class EvaluatorTests
{
    /// <summary>Returns its input as the logits, so a test chooses every prediction and loss.</summary>
    private sealed class Logits() : nn.Module<Tensor, Tensor>("logits")
    {
        public override Tensor forward(Tensor input) => input.alias();
    }

    [TorchFact]
    public void Evaluates_in_batches_keeping_test_order_with_mean_cross_entropy()
    {
        // 23 examples in batches of 5 (the last one short); logit 2 on the predicted class, 0 elsewhere.
        var labels = Enumerable.Range(0, 23).Select(i => (byte)(i % 10)).ToArray();
        var predictions = labels.Select((l, i) => i % 4 == 0 ? (byte)((l + 1) % 10) : l).ToArray();
        using var inputs = zeros(23, 10);
        for (var i = 0; i < 23; i++) inputs[i, predictions[i]] = tensor(2f);
        using var labelTensor = tensor(labels); // uint8, as the dataset stores them
        using var model = new Logits();
        model.train();
        var classes = Enumerable.Range(0, 10).Select(i => $"class {i}").ToArray();

        var report = Evaluator.Evaluate(model, inputs, labelTensor, classes, batchSize: 5);

        var wrong = predictions.Where((p, i) => p != labels[i]).Count();
        var logSumExp = Math.Log(Math.Exp(2) + 9);
        var expectedLoss = ((23 - wrong) * (logSumExp - 2) + wrong * logSumExp) / 23;
        Assert.Equal(labels, report.Labels);
        Assert.Equal(predictions, report.Predictions);
        Assert.Equal((23.0 - wrong) / 23, report.Accuracy, 12);
        Assert.Equal(expectedLoss, report.Loss, 5);
        var expected = ClassificationMetrics.Report(classes, labels, predictions, expectedLoss);
        Assert.Equal(expected.PerClass, report.PerClass);
        Assert.Equal(expected.MacroAverage, report.MacroAverage);
        Assert.Equal(expected.WeightedAverage, report.WeightedAverage);
        Assert.Equal(expected.ConfusionMatrix.Select(r => r.ToList()), report.ConfusionMatrix.Select(r => r.ToList()));
        Assert.True(model.training, "the model's mode is restored");
    }
}
