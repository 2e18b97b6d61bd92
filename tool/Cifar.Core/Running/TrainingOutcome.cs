using Cifar.Evaluation;
using Cifar.Models;
using Cifar.Training;

namespace Cifar.Running;

/// <summary>What training and evaluating one experiment's model leaves for its report.</summary>
/// <param name="FeatureExtractionSeconds">Time spent getting a frozen base's features (extracted or read from the
/// feature cache); null when no features were extracted.</param>
internal sealed record TrainingOutcome(
    ModelSummary Summary, TrainingHistory History, ClassificationReport Evaluation,
    int TrainImages, int ValidationImages, int TestImages, double? FeatureExtractionSeconds);
