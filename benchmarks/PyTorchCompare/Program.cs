// The tool's side of benchmarks/compare-pytorch.sh for the workloads `dotnet cifar run` does not time on its own:
// one workload per process, one JSON line on stdout, the same work as benchmarks/compare_pytorch.py.
//   extract   the tool's extraction path (TorchFeatureExtractor over the bundled CNTK ResNet18, batch 16, 32x32
//             images upsampled to 224x224 per batch): seconds for --images images after a warm-up batch.
//   finetune  one fine-tuning step of the base's top stage (layer4, batch norms in inference mode as the tool's
//             fine-tuning keeps them) and a linear head: forward, cross-entropy, backward, Adam step, on 64 random
//             layer3 outputs (256 x 14 x 14, i.e. 224x224 images); median seconds per step of --steps steps.
//   matmul    a 4096 x 4096 float32 matrix product through libtorch: this machine's peak as the tool can reach it.
//   cnn-profile  where a lab-CNN training batch's time goes: the tool's own model (experiments/cnn.yaml through the
//             spec loader and CnnBuilder) and optimizer, Trainer.Fit's per-batch steps timed one by one with a
//             Stopwatch (libtorch on the CPU is synchronous, so each figure is that step's own work) over --batches
//             batches of 64 random images after 20 warm-up batches, then the validation forward per batch.
//   cnn-ops   the lab CNN's forward, op by op (libtorch's kernels as the tool's layers call them), in train mode with
//             autograd and in inference mode without: CPU ms per call over --repeats calls at batch 64.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Cifar.Data;
using Cifar.Models;
using Cifar.Models.Transfer;
using Cifar.Running;
using Cifar.Specs;
using Cifar.Training;
using TorchSharp;
using static TorchSharp.torch;

var workload = args.Length > 0 ? args[0] : throw new ArgumentException("usage: PyTorchCompare extract|finetune|matmul [--threads=2] [--images=512] [--steps=9]");
var options = args.Skip(1).Select(a => a.Split('=', 2)).ToDictionary(p => p[0].TrimStart('-'), p => p.Length > 1 ? p[1] : "");
int Option(string name, int fallback) => options.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
var threads = Option("threads", 2);
set_num_threads(threads);

var result = workload switch
{
    "extract" => Extract(Option("images", 512), Option("batch", 16)),
    "finetune" => FineTune(Option("steps", 9)),
    "matmul" => MatMul(Option("size", 4096), Option("repeats", 3)),
    "cnn-profile" => CnnProfile(Option("batches", 200)),
    "cnn-ops" => CnnOps(Option("repeats", 50)),
    _ => throw new ArgumentException($"workload '{workload}'; expected extract, finetune or matmul"),
};
result["workload"] = workload;
result["engine"] = "tool";
result["threads"] = get_num_threads();
result["peak_working_set_mib"] = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
Console.WriteLine(JsonSerializer.Serialize(result));

static Dictionary<string, object> Extract(int count, int batch)
{
    // Random 32x32 images normalised as DataPreparation does for this base; throughput does not depend on content.
    using var raw = randint(0, 256, [count, 3, 32, 32], generator: new Generator(1)).to_type(ScalarType.Byte);
    using var images = ChannelNormalization.CntkBgrMeanSubtraction.Apply(raw);
    using var pretrained = CntkResNet18.Load();
    using var extractor = new TorchFeatureExtractor(pretrained, 224, batch);
    using (FeatureExtraction.Extract(extractor, images.narrow(0, 0, Math.Min(count, batch)))) { } // warm-up
    var watch = Stopwatch.StartNew();
    using var features = FeatureExtraction.Extract(extractor, images);
    var seconds = watch.Elapsed.TotalSeconds;
    if (features.shape[0] != count || features.shape[1] != 512) throw new InvalidOperationException($"features [{string.Join(',', features.shape)}]");
    return new() { ["seconds"] = seconds, ["images_per_second"] = count / seconds };
}

static Dictionary<string, object> FineTune(int steps)
{
    using var pretrained = CntkResNet18.Load();
    pretrained.SetTrainableStages(1);
    pretrained.train();
    var layer4 = pretrained.StagesFromTop[0];
    using var head = nn.Linear(512, 10);
    // The tool's Adam (Optimizers.Create's), with PyTorch's default betas and eps as compare_pytorch.py uses them.
    using var optimizer = new Cifar.Training.HeldScalars.Adam([.. layer4.Parameters(), .. head.parameters()], 1e-5, 0.9, 0.999, 1e-8);
    using var x = randn([64, 256, 14, 14], generator: new Generator(1)).relu_();
    using var y = randint(0, 10, [64], generator: new Generator(2));

    double Step()
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var h = x;
        foreach (var module in layer4.Modules) h = module.call(h);
        var loss = nn.functional.cross_entropy(head.call(h.mean([2, 3])), y);
        loss.backward();
        optimizer.step();
        return loss.item<float>();
    }

    Step(); // warm-up
    var times = new List<double>();
    for (var i = 0; i < steps; i++)
    {
        var watch = Stopwatch.StartNew();
        Step();
        times.Add(watch.Elapsed.TotalSeconds);
    }
    times.Sort();
    return new() { ["seconds"] = times[times.Count / 2], ["steps"] = steps };
}

static Dictionary<string, object> MatMul(int n, int repeats)
{
    using var a = randn([n, n], generator: new Generator(1));
    using var b = randn([n, n], generator: new Generator(2));
    using (mm(a, b)) { }
    var best = double.MaxValue;
    for (var i = 0; i < repeats; i++)
    {
        var watch = Stopwatch.StartNew();
        using (mm(a, b)) { }
        best = Math.Min(best, watch.Elapsed.TotalSeconds);
    }
    return new() { ["seconds"] = best, ["gflops"] = 2.0 * n * n * (double)n / best / 1e9 };
}

