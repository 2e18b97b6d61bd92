using Cifar.Tests.Infra;
using Cifar.Training;
using Cifar.Training.HeldScalars;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cifar.Tests.Training;

// The tool's optimizers are TorchSharp's step with every Scalar held across its native call: they must move the
// weights exactly as TorchSharp's do and write and read the same state. (Whether they survive garbage collections
// better is not tested here: a stress test that forces collections while training is not deterministic; see
// HeldScalarOptimizers.cs for what was measured.)
[Collection("libtorch")]
public class HeldScalarOptimizerTests
{
    public static TheoryData<string> Kinds => ["adam", "adam-l2", "adam-amsgrad", "adamw", "adamw-amsgrad", "sgd", "sgd-momentum", "sgd-nesterov-l2"];

    private static OptimizerHelper TorchSharps(string kind, IEnumerable<Parameter> p) => kind switch
    {
        "adam" => new TorchSharp.Modules.Adam(p, 0.01, 0.9, 0.999, 1e-7),
        "adam-l2" => new TorchSharp.Modules.Adam(p, 0.01, 0.8, 0.99, 1e-3, weight_decay: 0.05),
        "adam-amsgrad" => new TorchSharp.Modules.Adam(p, 0.01, 0.9, 0.999, 1e-7, amsgrad: true),
        "adamw" => new TorchSharp.Modules.AdamW(p, 0.01, 0.9, 0.999, 1e-7, weight_decay: 0.1),
        "adamw-amsgrad" => new TorchSharp.Modules.AdamW(p, 0.01, 0.9, 0.999, 1e-7, weight_decay: 0.1, amsgrad: true),
        "sgd" => new TorchSharp.Modules.SGD(p, 0.1),
        "sgd-momentum" => new TorchSharp.Modules.SGD(p, 0.1, momentum: 0.9),
        "sgd-nesterov-l2" => new TorchSharp.Modules.SGD(p, 0.1, momentum: 0.9, weight_decay: 5e-4, nesterov: true),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static OptimizerHelper Ours(string kind, IEnumerable<Parameter> p) => kind switch
    {
        "adam" => new Cifar.Training.HeldScalars.Adam(p, 0.01, 0.9, 0.999, 1e-7),
        "adam-l2" => new Cifar.Training.HeldScalars.Adam(p, 0.01, 0.8, 0.99, 1e-3, weightDecay: 0.05),
        "adam-amsgrad" => new Cifar.Training.HeldScalars.Adam(p, 0.01, 0.9, 0.999, 1e-7, amsgrad: true),
        "adamw" => new Cifar.Training.HeldScalars.AdamW(p, 0.01, 0.9, 0.999, 1e-7, weightDecay: 0.1),
        "adamw-amsgrad" => new Cifar.Training.HeldScalars.AdamW(p, 0.01, 0.9, 0.999, 1e-7, weightDecay: 0.1, amsgrad: true),
        "sgd" => new Cifar.Training.HeldScalars.SGD(p, 0.1, 0, 0, false),
        "sgd-momentum" => new Cifar.Training.HeldScalars.SGD(p, 0.1, 0.9, 0, false),
        "sgd-nesterov-l2" => new Cifar.Training.HeldScalars.SGD(p, 0.1, 0.9, 5e-4, true),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    // Parameters of several sizes, largest first and last, so the scratch buffer is reused for smaller views and the
    // views follow each parameter's shape.
    private static nn.Module<Tensor, Tensor> Model(int seed)
    {
        manual_seed(seed);
        return nn.Sequential(
            nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 6 * 6, 40), nn.ReLU(), nn.Linear(40, 10));
    }

    private static void Train(nn.Module<Tensor, Tensor> model, OptimizerHelper optimizer, int steps, int seed)
    {
        var generator = new Generator((ulong)seed);
        for (var i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            var x = randn([16, 3, 8, 8], generator: generator);
            var y = randint(0, 10, [16], generator: generator);
            optimizer.zero_grad();
            nn.functional.cross_entropy(model.call(x), y).backward();
            optimizer.step();
        }
    }

    private static byte[] StateBytes(OptimizerHelper optimizer)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) optimizer.save_state_dict(writer);
        return stream.ToArray();
    }

    private static void AssertSameWeights(nn.Module<Tensor, Tensor> expected, nn.Module<Tensor, Tensor> actual)
    {
        var pairs = expected.parameters().Zip(actual.parameters()).ToList();
        Assert.Equal(6, pairs.Count); // the convolution's and both Linear layers' weights and biases
        foreach (var (e, a) in pairs) Assert.Equal(e.data<float>().ToArray(), a.data<float>().ToArray()); // float == float: bit for bit but for NaN
    }

    [TorchTheory]
    [MemberData(nameof(Kinds))]
    public void Steps_move_the_weights_bit_for_bit_as_TorchSharps_and_write_the_same_state(string kind)
    {
        using var reference = Model(7);
        using var model = Model(7);
        using var theirs = TorchSharps(kind, reference.parameters());
        using var ours = Ours(kind, model.parameters());

        Train(reference, theirs, steps: 6, seed: 3);
        Train(model, ours, steps: 6, seed: 3);

        AssertSameWeights(reference, model);
        Assert.Equal(StateBytes(theirs), StateBytes(ours));
    }

    [TorchTheory]
    [MemberData(nameof(Kinds))]
    public void A_state_saved_by_TorchSharps_optimizer_resumes_in_ours_and_the_other_way(string kind)
    {
        using var reference = Model(11);
        using var model = Model(11);
        using var theirs = TorchSharps(kind, reference.parameters());
        using var ours = Ours(kind, model.parameters());
        Train(reference, theirs, steps: 3, seed: 5);
        Train(model, ours, steps: 3, seed: 5);

        // Swap the states: each optimizer continues from the other's bytes.
        var theirState = StateBytes(theirs);
        using (var reader = new BinaryReader(new MemoryStream(StateBytes(ours)))) theirs.load_state_dict(reader);
        using (var reader = new BinaryReader(new MemoryStream(theirState))) ours.load_state_dict(reader);
        Train(reference, theirs, steps: 3, seed: 6);
        Train(model, ours, steps: 3, seed: 6);

        AssertSameWeights(reference, model);
    }
}
