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

/// <summary>The callbacks every fit of a run gets.</summary>
internal static class RunCallbacks
{
    /// <param name="plannedEpochs">Epochs the run may take in all, for the progress lines ("epoch 3/23").</param>
    public static List<Callback> For(Cifar.Specs.ExperimentSpec spec, IRunObserver observer, int plannedEpochs)
    {
        var callbacks = new List<Callback>();
        if (spec.Training.EarlyStopping is { } earlyStopping) callbacks.Add(new EarlyStopping(earlyStopping));
        // After EarlyStopping, so the progress line can say why training stopped and which epoch was restored.
        callbacks.Add(new ProgressCallback(observer, spec.Name, plannedEpochs));
        return callbacks;
    }
}
