// Feature-extraction throughput of the bundled CNTK ResNet18 at 224x224: ONNX Runtime vs TorchSharp.
// One engine per process, so the peak working set is that engine's. See ../transfer-extract.sh.
using System.Diagnostics;
using System.Globalization;
using Cifar.Data;
using Cifar.Models.Transfer;
using TorchSharp;
using static TorchSharp.torch;

var options = args.Select(a => a.Split('=', 2)).ToDictionary(p => p[0].TrimStart('-'), p => p.Length > 1 ? p[1] : "");
var engine = options.GetValueOrDefault("engine", "onnx");
var count = int.Parse(options.GetValueOrDefault("images", "256"), CultureInfo.InvariantCulture);
var repeats = int.Parse(options.GetValueOrDefault("repeats", "3"), CultureInfo.InvariantCulture);
var batch = options.TryGetValue("batch", out var b) ? int.Parse(b, CultureInfo.InvariantCulture) : (int?)null;
var threads = options.TryGetValue("threads", out var t) ? int.Parse(t, CultureInfo.InvariantCulture) : Environment.ProcessorCount;
set_num_threads(threads);

// Random 32x32 images, as CIFAR-10's, normalised as DataPreparation does for this base (once, outside the timing);
// throughput does not depend on content.
using var raw = randint(0, 256, [count, 3, 32, 32], generator: new Generator(1)).to_type(ScalarType.Byte);
using var images = ChannelNormalization.CntkBgrMeanSubtraction.Apply(raw);
using var pretrained = engine == "torch" ? CntkResNet18.Load() : null;
using IFeatureExtractor extractor = engine switch
{
    "onnx" => new OnnxFeatureExtractor(threads: threads),
    "torch" => new TorchFeatureExtractor(pretrained!, 224, batch),
    _ => throw new ArgumentException($"engine '{engine}'; expected onnx or torch"),
};

// Warm-up: first runs allocate and pick kernels.
using (var warm = FeatureExtraction.Extract(extractor, images.narrow(0, 0, Math.Min(count, extractor.BatchSize)))) { }

var rates = new List<double>();
for (var r = 0; r < repeats; r++)
{
    var watch = Stopwatch.StartNew();
    using var features = FeatureExtraction.Extract(extractor, images);
    rates.Add(count / watch.Elapsed.TotalSeconds);
}
rates.Sort();
var peakMb = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"{engine,-5} {(engine == "onnx" ? " 1 per run" : $"batch {extractor.BatchSize,2}")} threads {threads}: median {rates[rates.Count / 2]:F1} images/s (runs: {string.Join(", ", rates.Select(x => x.ToString("F1", CultureInfo.InvariantCulture)))}), peak working set {peakMb:F0} MiB"));
