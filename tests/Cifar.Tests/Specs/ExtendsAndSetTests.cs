using Cifar.Running;
using Cifar.Specs;
using Cifar.Tests.Infra;
using static Cifar.Tests.Specs.SpecTestFiles;

namespace Cifar.Tests.Specs;

/// <summary><c>extends: base.yaml</c> and <c>--set key=value</c>: what the merged spec holds, what its spec.yaml text is,
/// and where problems are reported.</summary>
public sealed class ExtendsAndSetTests : IDisposable
{
    private readonly TempFolder _temp = new("extends-test");

    public void Dispose() => _temp.Dispose();

    private string Write(string name, string text)
    {
        var path = _temp.Combine(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    private static string[] Problems(Action load)
    {
        var error = Assert.Throws<CifarUserException>(load);
        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        return [.. error.Lines];
    }

    [Fact]
    public void A_child_changes_one_optimizer_key_and_keeps_the_others_and_replaces_lists()
    {
        Write("base.yaml", Edited(MinimalSpec, "optimizer: {type: adam}", "optimizer: {type: adam, learning_rate: 0.001, beta_1: 0.8}"));
        var child = Write("child.yaml", """
            extends: base.yaml
            name: child
            training:
              optimizer: {learning_rate: 0.01}
            model:
              layers:
                - flatten: {}
                - dense: {units: 10}
            """);

        var spec = ExperimentSpecs.Loader.Load(child);

        Assert.Equal("child", spec.Name);
        Assert.Equal(0.01, spec.Training.Optimizer.LearningRate);
        Assert.Equal(0.8, spec.Training.Optimizer.Beta1);
        Assert.Equal(2, Assert.IsType<CnnModelSpec>(spec.Model).Layers.Count);
        Assert.Equal(2, spec.Training.Epochs);
    }

    [Fact]
    public void The_resolved_text_is_a_complete_spec_that_loads_alone_to_the_same_spec()
    {
        Write("bases/base.yaml", MinimalSpec);
        var child = Write("child.yaml", "extends: bases/base.yaml\nname: child\ndata: {batch_size: 16}\n");

        var spec = ExperimentSpecs.Loader.Load(child);
        var copy = Write("elsewhere/spec.yaml", spec.SourceText);
        var again = ExperimentSpecs.Loader.Load(copy);

        Assert.DoesNotContain("extends:", spec.SourceText, StringComparison.Ordinal);
        Assert.StartsWith("# Resolved by dotnet cifar from child.yaml", spec.SourceText, StringComparison.Ordinal);
        Assert.Equal(spec.SourceText, again.SourceText);
        Assert.Equal(16, again.Data.BatchSize);
        Assert.Equal((spec.Training.Epochs, spec.Training.Optimizer), (again.Training.Epochs, again.Training.Optimizer));
        Assert.Equal(spec.Model.Type, again.Model.Type);
    }

    [Fact]
    public void A_spec_without_extends_or_set_keeps_its_own_text_byte_for_byte()
    {
        var path = Write("plain.yaml", "# a comment\n" + MinimalSpec);

        Assert.Equal("# a comment\n" + MinimalSpec, ExperimentSpecs.Loader.Load(path, []).SourceText);
    }

    [Fact]
    public void A_chain_of_bases_merges_in_order()
    {
        Write("a.yaml", MinimalSpec);
        Write("b.yaml", "extends: a.yaml\ntraining: {epochs: 5}\n");
        var c = Write("c.yaml", "extends: b.yaml\nname: c\n");

        var spec = ExperimentSpecs.Loader.Load(c);

        Assert.Equal(("c", 5), (spec.Name, spec.Training.Epochs));
    }

    [Fact]
    public void A_cycle_is_reported_at_the_extends_that_closes_it()
    {
        Write("a.yaml", "extends: b.yaml\n" + MinimalSpec);
        var b = Write("b.yaml", "extends: a.yaml\nname: b\n");

        var lines = Problems(() => ExperimentSpecs.Loader.Load(b));

        Assert.Equal([$"{_temp.Combine("a.yaml")}:1:10: `extends` is 'b.yaml', which leads back to a file already in the chain (b.yaml -> a.yaml -> b.yaml); expected no cycle"], lines);
    }

    [Fact]
    public void A_missing_base_is_one_line_at_the_extends_value()
    {
        var child = Write("child.yaml", "extends: nowhere.yaml\nname: x\n");

        var line = Assert.Single(Problems(() => ExperimentSpecs.Loader.Load(child)));

        Assert.StartsWith($"{child}:1:10: `extends` is 'nowhere.yaml', which cannot be read (", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_value_in_the_base_is_reported_in_the_base_file_at_its_line()
    {
        var basePath = Write("base.yaml", Edited(MinimalSpec, "epochs: 2", "epochs: ten"));
        var child = Write("child.yaml", "extends: base.yaml\nname: child\ndata: {batchsize: 3}\n");

        var lines = Problems(() => ExperimentSpecs.Loader.Load(child));

        Assert.Equal(
        [
            $"{child}:3:8: `data.batchsize` is an unknown key; expected one of dataset, normalization, validation_split, batch_size, image_size, train_samples, test_samples, url, augmentation. Did you mean 'batch_size'?",
            $"{basePath}:12:11: `training.epochs` is 'ten'; expected an integer",
        ], lines);
    }

    [Fact]
    public void Set_overrides_after_extends_and_reads_its_value_as_yaml()
    {
        Write("base.yaml", MinimalSpec);
        var child = Write("child.yaml", "extends: base.yaml\ntraining: {epochs: 4}\n");

        var spec = ExperimentSpecs.Loader.Load(child, ["training.epochs=7", "training.optimizer={type: sgd, learning_rate: 0.1}", "data.train_samples=1000"]);

        Assert.Equal(7, spec.Training.Epochs);
        Assert.Equal((OptimizerType.Sgd, 0.1), (spec.Training.Optimizer.Type, spec.Training.Optimizer.LearningRate));
        Assert.Equal(1000, spec.Data.TrainSamples);
        Assert.Contains("epochs: 7", spec.SourceText, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_set_value_or_key_is_reported_as_the_argument()
    {
        var path = Write("spec.yaml", MinimalSpec);

        var lines = Problems(() => ExperimentSpecs.Loader.Load(path, ["training.epochs=ten", "training.epoch=3"]));
        var malformed = Problems(() => ExperimentSpecs.Loader.Load(path, ["nonsense"]));

        Assert.Equal(["--set nonsense: expected key=value with a dotted spec key, e.g. --set training.optimizer.learning_rate=0.01"], malformed);
        Assert.Equal(
        [
            "--set training.epoch=3: `training.epoch` is an unknown key; expected one of epochs, optimizer, lr_schedule, label_smoothing, ema, early_stopping, fine_tune. Did you mean 'epochs'?",
            "--set training.epochs=ten: `training.epochs` is 'ten'; expected an integer",
        ], lines);
    }

    [Fact]
    public void Set_through_a_list_is_reported()
    {
        var path = Write("spec.yaml", MinimalSpec);

        var line = Assert.Single(Problems(() => ExperimentSpecs.Loader.Load(path, ["model.layers.units=3"])));

        Assert.Equal("--set model.layers.units=3: `model.layers` is a list; expected a mapping to set `model.layers.units` in", line);
    }

    [Fact]
    public void Run_refuses_a_sweep_spec_and_points_at_the_sweep_verb()
    {
        var path = Write("spec.yaml", MinimalSpec + "\nsweep:\n  grid: {seed: [1, 2]}\n");

        var line = Assert.Single(Problems(() => ExperimentSpecs.Loader.Load(path)));

        Assert.Equal($"{path}:14:1: `sweep` makes this spec a sweep of several experiments; expected `dotnet cifar sweep` to list or run its cells", line);
    }
}
