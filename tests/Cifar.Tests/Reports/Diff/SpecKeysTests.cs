using Cifar.Reports.Files;

namespace Cifar.Tests.Reports.Diff;

public sealed class SpecKeysTests
{
    private const string Base = """
        name: cnn
        model:
          type: cnn
          layers:
            - conv2d: { filters: 32, kernel_size: 3 }
            - dense: { units: 10 }
        training:
          epochs: 10
          optimizer:
            type: adam
            learning_rate: 0.001
          early_stopping:
            patience: 3
        """;

    private const string Head = """
        name: cnn
        model:
          type: cnn
          layers:
            - conv2d: { filters: 64, kernel_size: 3 }
            - dropout: { rate: 0.5 }
            - dense: { units: 10 }
        training:
          epochs: 1e1
          optimizer:
            type: adam
            learning_rate: 0.0005
            beta_1: 0.9
        """;

    [Fact]
    public void Flatten_gives_dotted_keys_in_document_order()
    {
        var flat = SpecKeys.Flatten(Base);
        Assert.Equal(
            ["name", "model.type", "model.layers[0].conv2d.filters", "model.layers[0].conv2d.kernel_size",
             "model.layers[1].dense.units", "training.epochs", "training.optimizer.type",
             "training.optimizer.learning_rate", "training.early_stopping.patience"],
            flat.Select(p => p.Key));
        Assert.Equal("0.001", SpecKeys.Get(flat, "training.optimizer.learning_rate"));
    }

    [Fact]
    public void Diff_lists_changed_added_and_removed_keys()
    {
        var changes = SpecKeys.Diff(Base, Head);
        Assert.Equal(
            [
                new SpecChange("model.layers[0].conv2d.filters", SpecChangeKind.Changed, "32", "64"),
                new SpecChange("model.layers[1].dropout.rate", SpecChangeKind.Added, null, "0.5"),
                new SpecChange("model.layers[2].dense.units", SpecChangeKind.Added, null, "10"),
                new SpecChange("training.optimizer.learning_rate", SpecChangeKind.Changed, "0.001", "0.0005"),
                new SpecChange("training.optimizer.beta_1", SpecChangeKind.Added, null, "0.9"),
                new SpecChange("model.layers[1].dense.units", SpecChangeKind.Removed, "10", null),
                new SpecChange("training.early_stopping.patience", SpecChangeKind.Removed, "3", null),
            ],
            changes); // epochs 10 → 1e1 is the same number, so no change
    }

    [Fact]
    public void Identical_specs_have_no_changes_and_bad_yaml_is_a_user_error()
    {
        Assert.Empty(SpecKeys.Diff(Base, Base));
        var error = Assert.Throws<CifarUserException>(() => SpecKeys.Flatten("a: [1, 2", "x/spec.yaml"));
        Assert.Equal(UserErrorKind.InvalidInput, error.Kind);
        Assert.StartsWith("x/spec.yaml:", error.Message, StringComparison.Ordinal);
    }
}
