using static TorchSharp.torch;

namespace Cifar.Evaluation;

/// <summary>Runs a trained model once over the test split and reports what sklearn's classification_report would.</summary>
public static class Evaluator
{
    /// <summary>
    /// One batched pass in eval mode without gradients (the model's previous mode is restored): mean softmax
    /// cross-entropy of the logits, argmax predictions, then <see cref="ClassificationMetrics.Report"/>.
    /// </summary>
    /// <param name="model">Returns class logits (a softmax output layer is left out of forward; argmax is the same).</param>
    /// <param name="inputs">float32 with the example axis first, e.g. [N, 3, 32, 32]; or e.g. uint8 pixels that
    /// <paramref name="inputTransform"/> normalizes.</param>
    /// <param name="labels">Class indices [N], any integer type.</param>
    /// <param name="classes">Class names in index order; their count is the number of classes.</param>
    /// <param name="inputTransform">Applied to every batch before the model, as in training (e.g. a resize).</param>
    /// <param name="testTimeAugmentation">Averages each batch's logits over views of its images (taken before
    /// <paramref name="inputTransform"/>); null: the images as they are.</param>
    public static ClassificationReport Evaluate(
        nn.Module<Tensor, Tensor> model,
        Tensor inputs,
        Tensor labels,
        IReadOnlyList<string> classes,
        int batchSize,
        Func<Tensor, Tensor>? inputTransform = null,
        TestTimeAugmentation? testTimeAugmentation = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(classes);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (classes.Count is < 1 or > 256) throw new ArgumentException("Between 1 and 256 classes (labels are bytes).", nameof(classes));
        var n = inputs.shape[0];
        if (labels.dim() != 1 || labels.shape[0] != n)
            throw new ArgumentException($"Expected {n} labels; their shape is [{string.Join(", ", labels.shape)}].", nameof(labels));

        var labelBytes = new byte[n];
        var predictionBytes = new byte[n];
        // Per image: every class's softmax probability (row-major [n, classes]) and its own cross-entropy.
        var probabilities = new float[n * classes.Count];
        var losses = new float[n];
        double lossSum = 0;
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            for (long start = 0; start < n; start += batchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var size = (int)Math.Min(batchSize, n - start);
                var x = inputs.narrow(0, start, size);
                var y = labels.narrow(0, start, size).to_type(ScalarType.Int64);
                Tensor Forward(Tensor view) => model.call(inputTransform is null ? view : inputTransform(view));
                var logits = testTimeAugmentation is null ? Forward(x) : testTimeAugmentation.Logits(Forward, x);
                if (logits.dim() != 2 || logits.shape[1] != classes.Count)
                    throw new InvalidOperationException($"The model outputs [{string.Join(", ", logits.shape)}] per batch; expected [batch, {classes.Count}] logits.");
                lossSum += nn.functional.cross_entropy(logits, y, reduction: nn.Reduction.Sum).item<float>();
                // From log_softmax, so a confidently wrong image's loss is exact rather than -log of a rounded 0.
                var logProbabilities = nn.functional.log_softmax(logits.to_type(ScalarType.Float32), 1);
                logProbabilities.exp().contiguous().data<float>().CopyTo(probabilities, (int)(start * classes.Count));
                logProbabilities.gather(1, y.unsqueeze(1)).neg().squeeze(1).contiguous().data<float>().CopyTo(losses, (int)start);
                logits.argmax(1).to_type(ScalarType.Byte).data<byte>().CopyTo(predictionBytes, (int)start);
                y.to_type(ScalarType.Byte).data<byte>().CopyTo(labelBytes, (int)start);
            }
        }
        finally
        {
            model.train(wasTraining);
        }
        return ClassificationMetrics.Report(classes, labelBytes, predictionBytes, n == 0 ? 0 : lossSum / n) with
        {
            Probabilities = probabilities,
            Losses = losses,
        };
    }
}
