using System.Globalization;
using System.Text.Json;

namespace Cifar.Reports.Comparison;

/// <summary>
/// Reads report folders (one experiment each) and reports roots (a folder of report folders) into
/// <see cref="ReportSnapshot"/>s. Malformed files are user errors that name the file and the bad key.
/// </summary>
public static class ReportSnapshotReader
{
    public const string MetricsFileName = "metrics.json";
    public const string TimingFileName = "timing.json";
    public const string PredictionsFileName = "predictions.txt";
    public const string SpecFileName = "spec.yaml";

    /// <summary>The first line of predictions.txt starts with this.</summary>
    public const string PredictionsHeader = "# dotnet-cifar test predictions v1";

    /// <summary>True when <paramref name="folder"/> is a report folder (it holds metrics.json).</summary>
    public static bool IsReportFolder(string folder) => File.Exists(Path.Combine(folder, MetricsFileName));

    /// <summary>The report folders directly under a reports root, sorted by name (ordinal) for a stable order.</summary>
    public static IReadOnlyList<string> FindReportFolders(string reportsRoot)
    {
        if (!Directory.Exists(reportsRoot))
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, $"reports folder '{reportsRoot}' does not exist");
        }
        return [.. Directory.GetDirectories(reportsRoot)
            .Where(IsReportFolder)
            .OrderBy(Path.GetFileName, StringComparer.Ordinal)];
    }

    /// <summary>Reads one report folder from disk.</summary>
    public static ReportSnapshot ReadFolder(string folder)
    {
        if (!IsReportFolder(folder))
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"'{folder}' is not a report folder: it has no {MetricsFileName}");
        }
        var full = Path.GetFullPath(folder);
        var name = Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));
        return Read(name, folder, file =>
        {
            var path = Path.Combine(folder, file);
            return File.Exists(path) ? File.ReadAllText(path) : null;
        });
    }

    /// <summary>
    /// Reads one report from any file source (a folder, a git revision): <paramref name="readFile"/> returns a file's
    /// text by name (<c>metrics.json</c>, ...), or null when the file is absent.
    /// </summary>
    public static ReportSnapshot Read(string name, string location, Func<string, string?> readFile)
    {
        ArgumentNullException.ThrowIfNull(readFile);
        var metricsText = readFile(MetricsFileName) ?? throw new CifarUserException(UserErrorKind.InvalidInput,
            $"'{location}' is not a report folder: it has no {MetricsFileName}");
        var metrics = ParseMetrics(metricsText, Join(location, MetricsFileName));
        var timingText = readFile(TimingFileName);
        var timing = timingText is null ? null : ParseTiming(timingText, Join(location, TimingFileName));
        var predictionsText = readFile(PredictionsFileName);
        var predictions = predictionsText is null
            ? null
            : ParsePredictions(predictionsText, Join(location, PredictionsFileName));
        return new ReportSnapshot(name, location, metrics, metricsText, timing, predictions, readFile(SpecFileName));
    }

    private static string Join(string location, string file) =>
        location.EndsWith('/') || location.EndsWith(':') ? location + file : location + "/" + file;

    /// <summary>Parses metrics.json; <paramref name="source"/> names the file in error messages.</summary>
    public static MetricsFile ParseMetrics(string json, string source)
    {
        using var document = Parse(json, source);
        var reader = new JsonReader(source);
        var root = document.RootElement;
        reader.ExpectObject(root, "");
        // Checked in the order metrics.json lists its keys, so the first message is about the first bad key.
        var name = reader.String(reader.Required(root, "name"), "name");
        var seed = JsonReader.Optional(root, "seed") is { } s ? reader.Integer(s, "seed") : (long?)null;
        var test = reader.Required(root, "test");
        var testAccuracy = reader.Number(reader.Required(test, "accuracy", "test"), "test.accuracy");
        var testLoss = reader.Number(reader.Required(test, "loss", "test"), "test.loss");
        var classes = reader.Array(reader.Required(root, "classes"), "classes", e => reader.String(e, "classes[]"));
        var perClass = reader.Array(reader.Required(root, "per_class"), "per_class", e => new ClassScores(
            reader.String(reader.Required(e, "class", "per_class[]"), "per_class[].class"),
            reader.Number(reader.Required(e, "precision", "per_class[]"), "per_class[].precision"),
            reader.Number(reader.Required(e, "recall", "per_class[]"), "per_class[].recall"),
            reader.Number(reader.Required(e, "f1", "per_class[]"), "per_class[].f1"),
            reader.Integer(reader.Required(e, "support", "per_class[]"), "per_class[].support")));
        var matrix = reader.Array(reader.Required(root, "confusion_matrix"), "confusion_matrix",
            row => reader.Array(row, "confusion_matrix[]", cell => reader.Integer(cell, "confusion_matrix[][]")));
        if (matrix.Count != classes.Count || matrix.Any(row => row.Count != classes.Count))
        {
            throw reader.Error($"'confusion_matrix' must be {classes.Count}x{classes.Count}, one row and column per class");
        }
        var history = reader.Array(reader.Required(root, "history"), "history", e => new EpochMetrics(
            (int)reader.Integer(reader.Required(e, "epoch", "history[]"), "history[].epoch"),
            e.TryGetProperty("phase", out var phase) && phase.ValueKind == JsonValueKind.String ? phase.GetString()! : "train",
            reader.Number(reader.Required(e, "loss", "history[]"), "history[].loss"),
            reader.Number(reader.Required(e, "accuracy", "history[]"), "history[].accuracy"),
            reader.Number(reader.Required(e, "val_loss", "history[]"), "history[].val_loss"),
            reader.Number(reader.Required(e, "val_accuracy", "history[]"), "history[].val_accuracy")));
        var model = JsonReader.Optional(root, "model") is { } m
            ? new ModelSize(
                reader.OptionalString(m, "type"),
                JsonReader.Optional(m, "trainable_parameters") is { } t ? reader.Integer(t, "model.trainable_parameters") : null,
                JsonReader.Optional(m, "total_parameters") is { } tp ? reader.Integer(tp, "model.total_parameters") : null)
            : null;
        var overfitting = JsonReader.Optional(root, "overfitting") is { } o
            ? new OverfittingMetrics(
                JsonReader.Optional(o, "accuracy_gap") is { } g ? reader.Number(g, "overfitting.accuracy_gap") : null,
                JsonReader.Optional(o, "loss_ratio") is { } r ? reader.Number(r, "overfitting.loss_ratio") : null)
            : null;
        return new MetricsFile(
            name,
            seed,
            testAccuracy,
            testLoss,
            classes,
            perClass,
            Averages(reader, reader.Required(root, "macro_avg"), "macro_avg"),
            JsonReader.Optional(root, "weighted_avg") is { } w ? Averages(reader, w, "weighted_avg") : null,
            matrix,
            history,
            (int)reader.Integer(reader.Required(root, "best_epoch"), "best_epoch"),
            JsonReader.Optional(root, "stopped_epoch") is { } stopped ? (int)reader.Integer(stopped, "stopped_epoch") : null,
            model,
            overfitting,
            reader.OptionalString(root, "spec_sha256"),
            reader.OptionalString(root, "dataset_sha256"));
    }

    private static AverageScores Averages(JsonReader reader, JsonElement e, string key) => new(
        reader.Number(reader.Required(e, "precision", key), key + ".precision"),
        reader.Number(reader.Required(e, "recall", key), key + ".recall"),
        reader.Number(reader.Required(e, "f1", key), key + ".f1"));

    /// <summary>Parses timing.json; every figure is optional.</summary>
    public static TimingFile ParseTiming(string json, string source)
    {
        using var document = Parse(json, source);
        var reader = new JsonReader(source);
        var root = document.RootElement;
        reader.ExpectObject(root, "");
        double? Get(string key) => JsonReader.Optional(root, key) is { } e ? reader.Number(e, key) : null;
        return new TimingFile(Get("total_seconds"), Get("training_seconds"), Get("seconds_per_epoch"),
            Get("images_per_second"), Get("peak_memory_bytes"));
    }

    /// <summary>Parses predictions.txt: a header comment, the true labels, the predictions (one digit per image).</summary>
    public static PredictionsFile ParsePredictions(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        if (lines.Length != 3 || !lines[0].StartsWith(PredictionsHeader, StringComparison.Ordinal))
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"{source}: expected 3 lines (a '{PredictionsHeader}' comment, true labels, predicted labels), found {lines.Length}");
        }
        var (labels, predicted) = (lines[1].Trim(), lines[2].Trim());
        if (labels.Length != predicted.Length)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"{source}: {labels.Length} true labels but {predicted.Length} predictions");
        }
        if (labels.Concat(predicted).FirstOrDefault(c => !char.IsAsciiDigit(c)) is var bad && bad != default)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                $"{source}: labels must be digits 0-9, found '{bad}'");
        }
        return new PredictionsFile(labels, predicted);
    }

    private static JsonDocument Parse(string json, string source)
    {
        try
        {
            return JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, $"{source}: not valid JSON ({e.Message})", e);
        }
    }

    /// <summary>Typed access to JSON values with messages that name the file and the dotted key.</summary>
    private sealed class JsonReader(string source)
    {
        public CifarUserException Error(string message) => new(UserErrorKind.InvalidInput, $"{source}: {message}");

        public void ExpectObject(JsonElement e, string key)
        {
            if (e.ValueKind != JsonValueKind.Object)
            {
                throw Error(key.Length == 0 ? "expected a JSON object" : $"'{key}' must be an object");
            }
        }

        public JsonElement Required(JsonElement parent, string key, string parentKey = "")
        {
            var dotted = parentKey.Length == 0 ? key : parentKey + "." + key;
            ExpectObject(parent, parentKey);
            return parent.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null
                ? value
                : throw Error($"missing '{dotted}'");
        }

        public static JsonElement? Optional(JsonElement parent, string key) =>
            parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(key, out var value)
            && value.ValueKind != JsonValueKind.Null
                ? value
                : null;

        public string? OptionalString(JsonElement parent, string key) =>
            Optional(parent, key) is { } e ? String(e, key) : null;

        public string String(JsonElement e, string key) =>
            e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Error($"'{key}' must be a string, found {Show(e)}");

        public double Number(JsonElement e, string key) =>
            e.ValueKind == JsonValueKind.Number ? e.GetDouble() : throw Error($"'{key}' must be a number, found {Show(e)}");

        public long Integer(JsonElement e, string key) =>
            e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var value)
                ? value
                : throw Error($"'{key}' must be a whole number, found {Show(e)}");

        public IReadOnlyList<T> Array<T>(JsonElement e, string key, Func<JsonElement, T> item) =>
            e.ValueKind == JsonValueKind.Array
                ? [.. e.EnumerateArray().Select(item)]
                : throw Error($"'{key}' must be an array, found {Show(e)}");

        private static string Show(JsonElement e)
        {
            var raw = e.GetRawText();
            return raw.Length > 40 ? string.Create(CultureInfo.InvariantCulture, $"{e.ValueKind}") : raw;
        }
    }
}
