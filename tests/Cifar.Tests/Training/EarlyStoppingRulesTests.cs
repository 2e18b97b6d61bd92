using Cifar.Specs;
using Cifar.Tests.Infra;
using Cifar.Training;
using static TorchSharp.torch;
using Monitor = Cifar.Specs.Monitor;

namespace Cifar.Tests.Training;

/// <summary>
/// Keras' EarlyStopping rules one by one, driven epoch by epoch without training: the min_delta boundary, the mode,
/// patience counting, the first-epoch rule, NaN, and which weights restore_best_weights puts back. The values are
/// exact in binary (0.25, 0.5, ...) so a boundary is a boundary, not a rounding accident.
/// </summary>
[Collection("libtorch")]
public sealed class EarlyStoppingRulesTests : IDisposable
{
    private readonly nn.Module<Tensor, Tensor> _model = nn.Linear(2, 2);

    public void Dispose() => _model.Dispose();

    private TrainingContext Context(int firstEpoch = 1, int lastEpoch = 20) =>
        new(_model, "train", firstEpoch, lastEpoch, 1, 1, 1);

    /// <summary>Feeds one monitored value per epoch, starting at the context's first epoch, until a stop is asked.</summary>
    private static int? Run(EarlyStopping earlyStopping, TrainingContext context, Monitor monitor, params double[] values)
    {
        earlyStopping.OnTrainBegin(context);
        for (var i = 0; i < values.Length && !context.StopRequested; i++)
            earlyStopping.OnEpochEnd(context, Log(context.FirstEpoch + i, monitor, values[i]));
        return earlyStopping.StoppedEpoch;
    }

    private static EpochLog Log(int epoch, Monitor monitor, double value) => new(
        epoch, "train",
        Loss: monitor == Monitor.Loss ? value : 7,
        Accuracy: monitor == Monitor.Accuracy ? value : 0.125,
        ValLoss: monitor == Monitor.ValLoss ? value : 7,
        ValAccuracy: monitor == Monitor.ValAccuracy ? value : 0.125,
        Seconds: 1, ImagesPerSecond: 1);

