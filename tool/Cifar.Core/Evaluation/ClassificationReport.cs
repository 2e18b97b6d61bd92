namespace Cifar.Evaluation;

/// <summary>One row of a classification report (scikit-learn's semantics: 0 where a ratio is 0/0).</summary>
public sealed record ClassMetrics(string ClassName, double Precision, double Recall, double F1, int Support);

/// <summary>Precision, recall and F1 averaged over classes.</summary>
public sealed record AveragedMetrics(double Precision, double Recall, double F1);

/// <summary>The test-set evaluation: what sklearn's classification_report and confusion_matrix would show.</summary>
/// <param name="ConfusionMatrix">[true class][predicted class] counts.</param>
/// <param name="Predictions">Predicted class per test image, in test-set order.</param>
/// <param name="Labels">True class per test image, in test-set order.</param>
public sealed record ClassificationReport(
    IReadOnlyList<string> Classes,
    double Accuracy,
    double Loss,
    IReadOnlyList<ClassMetrics> PerClass,
    AveragedMetrics MacroAverage,
    AveragedMetrics WeightedAverage,
    IReadOnlyList<IReadOnlyList<int>> ConfusionMatrix,
    IReadOnlyList<byte> Labels,
    IReadOnlyList<byte> Predictions)
{
    /// <summary>Per test image (test-set order), the softmax probability of every class: row-major [images, classes].
    /// Null when the report was not made by <see cref="Evaluator"/> (e.g. read back from a folder).</summary>
    public IReadOnlyList<float>? Probabilities { get; init; }

    /// <summary>Per test image, its cross-entropy, from log_softmax of the logits; null as <see cref="Probabilities"/>.</summary>
    public IReadOnlyList<float>? Losses { get; init; }
}
