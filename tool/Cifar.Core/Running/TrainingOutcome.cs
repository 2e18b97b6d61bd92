using Cifar.Evaluation;
using Cifar.Explain;
using Cifar.Models;
using Cifar.Models.Transfer;
using Cifar.Training;

namespace Cifar.Running;

/// <summary>What training and evaluating one experiment's model leaves for its report.</summary>
/// <param name="FeatureExtractionSeconds">Time spent getting a frozen base's features (extracted or read from the
/// feature cache); null when no features were extracted.</param>
/// <param name="Base">The pretrained base a transfer model started from (its weights' identity goes in the manifest); null for a CNN.</param>
internal sealed record TrainingOutcome(
    ModelSummary Summary, TrainingHistory History, ClassificationReport Evaluation,
    int TrainImages, int ValidationImages, int TestImages, double? FeatureExtractionSeconds, BaseDescription? Base = null)
{
    /// <summary>Grad-CAM maps of <see cref="ExplainedRows"/> (rows of the test split); null when nothing was explained.</summary>
    public Explanation? Explanation { get; init; }

    public IReadOnlyList<int>? ExplainedRows { get; init; }
}
