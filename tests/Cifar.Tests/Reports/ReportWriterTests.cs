using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Cifar.Reports;
using Cifar.Reports.Files;
using Cifar.Reproducibility;
using Cifar.Specs;
using Cifar.Training;

namespace Cifar.Tests.Reports;

public sealed class ReportWriterTests : IDisposable
{
    private static readonly string[] AllFiles =
        ["accuracy.svg", "history.csv", "learning_rate.svg", "loss.svg", "manifest.json", "metrics.json", "predictions.txt", "report.html", "report.md", "spec.yaml", "timing.json"];

    private readonly string _root = Directory.CreateTempSubdirectory("cifar-reports-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Write_creates_the_report_folder_with_every_file_and_no_leftovers()
    {
        var folder = Path.Combine(_root, "out", "golden-cnn");

        ReportWriter.Write(ReportFixtures.Result(), folder, ReportOptions.Default);

        Assert.Equal(AllFiles, Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["golden-cnn"], Directory.GetFileSystemEntries(Path.Combine(_root, "out")).Select(Path.GetFileName));
    }

    [Fact]
    public void Formats_choose_the_reports_but_data_files_are_always_written()
    {
        var folder = Path.Combine(_root, "md-only");

        ReportWriter.Write(ReportFixtures.Result(), folder, new ReportOptions([ReportFormat.Markdown]));

        Assert.True(File.Exists(Path.Combine(folder, "report.md")));
        Assert.False(File.Exists(Path.Combine(folder, "report.html")));
        Assert.All(ReportFiles.DataFiles, f => Assert.True(File.Exists(Path.Combine(folder, f)), f));
    }

    [Fact]
    public void An_existing_report_folder_is_replaced_after_success()
    {
        var folder = Path.Combine(_root, "golden-cnn");
        ReportWriter.Write(ReportFixtures.Result(), folder, ReportOptions.Default);
        File.WriteAllText(Path.Combine(folder, "stale.txt"), "from an earlier run");

        ReportWriter.Write(ReportFixtures.Result(), folder, ReportOptions.Default);

        Assert.False(File.Exists(Path.Combine(folder, "stale.txt")));
        Assert.Equal(AllFiles, Directory.GetFiles(folder).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.Equal(["golden-cnn"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName));
    }

    [Fact]
    public void A_failing_template_writes_no_folder_and_keeps_an_existing_one()
    {
        var templates = UserTemplates(("report.html.scriban", "<p>{{ nmae }}</p>\n"));
        var fresh = Path.Combine(_root, "fresh");
        var existing = Path.Combine(_root, "existing");
        ReportWriter.Write(ReportFixtures.Result(), existing, new ReportOptions([]));
        File.WriteAllText(Path.Combine(existing, "report.md"), "the previous report");

        Assert.Throws<CifarUserException>(() =>
            ReportWriter.Write(ReportFixtures.Result(), fresh, ReportOptions.Default with { TemplatesFolder = templates }));
        Assert.Throws<CifarUserException>(() =>
            ReportWriter.Write(ReportFixtures.Result(), existing, ReportOptions.Default with { TemplatesFolder = templates }));

        Assert.False(Directory.Exists(fresh));
        Assert.Equal("the previous report", File.ReadAllText(Path.Combine(existing, "report.md")));
        Assert.Equal(["existing", "templates"], Directory.GetFileSystemEntries(_root).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_failure_while_writing_removes_the_temporary_folder()
    {
        var folder = Path.Combine(_root, "golden-cnn");
        var options = ReportOptions.Default with { WriteExtraFiles = _ => throw new IOException("disk full (simulated)") };

        var error = Assert.Throws<CifarUserException>(() => ReportWriter.Write(ReportFixtures.Result(), folder, options));

        Assert.Equal(UserErrorKind.Other, error.Kind);
        Assert.Contains("disk full (simulated)", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(_root));
    }

    [Fact]
    public void Extra_files_land_in_the_report_folder()
    {
        var folder = Path.Combine(_root, "golden-cnn");
        var options = ReportOptions.Default with { WriteExtraFiles = dir => File.WriteAllText(Path.Combine(dir, "model.bin"), "weights") };

        ReportWriter.Write(ReportFixtures.Result(), folder, options);

        Assert.Equal("weights", File.ReadAllText(Path.Combine(folder, "model.bin")));
    }

    [Theory]
    [InlineData("{{ nmae }}", "nmae")]
    [InlineData("{{ model.totl_params }}", "totl_params")]
    [InlineData("{{ for row in history.rowz }}{{ end }}", "rowz")]
    public void A_misspelt_variable_fails_with_a_user_error_naming_the_template(string template, string misspelt)
    {
        var templates = UserTemplates(("report.md.scriban", "# Report\n" + template + "\n"));

        var error = Assert.Throws<CifarUserException>(() =>
            ReportWriter.Render(ReportFixtures.Result(), new ReportOptions([ReportFormat.Markdown], templates)));

        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        Assert.Contains(Path.Combine(templates, "report.md.scriban"), error.Message, StringComparison.Ordinal);
        Assert.Contains(misspelt, error.Message, StringComparison.Ordinal);
        Assert.Contains("(2,", error.Message, StringComparison.Ordinal); // line 2 of the template
        Assert.Single(error.Lines);
    }

    [Fact]
    public void A_template_syntax_error_fails_with_a_user_error_naming_the_template()
    {
        var templates = UserTemplates(("report.html.scriban", "<h1>{{ name </h1>\n"));

        var error = Assert.Throws<CifarUserException>(() =>
            ReportWriter.Render(ReportFixtures.Result(), new ReportOptions([ReportFormat.Html], templates)));

        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        Assert.All(error.Lines, line => Assert.StartsWith("Report template does not parse: " + Path.Combine(templates, "report.html.scriban") + "(1,", line, StringComparison.Ordinal));
    }

    [Fact]
    public void User_templates_override_the_built_in_ones_file_by_file()
    {
        var templates = UserTemplates(("report.md.scriban", "custom {{ name }}: {{ test.accuracy }}\n"));

        var files = Render(ReportFixtures.Result(), ReportOptions.Default with { TemplatesFolder = templates });

        Assert.Equal("custom golden-cnn: 75.50%\n", files["report.md"]);
        Assert.Equal(Render(ReportFixtures.Result(), ReportOptions.Default)["report.html"], files["report.html"]);
    }

    [Fact]
    public void A_missing_templates_folder_is_a_user_error()
    {
        var missing = Path.Combine(_root, "no-such-folder");

        var error = Assert.Throws<CifarUserException>(() =>
            ReportWriter.Render(ReportFixtures.Result(), ReportOptions.Default with { TemplatesFolder = missing }));

        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_escapes_every_text_from_the_spec()
    {
        const string Attack = "</code></pre><script>alert('x')</script>";
        var result = ReportFixtures.Result(specText: "# " + Attack + "\nname: golden-cnn\n", description: "Cats <img src=x onerror=alert(1)> & dogs") with
        {
            Name = "a<b>&\"c",
        };

        var html = Render(result, ReportOptions.Default)["report.html"];

        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("Cats &lt;img src=x onerror=alert(1)&gt; &amp; dogs", html, StringComparison.Ordinal);
        Assert.Contains("<h1>a&lt;b&gt;&amp;&quot;c</h1>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Html_is_self_contained()
    {
        var html = Render(ReportFixtures.Result(), ReportOptions.Default)["report.html"];

        Assert.DoesNotMatch(new Regex("<(script|link|img|iframe)\\b", RegexOptions.IgnoreCase), html);
        Assert.DoesNotContain("@import", html, StringComparison.Ordinal);
        Assert.DoesNotContain("url(", html, StringComparison.Ordinal);
        Assert.Equal(3, Regex.Count(html, "<svg "));
        Assert.Contains("<style>", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_links_the_charts_and_html_inlines_them()
    {
        var files = Render(ReportFixtures.Result(), ReportOptions.Default);

        Assert.Contains("![loss](loss.svg)", files["report.md"], StringComparison.Ordinal);
        Assert.Contains("![accuracy](accuracy.svg)", files["report.md"], StringComparison.Ordinal);
        Assert.Contains(files["loss.svg"], files["report.html"], StringComparison.Ordinal);
        Assert.Contains(files["accuracy.svg"], files["report.html"], StringComparison.Ordinal);
        Assert.Contains("![learning rate](learning_rate.svg)", files["report.md"], StringComparison.Ordinal);
        Assert.Contains("<figure>\n" + files["learning_rate.svg"] + "</figure>", files["report.html"], StringComparison.Ordinal);
    }

    [Fact]
    public void Markdown_spec_fence_outlasts_backticks_in_the_spec()
    {
        var result = ReportFixtures.Result(specText: "# see ```this``` and ````that````\nname: golden-cnn\n");

        var markdown = Render(result, ReportOptions.Default)["report.md"];

        Assert.Contains("`````yaml\n# see ```this``` and ````that````\nname: golden-cnn\n`````\n", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_json_has_exactly_the_contract_keys()
    {
        using var metrics = JsonDocument.Parse(Render(ReportFixtures.Result(), ReportOptions.Default)["metrics.json"]);
        var root = metrics.RootElement;

        Assert.Equal(
            ["name", "seed", "spec_sha256", "dataset_sha256", "model", "test", "test_samples", "classes", "per_class",
             "macro_avg", "weighted_avg", "confusion_matrix", "history", "best_epoch", "stopped_epoch", "overfitting"],
            Keys(root));
        Assert.Equal(["accuracy", "loss"], Keys(root.GetProperty("test")));
        Assert.Equal(["type", "description", "trainable_parameters", "total_parameters"], Keys(root.GetProperty("model")));
        Assert.Equal(ReportFixtures.Classes, root.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.All(root.GetProperty("per_class").EnumerateArray(),
            row => Assert.Equal(["class", "precision", "recall", "f1", "support"], Keys(row)));
        Assert.Equal(["precision", "recall", "f1"], Keys(root.GetProperty("macro_avg")));
        Assert.Equal(["precision", "recall", "f1"], Keys(root.GetProperty("weighted_avg")));
        var matrix = root.GetProperty("confusion_matrix").EnumerateArray().ToList();
        Assert.Equal(10, matrix.Count);
        Assert.All(matrix, row => Assert.Equal(10, row.GetArrayLength()));
        Assert.Equal(200, matrix.Sum(row => row.EnumerateArray().Sum(c => c.GetInt32())));
        Assert.All(root.GetProperty("history").EnumerateArray(),
            e => Assert.Equal(["epoch", "phase", "loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"], Keys(e)));
        // Keras' learning_rate: the rate of each epoch's last step, with significant digits, not 6 decimals.
        Assert.Equal(ReportFixtures.StepRates(2)[^1], root.GetProperty("history")[1].GetProperty("learning_rate").GetDouble(), 9);
        Assert.Equal("0.0001", root.GetProperty("history")[11].GetProperty("learning_rate").GetRawText());
        Assert.Equal(9, root.GetProperty("best_epoch").GetInt32());
        Assert.Equal(12, root.GetProperty("stopped_epoch").GetInt32());
        Assert.Equal(JsonValueKind.Number, root.GetProperty("test").GetProperty("accuracy").ValueKind);
        Assert.Equal(0.755, root.GetProperty("test").GetProperty("accuracy").GetDouble());
        Assert.Equal(1.234568, root.GetProperty("test").GetProperty("loss").GetDouble());
    }

    [Fact]
    public void Metrics_json_has_null_stopped_epoch_when_training_ran_to_the_end()
    {
        var result = ReportFixtures.Result() with { History = ReportFixtures.History with { StoppedEpoch = null } };

        using var metrics = JsonDocument.Parse(Render(result, ReportOptions.Default)["metrics.json"]);

        Assert.Equal(JsonValueKind.Null, metrics.RootElement.GetProperty("stopped_epoch").ValueKind);
    }

    [Fact]
    public void Timings_appear_only_in_the_timing_section_and_timing_json()
    {
        var fast = ReportFixtures.Result();
        var slow = fast with
        {
            Timing = new RunTiming(9999.5, 8888.25, 777.125, 12.5, 98_765_432_100, 55.5),
            History = fast.History with
            {
                Epochs = fast.History.Epochs.Select(e => e with { Seconds = e.Seconds * 7.3, ImagesPerSecond = e.ImagesPerSecond / 7.3 }).ToList(),
            },
        };

        var a = Render(fast, ReportOptions.Default);
        var b = Render(slow, ReportOptions.Default);

        foreach (var file in a.Keys.Where(f => f is not ("timing.json" or "report.md" or "report.html" or "manifest.json")))
        {
            Assert.Equal(a[file], b[file]);
        }
        // The manifest records those three files' hashes, and nothing else that timings change.
        static string WithoutTimedHashes(string manifest) => string.Join('\n', manifest.Split('\n')
            .Where(line => !(line.Contains("\"timing.json\": \"", StringComparison.Ordinal) || line.Contains("\"report.md\": \"", StringComparison.Ordinal)
                || line.Contains("\"report.html\": \"", StringComparison.Ordinal))));
        Assert.NotEqual(a["manifest.json"], b["manifest.json"]);
        Assert.Equal(WithoutTimedHashes(a["manifest.json"]), WithoutTimedHashes(b["manifest.json"]));
        Assert.NotEqual(a["timing.json"], b["timing.json"]);
        foreach (var report in new[] { "report.md", "report.html" })
        {
            Assert.Equal(WithoutTiming(a[report]), WithoutTiming(b[report]));
            Assert.NotEqual(a[report], b[report]);
            Assert.Contains("55.5 s", b[report], StringComparison.Ordinal); // feature extraction shows when present
        }
        Assert.DoesNotContain("second", a["metrics.json"], StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Predictions_file_has_the_header_labels_and_predictions()
    {
        var result = ReportFixtures.Result();

        var lines = Render(result, ReportOptions.Default)["predictions.txt"].Split('\n');

        Assert.Equal(4, lines.Length); // three lines, each ending in "\n"
        Assert.Equal("# dotnet-cifar test predictions v1: line 2 true labels, line 3 predicted labels, one digit (class index) per test image in test-set order", lines[0]);
        Assert.Equal(string.Concat(result.Evaluation.Labels.Select(l => (char)('0' + l))), lines[1]);
        Assert.Equal(string.Concat(result.Evaluation.Predictions.Select(p => (char)('0' + p))), lines[2]);
        Assert.Equal(200, lines[2].Length);
        Assert.Equal("", lines[3]);
    }

    [Fact]
    public void Spec_yaml_is_a_byte_copy_whose_hash_is_the_spec_hash()
    {
        var spec = "# ünïcödé and CRLF\r\nname: golden-cnn\r\n";
        var result = ReportFixtures.Result(specText: spec);
        var folder = Path.Combine(_root, "golden-cnn");

        ReportWriter.Write(result, folder, ReportOptions.Default);

        var bytes = File.ReadAllBytes(Path.Combine(folder, "spec.yaml"));
        Assert.Equal(Encoding.UTF8.GetBytes(spec), bytes);
        Assert.Equal(result.SpecSha256, Hashing.Sha256Hex(bytes));
    }

    [Fact]
    public void A_diverged_loss_is_written_as_null_and_left_out_of_the_charts()
    {
        var history = ReportFixtures.History with
        {
            Epochs = ReportFixtures.History.Epochs.Select(e => e.Epoch == 3 ? e with { Loss = double.NaN, ValLoss = double.PositiveInfinity } : e).ToList(),
        };
        var files = Render(ReportFixtures.Result() with { History = history }, ReportOptions.Default);

        using var metrics = JsonDocument.Parse(files["metrics.json"]);
        var epoch3 = metrics.RootElement.GetProperty("history")[2];
        Assert.Equal(JsonValueKind.Null, epoch3.GetProperty("loss").ValueKind);
        Assert.Equal(JsonValueKind.Null, epoch3.GetProperty("val_loss").ValueKind);
        Assert.Contains("\n3,train,,0.461234,,0.451234,", files["history.csv"], StringComparison.Ordinal);
        Assert.DoesNotContain("NaN", files["loss.svg"], StringComparison.Ordinal);
        Assert.DoesNotContain("Infinity", files["loss.svg"], StringComparison.Ordinal);
        Assert.Contains("n/a", files["report.md"], StringComparison.Ordinal);
    }

    [Fact]
    public void Charts_mark_best_stopped_and_fine_tune_and_are_deterministic()
    {
        var svg = Render(ReportFixtures.Result(), ReportOptions.Default)["loss.svg"];

        Assert.StartsWith("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"360\"", svg, StringComparison.Ordinal);
        Assert.Contains(">best: epoch 9</text>", svg, StringComparison.Ordinal);
        Assert.Contains(">stopped: epoch 12</text>", svg, StringComparison.Ordinal);
        Assert.Contains(">fine-tune starts</text>", svg, StringComparison.Ordinal);
        Assert.Contains(">training</text>", svg, StringComparison.Ordinal);
        Assert.Contains(">validation</text>", svg, StringComparison.Ordinal);
        Assert.DoesNotContain(" id=", svg, StringComparison.Ordinal);
        Assert.Equal(svg, Render(ReportFixtures.Result(), ReportOptions.Default)["loss.svg"]);

        var noStop = Render(ReportFixtures.Result() with { History = ReportFixtures.History with { StoppedEpoch = null } }, ReportOptions.Default)["loss.svg"];
        Assert.DoesNotContain("stopped:", noStop, StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_epoch_history_still_renders()
    {
        var history = new TrainingHistory([new EpochLog(1, "train", 2.3, 0.1, 2.3, 0.1, 1, 100)], 1, null);

        var files = Render(ReportFixtures.Result() with { History = history }, ReportOptions.Default);

        Assert.Contains(">best: epoch 1</text>", files["accuracy.svg"], StringComparison.Ordinal);
        Assert.DoesNotContain("NaN", files["accuracy.svg"], StringComparison.Ordinal);
    }

    private static string WithoutTiming(string report)
    {
        var begin = report.IndexOf("<!-- timing:begin -->", StringComparison.Ordinal);
        var end = report.IndexOf("<!-- timing:end -->", StringComparison.Ordinal);
        Assert.True(begin >= 0 && end > begin, "timing markers missing");
        Assert.Equal(begin, report.LastIndexOf("<!-- timing:begin -->", StringComparison.Ordinal));
        return report[..begin] + report[end..];
    }

    private static List<string> Keys(JsonElement element) => element.EnumerateObject().Select(p => p.Name).ToList();

    private static Dictionary<string, string> Render(ExperimentResult result, ReportOptions options) =>
        ReportWriter.Render(result, options).ToDictionary(f => f.Name, f => Encoding.UTF8.GetString(f.Bytes));

    private string UserTemplates(params (string Name, string Text)[] files)
    {
        var folder = Path.Combine(_root, "templates");
        Directory.CreateDirectory(folder);
        foreach (var (name, text) in files) File.WriteAllText(Path.Combine(folder, name), text);
        return folder;
    }
}