    [TorchFact]
    public void A_loss_that_falls_by_exactly_min_delta_is_not_an_improvement()
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, MinDelta: 0.25, Patience: 1));

        var stopped = Run(earlyStopping, Context(), Monitor.ValLoss, 1.0, 0.75, 0.5);

        Assert.Equal(2, stopped);
        Assert.Equal(1.0, earlyStopping.Best);
        Assert.Equal(1, earlyStopping.BestEpoch);
    }

    [TorchFact]
    public void A_loss_that_falls_by_more_than_min_delta_is_an_improvement()
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, MinDelta: 0.25, Patience: 1));

        var stopped = Run(earlyStopping, Context(), Monitor.ValLoss, 1.0, 0.625, 0.5);

        Assert.Equal(3, stopped);
        Assert.Equal(0.625, earlyStopping.Best);
        Assert.Equal(2, earlyStopping.BestEpoch);
    }

    [TorchFact]
    public void An_accuracy_that_rises_by_exactly_min_delta_is_not_an_improvement()
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValAccuracy, MinDelta: 0.25, Patience: 1));

        var stopped = Run(earlyStopping, Context(), Monitor.ValAccuracy, 0.25, 0.5);

        Assert.Equal(2, stopped);
        Assert.Equal(0.25, earlyStopping.Best);
    }

    [TorchFact]
    public void Without_min_delta_an_equal_value_is_not_an_improvement_but_any_better_one_is()
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.Loss, Patience: 1));

        Assert.Equal(4, Run(earlyStopping, Context(), Monitor.Loss, 1.0, 0.999, 0.998, 0.998));
        Assert.Equal(3, earlyStopping.BestEpoch);
    }

    [TorchFact]
    public void A_negative_min_delta_counts_as_its_absolute_value_as_in_keras()
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, MinDelta: -0.25, Patience: 1));

        Assert.Equal(2, Run(earlyStopping, Context(), Monitor.ValLoss, 1.0, 0.875));
        Assert.Equal(1, earlyStopping.BestEpoch);
    }

    [TorchTheory]
    [InlineData(Monitor.ValLoss, MonitorMode.Auto, false)]
    [InlineData(Monitor.Loss, MonitorMode.Auto, false)]
    [InlineData(Monitor.ValAccuracy, MonitorMode.Auto, true)]
    [InlineData(Monitor.Accuracy, MonitorMode.Auto, true)]
    [InlineData(Monitor.ValLoss, MonitorMode.Max, true)]
    [InlineData(Monitor.ValAccuracy, MonitorMode.Min, false)]
    public void The_mode_decides_whether_higher_or_lower_is_better(Monitor monitor, MonitorMode mode, bool higherIsBetter)
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(monitor, mode, Patience: 5));

        Run(earlyStopping, Context(), monitor, 0.5, 0.75, 0.25);

        Assert.Equal(higherIsBetter ? 0.75 : 0.25, earlyStopping.Best);
        Assert.Equal(higherIsBetter ? 2 : 3, earlyStopping.BestEpoch);
    }

    [TorchTheory]
    [InlineData(Monitor.ValLoss, "val_loss")]
    [InlineData(Monitor.ValAccuracy, "val_accuracy")]
    [InlineData(Monitor.Loss, "loss")]
    [InlineData(Monitor.Accuracy, "accuracy")]
    public void Each_monitor_reads_its_own_column_and_names_it_in_the_stop_reason(Monitor monitor, string name)
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(monitor, MonitorMode.Min, Patience: 1));
        var context = Context();

        // Only the monitored column changes; the others stay constant, so a wrong column would never improve.
        Run(earlyStopping, context, monitor, 0.5, 0.25, 0.375);

        Assert.Equal(name, earlyStopping.MonitorName);
        Assert.Equal(2, earlyStopping.BestEpoch);
        Assert.Equal(3, earlyStopping.StoppedEpoch);
        Assert.Equal($"{name} did not improve on 0.25 (epoch 2) for 1 epoch(s)", context.StopReason);
    }

    [TorchFact]
    public void Patience_counts_the_epochs_without_improvement_since_the_best()
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, Patience: 3));
        var context = Context();

        // Improvements at 1, 2 and 4; epochs 5, 6, 7 are the three without one, so training stops at 7.
        var stopped = Run(earlyStopping, context, Monitor.ValLoss, 1.0, 0.875, 0.9, 0.75, 0.8, 0.76, 0.75, 0.5);

        Assert.Equal(7, stopped);
        Assert.Equal(4, earlyStopping.BestEpoch);
        Assert.Equal("val_loss did not improve on 0.75 (epoch 4) for 3 epoch(s)", context.StopReason);
    }

    [TorchFact]
    public void The_stop_reason_gives_the_best_value_to_six_significant_digits()
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, Patience: 1));
        var context = Context();

        Run(earlyStopping, context, Monitor.ValLoss, 0.123456789, 0.2);

        Assert.Equal("val_loss did not improve on 0.123457 (epoch 1) for 1 epoch(s)", context.StopReason);
    }

    [TorchFact]
    public void Patience_zero_never_stops_at_the_first_epoch_even_when_its_value_is_nan()
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, Patience: 0));
        var context = Context();

        earlyStopping.OnTrainBegin(context);
        earlyStopping.OnEpochEnd(context, Log(1, Monitor.ValLoss, double.NaN));

        Assert.False(context.StopRequested, "Keras checks patience only after the first epoch");
        Assert.Null(earlyStopping.Best);
        Assert.Null(earlyStopping.BestEpoch);

        earlyStopping.OnEpochEnd(context, Log(2, Monitor.ValLoss, double.NaN));

        Assert.Equal(2, earlyStopping.StoppedEpoch);
        Assert.Equal("val_loss did not improve on NaN (epoch -) for 2 epoch(s)", context.StopReason);
    }

    [TorchFact]
    public void Patience_zero_never_stops_at_an_epoch_that_improves()
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, Patience: 0));

        Assert.Equal(4, Run(earlyStopping, Context(), Monitor.ValLoss, 1.0, 0.75, 0.5, 0.5));
        Assert.Equal(3, earlyStopping.BestEpoch);
    }

    [TorchFact]
    public void The_first_epoch_rule_applies_to_the_first_epoch_of_each_fit_not_to_epoch_one()
    {
        // Fine-tuning continues the numbering: its first epoch is 4, and it must not stop there either.
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, Patience: 0));
        var fineTune = new TrainingContext(_model, "fine_tune", 4, 10, 1, 1, 1);

        var stopped = Run(earlyStopping, fineTune, Monitor.ValLoss, double.NaN, double.NaN);

        Assert.Equal(5, stopped);
    }

    [TorchFact]
    public void Nan_never_improves_on_a_best_value()
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValAccuracy, Patience: 1));

        Assert.Equal(2, Run(earlyStopping, Context(), Monitor.ValAccuracy, 0.5, double.NaN));
        Assert.Equal(0.5, earlyStopping.Best);
    }

    [TorchFact]
    public void A_value_after_nan_epochs_becomes_the_first_best()
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, Patience: 2));

        Assert.Null(Run(earlyStopping, Context(), Monitor.ValLoss, double.NaN, 3.0, 2.5));
        Assert.Equal(2.5, earlyStopping.Best);
        Assert.Equal(3, earlyStopping.BestEpoch);
    }

    [TorchFact]
    public void Negative_patience_is_rejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, Patience: -1)));

        Assert.Contains("patience must be at least 0", error.Message, StringComparison.Ordinal);
    }

    [TorchFact]
    public void Unknown_modes_and_monitors_are_rejected_not_guessed()
    {
        var mode = Assert.Throws<NotSupportedException>(() => new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, (MonitorMode)99)));
        Assert.Equal("Early stopping mode '99' is not supported.", mode.Message);

        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec((Monitor)99, MonitorMode.Min));
        var context = Context();
        earlyStopping.OnTrainBegin(context);
        var monitor = Assert.Throws<NotSupportedException>(() => earlyStopping.OnEpochEnd(context, Log(1, Monitor.ValLoss, 1.0)));
        Assert.Equal("Early stopping monitor '99' is not supported.", monitor.Message);
        monitor = Assert.Throws<NotSupportedException>(() => earlyStopping.MonitorName);
        Assert.Equal("Early stopping monitor '99' is not supported.", monitor.Message);
    }

    [TorchFact]
    public void Missing_arguments_are_argument_errors()
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss));
        var context = Context();

        Assert.Throws<ArgumentNullException>(() => new EarlyStopping(null!));
        Assert.Throws<ArgumentNullException>(() => earlyStopping.OnEpochEnd(null!, Log(1, Monitor.ValLoss, 1.0)));
        Assert.Throws<ArgumentNullException>(() => earlyStopping.OnEpochEnd(context, null!));
        Assert.Throws<ArgumentNullException>(() => earlyStopping.OnTrainEnd(null!));
    }

    [TorchFact]
    public void Restore_puts_back_the_weights_of_the_best_epoch_not_of_a_later_one()
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, Patience: 5, RestoreBestWeights: true));
        var context = Context();

        earlyStopping.OnTrainBegin(context);
        foreach (var (epoch, valLoss) in new[] { (1, 1.0), (2, 0.5), (3, 0.75), (4, 0.625) })
        {
            SetWeights(epoch);
            earlyStopping.OnEpochEnd(context, Log(epoch, Monitor.ValLoss, valLoss));
        }
        earlyStopping.OnTrainEnd(context);

        Assert.Equal(2, context.RestoredEpoch);
        Assert.Equal(2f, WeightValue());
    }

    [TorchFact]
    public void Restore_falls_back_to_the_first_epoch_when_the_value_never_improves()
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, Patience: 5, RestoreBestWeights: true));
        var context = Context(firstEpoch: 3);

        earlyStopping.OnTrainBegin(context);
        foreach (var epoch in new[] { 3, 4, 5 })
        {
            SetWeights(epoch);
            earlyStopping.OnEpochEnd(context, Log(epoch, Monitor.ValLoss, double.NaN));
        }
        earlyStopping.OnTrainEnd(context);

        Assert.Equal(3, context.RestoredEpoch);
        Assert.Equal(3f, WeightValue());
    }

    [TorchFact]
    public void Without_restore_best_weights_the_last_epochs_weights_stay()
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, Patience: 5));
        var context = Context();

        earlyStopping.OnTrainBegin(context);
        foreach (var (epoch, valLoss) in new[] { (1, 0.5), (2, 1.0) })
        {
            SetWeights(epoch);
            earlyStopping.OnEpochEnd(context, Log(epoch, Monitor.ValLoss, valLoss));
        }
        earlyStopping.OnTrainEnd(context);

        Assert.Null(context.RestoredEpoch);
        Assert.Equal(2f, WeightValue());
    }

    [TorchFact]
    public void A_new_fit_forgets_the_snapshot_of_a_fit_that_never_ended()
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, Patience: 5, RestoreBestWeights: true));
        var interrupted = Context();
        earlyStopping.OnTrainBegin(interrupted);
        SetWeights(1);
        earlyStopping.OnEpochEnd(interrupted, Log(1, Monitor.ValLoss, 0.5));
        // No OnTrainEnd: the fit was interrupted. The next fit starts from other weights and ends before any epoch.

        var next = Context();
        earlyStopping.OnTrainBegin(next);
        SetWeights(9);
        earlyStopping.OnTrainEnd(next);

        Assert.Null(next.RestoredEpoch);
        Assert.Equal(9f, WeightValue());
    }

    [TorchFact]
    public void A_new_fit_starts_counting_patience_and_the_best_value_afresh()
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, Patience: 3));
        Assert.Null(Run(earlyStopping, Context(), Monitor.ValLoss, 0.5, 0.75, 0.75)); // ends 2 epochs into its patience

        var next = Context(firstEpoch: 4);
        earlyStopping.OnTrainBegin(next);
        Assert.Null(earlyStopping.Best);
        earlyStopping.OnEpochEnd(next, Log(4, Monitor.ValLoss, double.NaN));
        earlyStopping.OnEpochEnd(next, Log(5, Monitor.ValLoss, double.NaN));

        Assert.False(next.StopRequested, "two epochs without improvement in this fit, patience 3");
        Assert.Null(earlyStopping.Best);
    }

    [TorchFact]
    public void Restoring_twice_is_not_possible_the_snapshot_is_released_after_use()
    {
        var earlyStopping = new EarlyStopping(new EarlyStoppingSpec(Monitor.ValLoss, Patience: 5, RestoreBestWeights: true));
        var context = Context();
        earlyStopping.OnTrainBegin(context);
        SetWeights(1);
        earlyStopping.OnEpochEnd(context, Log(1, Monitor.ValLoss, 0.5));
        SetWeights(2);
        earlyStopping.OnTrainEnd(context);

        SetWeights(5);
        var again = Context();
        earlyStopping.OnTrainEnd(again);

        Assert.Equal(1, context.RestoredEpoch);
        Assert.Null(again.RestoredEpoch);
        Assert.Equal(5f, WeightValue());
    }

    private void SetWeights(int epoch)
    {
        using (no_grad())
            foreach (var (_, tensor) in _model.state_dict()) tensor.fill_(epoch);
    }

    private float WeightValue()
    {
        var values = _model.state_dict().Values.SelectMany(t => t.data<float>().ToArray()).Distinct().ToList();
        return Assert.Single(values);
    }
}
