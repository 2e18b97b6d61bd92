using System.Text;
using System.Text.Json;
using Cifar.Evaluation;
using Cifar.Training;

namespace Cifar.Reports;

/// <summary>
/// The machine-readable files of a report folder: metrics.json (the contract CI and <c>dvc metrics diff</c> read),
/// history.csv, timing.json and predictions.txt. Byte-stable: fixed key order, fixed rounding, "\n" line endings.
/// </summary>
internal static class DataFiles
{
    /// <summary>First line of predictions.txt; the "v1" is the format version a later diff command checks.</summary>
    public const string PredictionsHeader =
        "# dotnet-cifar test predictions v1: line 2 true labels, line 3 predicted labels, one digit (class index) per test image in test-set order";

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = true, NewLine = "\n" };

    /// <summary>metrics.json: results only, no timings, so reruns on any machine give the same bytes.</summary>
    public static byte[] MetricsJson(ExperimentResult result)
    {
        var report = result.Evaluation;
        var history = result.History;
        var overfitting = result.Overfitting;
        return Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("name", result.Name);
            w.WriteNumber("seed", result.Seed);
            w.WriteString("spec_sha256", result.SpecSha256);
            w.WriteString("dataset_sha256", result.Dataset.Sha256);
            w.WriteStartObject("model");
            // `type` is the spec's model.type (cnn | transfer), what comparisons and diffs key on; ModelType starts with
            // it (SpecDescriptions.ModelType) and goes on with the base and its weights for a transfer model.
            w.WriteString("type", result.ModelType.Split(':')[0]);
            w.WriteString("description", result.ModelType);
            w.WriteNumber("trainable_parameters", result.ModelSummary.TrainableParameters);
            w.WriteNumber("total_parameters", result.ModelSummary.TotalParameters);
            w.WriteEndObject();
            w.WriteStartObject("test");
            Number(w, "accuracy", report.Accuracy);
            Number(w, "loss", report.Loss);
            w.WriteEndObject();
            w.WriteNumber("test_samples", report.Labels.Count);
            w.WritePropertyName("classes");
            w.WriteRawValue(JsonSerializer.Serialize(report.Classes, DataFilesJsonContext.Default.IReadOnlyListString));
            w.WriteStartArray("per_class");
            foreach (var row in report.PerClass)
            {
                w.WriteStartObject();
                w.WriteString("class", row.ClassName);
                Number(w, "precision", row.Precision);
                Number(w, "recall", row.Recall);
                Number(w, "f1", row.F1);
                w.WriteNumber("support", row.Support);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            Averages(w, "macro_avg", report.MacroAverage);
            Averages(w, "weighted_avg", report.WeightedAverage);
            // One row per line: a 10x10 matrix of single numbers per line would be 120 lines nobody can read.
            w.WriteStartArray("confusion_matrix");
            foreach (var row in report.ConfusionMatrix)
            {
                w.WriteRawValue("[" + string.Join(", ", row.Select(c => ReportNumbers.Integer(c))) + "]");
            }
            w.WriteEndArray();
            w.WriteStartArray("history");
            foreach (var epoch in history.Epochs)
            {
                w.WriteStartObject();
                w.WriteNumber("epoch", epoch.Epoch);
                w.WriteString("phase", epoch.Phase);
                Number(w, "loss", epoch.Loss);
                Number(w, "accuracy", epoch.Accuracy);
                Number(w, "val_loss", epoch.ValLoss);
                Number(w, "val_accuracy", epoch.ValAccuracy);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("best_epoch", history.BestEpoch);
            if (history.StoppedEpoch is { } stopped) w.WriteNumber("stopped_epoch", stopped);
            else w.WriteNull("stopped_epoch");
            w.WriteStartObject("overfitting");
            w.WriteString("verdict", VerdictKey(overfitting.Verdict));
            Number(w, "train_accuracy", overfitting.TrainAccuracy);
            Number(w, "val_accuracy", overfitting.ValAccuracy);
            Number(w, "accuracy_gap", overfitting.AccuracyGap);
            if (overfitting.LossRatio is { } ratio) Number(w, "val_train_loss_ratio", ratio);
            else w.WriteNull("val_train_loss_ratio");
            w.WriteNumber("rising_val_loss_epochs", overfitting.RisingValLossEpochs);
            if (overfitting.DivergenceEpoch is { } divergence) w.WriteNumber("divergence_epoch", divergence);
            else w.WriteNull("divergence_epoch");
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    /// <summary>timing.json: every machine-dependent figure, per epoch and in total.</summary>
    public static byte[] TimingJson(ExperimentResult result)
    {
        var timing = result.Timing;
        return Json(w =>
        {
            w.WriteStartObject();
            w.WriteString("name", result.Name);
            Number(w, "total_seconds", timing.TotalSeconds, 3);
            Number(w, "training_seconds", timing.TrainingSeconds, 3);
            Number(w, "mean_seconds_per_epoch", timing.MeanSecondsPerEpoch, 3);
            Number(w, "training_images_per_second", timing.TrainingImagesPerSecond, 1);
            w.WriteNumber("peak_working_set_bytes", timing.PeakWorkingSetBytes);
            if (timing.FeatureExtractionSeconds is { } fe) Number(w, "feature_extraction_seconds", fe, 3);
            else w.WriteNull("feature_extraction_seconds");
            w.WriteStartArray("epochs");
            foreach (var epoch in result.History.Epochs)
            {
                w.WriteStartObject();
                w.WriteNumber("epoch", epoch.Epoch);
                w.WriteString("phase", epoch.Phase);
                Number(w, "seconds", epoch.Seconds, 3);
                Number(w, "images_per_second", epoch.ImagesPerSecond, 1);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    /// <summary>history.csv: epoch,phase,loss,accuracy,val_loss,val_accuracy (no timings); empty cell for a non-finite value.</summary>
    public static string HistoryCsv(TrainingHistory history)
    {
        var csv = new StringBuilder("epoch,phase,loss,accuracy,val_loss,val_accuracy\n");
        foreach (var e in history.Epochs)
        {
            csv.Append(ReportNumbers.Integer(e.Epoch)).Append(',')
                .Append(e.Phase).Append(',')
                .Append(ReportNumbers.Machine(e.Loss)).Append(',')
                .Append(ReportNumbers.Machine(e.Accuracy)).Append(',')
                .Append(ReportNumbers.Machine(e.ValLoss)).Append(',')
                .Append(ReportNumbers.Machine(e.ValAccuracy)).Append('\n');
        }
        return csv.ToString();
    }

    /// <summary>predictions.txt: the header line, then true and predicted class indices as digit strings.</summary>
    public static string Predictions(ClassificationReport report)
    {
        if (report.Labels.Count != report.Predictions.Count)
        {
            throw new ArgumentException(
                $"The evaluation has {report.Labels.Count} labels but {report.Predictions.Count} predictions.", nameof(report));
        }
        return PredictionsHeader + "\n" + Digits(report.Labels) + "\n" + Digits(report.Predictions) + "\n";
    }

    private static string Digits(IReadOnlyList<byte> classes)
    {
        var digits = new char[classes.Count];
        for (var i = 0; i < digits.Length; i++)
        {
            // One character per image only works for up to 10 classes, which CIFAR-10 has.
            if (classes[i] > 9) throw new ArgumentException($"Class index {classes[i]} at position {i} does not fit one digit.", nameof(classes));
            digits[i] = (char)('0' + classes[i]);
        }
        return new string(digits);
    }

    internal static string VerdictKey(OverfittingVerdict verdict) => verdict switch
    {
        OverfittingVerdict.None => "none",
        OverfittingVerdict.Mild => "mild",
        OverfittingVerdict.Strong => "strong",
        OverfittingVerdict.Underfitting => "underfitting",
        _ => verdict.ToString().ToLowerInvariant(),
    };

    private static void Averages(Utf8JsonWriter w, string name, AveragedMetrics metrics)
    {
        w.WriteStartObject(name);
        Number(w, "precision", metrics.Precision);
        Number(w, "recall", metrics.Recall);
        Number(w, "f1", metrics.F1);
        w.WriteEndObject();
    }

    /// <summary>A number rounded to fixed decimals and written as such; JSON has no NaN, so a non-finite value is null.</summary>
    private static void Number(Utf8JsonWriter w, string name, double value, int decimals = ReportNumbers.MachineDecimals)
    {
        w.WritePropertyName(name);
        if (ReportNumbers.Fixed(value, decimals) is { } text) w.WriteRawValue(text);
        else w.WriteNullValue();
    }

    private static byte[] Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            write(writer);
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }
}