static Dictionary<string, object> CnnProfile(int batches)
{
    var spec = ExperimentSpecs.Loader.Load(Path.Combine("experiments", "cnn.yaml"));
    using var model = CnnBuilder.Build((CnnModelSpec)spec.Model, 32, spec.Seed);
    using var optimizer = Optimizers.Create(spec.Training.Optimizer, model.parameters());
    const int batchSize = 64;
    var n = (batches + 20) * batchSize;
    // uint8 pixels, normalised per batch as ExperimentRunner's input transform does for cnn.yaml's `rescale`.
    using var inputs = randint(0, 256, [n, 3, 32, 32], generator: new Generator(1)).to_type(ScalarType.Byte);
    var normalize = ChannelNormalization.Rescale;
    using var labels = randint(0, 10, [n], generator: new Generator(2));
    using var order = randperm(n, generator: new Generator(3));
    string[] phases = ["gather (+ normalise)", "forward", "loss", "backward", "zero_grad+step", "metrics (item)", "scope dispose", "validation forward"];
    // Wall and CPU seconds (all threads) per phase: on a busy machine the CPU seconds still compare the kernels' work.
    var totals = new double[phases.Length];
    var cpuTotals = new double[phases.Length];
    var clock = new Stopwatch();
    var self = Process.GetCurrentProcess();
    void Time(int phase, Action action)
    {
        self.Refresh();
        var cpu = self.TotalProcessorTime;
        clock.Restart();
        action();
        totals[phase] += clock.Elapsed.TotalSeconds;
        self.Refresh();
        cpuTotals[phase] += (self.TotalProcessorTime - cpu).TotalSeconds;
    }

    model.train();
    for (var batch = -20; batch < batches; batch++)
    {
        if (batch == 0)
        {
            Array.Clear(totals);
            Array.Clear(cpuTotals);
        }
        var scope = NewDisposeScope();
        Tensor x = null!, y = null!, logits = null!, loss = null!;
        var indices = order.narrow(0, (batch + 20) * (long)batchSize, batchSize);
        Time(0, () => { x = normalize.Apply(inputs.index_select(0, indices)); y = labels.index_select(0, indices); });
        Time(4, optimizer.zero_grad);
        Time(1, () => logits = model.call(x));
        Time(2, () => loss = nn.functional.cross_entropy(logits, y));
        Time(3, loss.backward);
        Time(4, () => optimizer.step());
        Time(5, () => { _ = loss.item<float>(); _ = logits.argmax(1).eq(y).sum().item<long>(); });
        Time(6, scope.Dispose);
    }
    model.eval();
    using (no_grad())
    {
        for (var batch = 0; batch < batches; batch++)
        {
            using var scope = NewDisposeScope();
            var x = inputs.narrow(0, batch * (long)batchSize, batchSize);
            Time(7, () => _ = model.call(normalize.Apply(x)).argmax(1).sum().item<long>());
        }
    }
    var result = new Dictionary<string, object> { ["batches"] = batches, ["seconds"] = totals.Sum(), ["cpu_seconds"] = cpuTotals.Sum() };
    for (var i = 0; i < phases.Length; i++)
    {
        result["ms_per_batch " + phases[i]] = 1000 * totals[i] / batches;
        result["cpu_ms_per_batch " + phases[i]] = 1000 * cpuTotals[i] / batches;
    }
    return result;
}

static Dictionary<string, object> CnnOps(int repeats)
{
    using var conv1 = nn.Conv2d(3, 32, 3);
    using var conv2 = nn.Conv2d(32, 64, 3);
    using var conv3 = nn.Conv2d(64, 64, 3);
    using var pool = nn.MaxPool2d(2);
    using var dense1 = nn.Linear(1024, 64);
    using var dense2 = nn.Linear(64, 10);
    using var input = rand([64, 3, 32, 32], generator: new Generator(1));
    (string Name, Func<Tensor, Tensor> Op)[] ops =
    [
        ("conv1 3->32", conv1.call), ("relu 32x30x30", t => nn.functional.relu(t)), ("maxpool 32x30x30", pool.call),
        ("conv2 32->64", conv2.call), ("relu 64x13x13", t => nn.functional.relu(t)), ("maxpool 64x13x13", pool.call),
        ("conv3 64->64", conv3.call), ("relu 64x4x4", t => nn.functional.relu(t)),
        ("flatten (channels last)", t => t.permute(0, 2, 3, 1).flatten(1)), ("dense 1024->64", dense1.call),
        ("relu 64", t => nn.functional.relu(t)), ("dense 64->10", dense2.call),
    ];
    var self = Process.GetCurrentProcess();
    var result = new Dictionary<string, object> { ["seconds"] = 0.0 };
    foreach (var grad in new[] { true, false })
    {
        using var mode = grad ? enable_grad() : no_grad();
        var x = input.alias();
        foreach (var (name, op) in ops)
        {
            for (var i = 0; i < 3; i++) op(x).Dispose(); // warm-up
            self.Refresh();
            var cpu = self.TotalProcessorTime;
            for (var i = 0; i < repeats; i++) op(x).Dispose();
            self.Refresh();
            result[$"{(grad ? "train" : "eval")} cpu_ms {name}"] = (self.TotalProcessorTime - cpu).TotalMilliseconds / repeats;
            var next = op(x);
            x.Dispose();
            x = next;
        }
        x.Dispose();
    }
    return result;
}
