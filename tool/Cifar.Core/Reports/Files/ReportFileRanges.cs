using System.Globalization;

namespace Cifar.Reports.Files;

/// <summary>
/// The ranges the values of a report folder's JSON can take when the tool wrote them: fractions in [0, 1], losses
/// and times finite and non-negative, counts non-negative. <c>compare</c> and <c>diff</c> read folders anyone can
/// edit, so a value outside its range (an accuracy of 1e308, a count of -5) is a user error naming the file and the
/// key, instead of a crash or a report claiming -500%.
/// </summary>
internal static class ReportFileRanges
{
    /// <exception cref="CifarUserException">InvalidInput naming <paramref name="source"/> and the first bad key.</exception>
    public static void Check(MetricsFile metrics, string source)
    {
        var check = new Checker(source);
        check.Count("seed", metrics.Seed);
        check.Count("model.trainable_parameters", metrics.Model.TrainableParameters);
        check.Count("model.total_parameters", metrics.Model.TotalParameters);
        check.Fraction("test.accuracy", metrics.Test.Accuracy);
        check.Loss("test.loss", metrics.Test.Loss);
        check.Count("test_samples", metrics.TestSamples);
        for (var i = 0; i < metrics.PerClass.Count; i++)
        {
            var row = metrics.PerClass[i];
            var at = $"per_class[{i.ToString(CultureInfo.InvariantCulture)}]";
            check.Fraction(at + ".precision", row.Precision);
            check.Fraction(at + ".recall", row.Recall);
            check.Fraction(at + ".f1", row.F1);
            check.Count(at + ".support", row.Support);
        }
        foreach (var (key, average) in new[] { ("macro_avg", metrics.MacroAvg), ("weighted_avg", metrics.WeightedAvg) })
        {
            check.Fraction(key + ".precision", average.Precision);
            check.Fraction(key + ".recall", average.Recall);
            check.Fraction(key + ".f1", average.F1);
        }
        for (var row = 0; row < metrics.ConfusionMatrix.Count; row++)
        {
            for (var column = 0; column < metrics.ConfusionMatrix[row].Count; column++)
                check.Count($"confusion_matrix[{row.ToString(CultureInfo.InvariantCulture)}][{column.ToString(CultureInfo.InvariantCulture)}]", metrics.ConfusionMatrix[row][column]);
        }

        for (var i = 0; i < metrics.History.Count; i++)
        {
            var epoch = metrics.History[i];
            var at = $"history[{i.ToString(CultureInfo.InvariantCulture)}]";
            check.Count(at + ".epoch", epoch.Epoch);
            check.Loss(at + ".loss", epoch.Loss);
            check.Fraction(at + ".accuracy", epoch.Accuracy);
            check.Loss(at + ".val_loss", epoch.ValLoss);
            check.Fraction(at + ".val_accuracy", epoch.ValAccuracy);
            if (epoch.LearningRate is { } rate) check.Loss(at + ".learning_rate", rate);
        }
        check.Count("best_epoch", metrics.BestEpoch);
        if (metrics.StoppedEpoch is { } stopped) check.Count("stopped_epoch", stopped);
        var overfitting = metrics.Overfitting;
        check.Fraction("overfitting.train_accuracy", overfitting.TrainAccuracy);
        check.Fraction("overfitting.val_accuracy", overfitting.ValAccuracy);
        check.Within("overfitting.accuracy_gap", overfitting.AccuracyGap, -1, 1);
        if (overfitting.ValTrainLossRatio is { } ratio) check.Loss("overfitting.val_train_loss_ratio", ratio);
        check.Count("overfitting.rising_val_loss_epochs", overfitting.RisingValLossEpochs);
        if (overfitting.DivergenceEpoch is { } divergence) check.Count("overfitting.divergence_epoch", divergence);
    }

    /// <exception cref="CifarUserException">InvalidInput naming <paramref name="source"/> and the first bad key.</exception>
    public static void Check(TimingFile timing, string source)
    {
        var check = new Checker(source);
        check.Loss("total_seconds", timing.TotalSeconds);
        check.Loss("training_seconds", timing.TrainingSeconds);
        check.Loss("mean_seconds_per_epoch", timing.MeanSecondsPerEpoch);
        check.Loss("training_images_per_second", timing.TrainingImagesPerSecond);
        check.Count("peak_working_set_bytes", timing.PeakWorkingSetBytes);
        if (timing.FeatureExtractionSeconds is { } extraction) check.Loss("feature_extraction_seconds", extraction);
        for (var i = 0; i < timing.Epochs.Count; i++)
        {
            var at = $"epochs[{i.ToString(CultureInfo.InvariantCulture)}]";
            check.Count(at + ".epoch", timing.Epochs[i].Epoch);
            check.Loss(at + ".seconds", timing.Epochs[i].Seconds);
            check.Loss(at + ".images_per_second", timing.Epochs[i].ImagesPerSecond);
        }
    }

    private sealed class Checker(string source)
    {
        public void Fraction(string key, double value) => Within(key, value, 0, 1);

        // NaN is what the writer's null reads back as (a diverged run's loss): not out of range, unknown.

        /// <summary>Losses, ratios, seconds and rates: finite and &gt;= 0.</summary>
        public void Loss(string key, double value)
        {
            if (!double.IsNaN(value) && (!double.IsFinite(value) || value < 0)) Fail(key, Show(value), "a finite number >= 0");
        }

        public void Within(string key, double value, double lowest, double highest)
        {
            if (!double.IsNaN(value) && !(value >= lowest && value <= highest))
                Fail(key, Show(value), $"a number from {lowest.ToString(CultureInfo.InvariantCulture)} to {highest.ToString(CultureInfo.InvariantCulture)}");
        }

        public void Count(string key, long value)
        {
            if (value < 0) Fail(key, value.ToString(CultureInfo.InvariantCulture), "a count >= 0");
        }

        private void Fail(string key, string value, string expected) =>
            throw new CifarUserException(UserErrorKind.InvalidInput, $"{source}: '{key}' is {value}; expected {expected}");

        private static string Show(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    }
}
