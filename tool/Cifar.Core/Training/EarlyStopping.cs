using System.Globalization;
using Cifar.Specs;
// ImplicitUsings bring System.Threading.Monitor into scope too.
using Monitor = Cifar.Specs.Monitor;
using static TorchSharp.torch;

namespace Cifar.Training;

/// <summary>
/// Keras' EarlyStopping: stops when the monitored value has not improved by more than min_delta for patience epochs,
/// and with restore_best_weights puts back the best epoch's weights (parameters and batch-norm statistics) when
/// training ends, whether it stopped early or ran all epochs (as Keras 3's on_train_end does whenever a best exists).
/// Mode auto means max for accuracies and min for losses.
/// </summary>
public sealed class EarlyStopping : Callback
{
    private readonly EarlyStoppingSpec _spec;
    private readonly bool _maximize;
    private Dictionary<string, Tensor>? _bestWeights;
    private int _snapshotEpoch;
    private int _wait;

    public EarlyStopping(EarlyStoppingSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Patience < 0) throw new ArgumentOutOfRangeException(nameof(spec), spec.Patience, "patience must be at least 0.");
        _spec = spec;
        _maximize = _spec.Mode switch
        {
            MonitorMode.Min => false,
            MonitorMode.Max => true,
            MonitorMode.Auto => _spec.Monitor is Monitor.Accuracy or Monitor.ValAccuracy,
            _ => throw new NotSupportedException($"Early stopping mode '{_spec.Mode}' is not supported."),
        };
    }

    /// <summary>Best monitored value so far (null before the first epoch or if it was never a number).</summary>
    public double? Best { get; private set; }

    /// <summary>1-based epoch of <see cref="Best"/>.</summary>
    public int? BestEpoch { get; private set; }

    /// <summary>1-based epoch at which this callback asked training to stop; null if it did not.</summary>
    public int? StoppedEpoch { get; private set; }

    /// <summary>The monitor's Keras name: val_loss, val_accuracy, loss or accuracy.</summary>
    public string MonitorName => _spec.Monitor switch
    {
        Monitor.ValLoss => "val_loss",
        Monitor.ValAccuracy => "val_accuracy",
        Monitor.Loss => "loss",
        Monitor.Accuracy => "accuracy",
        _ => throw new NotSupportedException($"Early stopping monitor '{_spec.Monitor}' is not supported."),
    };

    public override void OnTrainBegin(TrainingContext context)
    {
        _wait = 0;
        Best = null;
        BestEpoch = null;
        StoppedEpoch = null;
        ReleaseSnapshot();
    }

    public override void OnEpochEnd(TrainingContext context, EpochLog log)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(log);
        var current = _spec.Monitor switch
        {
            Monitor.ValLoss => log.ValLoss,
            Monitor.ValAccuracy => log.ValAccuracy,
            Monitor.Loss => log.Loss,
            Monitor.Accuracy => log.Accuracy,
            _ => throw new NotSupportedException($"Early stopping monitor '{_spec.Monitor}' is not supported."),
        };
        // As Keras: keep the first epoch's weights in case the value never improves (e.g. it is NaN throughout).
        if (_spec.RestoreBestWeights && _bestWeights is null) Snapshot(context, log.Epoch);

        _wait++;
        if (IsImprovement(current))
        {
            (Best, BestEpoch, _wait) = (current, log.Epoch, 0);
            if (_spec.RestoreBestWeights) Snapshot(context, log.Epoch);
            return;
        }
        // Keras checks only after the first epoch; a first epoch is always an improvement unless its value is NaN.
        if (_wait >= _spec.Patience && log.Epoch > context.FirstEpoch)
        {
            StoppedEpoch = log.Epoch;
            context.RequestStop(string.Create(CultureInfo.InvariantCulture,
                $"{MonitorName} did not improve on {Best?.ToString("G6", CultureInfo.InvariantCulture) ?? "NaN"} (epoch {BestEpoch?.ToString(CultureInfo.InvariantCulture) ?? "-"}) for {_wait} epoch(s)"));
        }
    }

    public override void OnTrainEnd(TrainingContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_bestWeights is null) return;
        using (no_grad())
        {
            foreach (var (name, tensor) in context.Model.state_dict()) tensor.copy_(_bestWeights[name]);
        }
        context.ReportWeightsRestored(_snapshotEpoch);
        ReleaseSnapshot();
    }

    /// <summary>The patience count, the best value and epoch, and the best epoch's weights (with restore_best_weights).</summary>
    public override void SaveState(CheckpointState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.Set("wait", _wait);
        state.Set("best", Best);
        state.Set("best_epoch", BestEpoch);
        state.Set("stopped_epoch", StoppedEpoch);
        state.Set("has_snapshot", _bestWeights is not null);
        state.Set("snapshot_epoch", _snapshotEpoch);
        if (_bestWeights is null) return;
        foreach (var (name, tensor) in _bestWeights) state.SetTensor(BestWeightsPrefix + name, tensor);
    }

    public override void RestoreState(CheckpointState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        _wait = state.GetInt32("wait") ?? 0;
        Best = state.GetDouble("best");
        BestEpoch = state.GetInt32("best_epoch");
        StoppedEpoch = state.GetInt32("stopped_epoch");
        _snapshotEpoch = state.GetInt32("snapshot_epoch") ?? 0;
        ReleaseSnapshot();
        if (!state.GetBool("has_snapshot")) return;
        using (no_grad())
        {
            _bestWeights = state.TensorsUnder(BestWeightsPrefix).ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());
        }
    }

    private const string BestWeightsPrefix = "best_weights/";

    // Keras (which takes |min_delta|): improvement means monitor - min_delta > best (max) or monitor + min_delta < best (min); NaN never improves.
    private double AbsoluteMinDelta => Math.Abs(_spec.MinDelta);

    private bool IsImprovement(double current) => Best is not { } best
        ? !double.IsNaN(current)
        : _maximize ? current - AbsoluteMinDelta > best : current + AbsoluteMinDelta < best;

    private void Snapshot(TrainingContext context, int epoch)
    {
        ReleaseSnapshot();
        using (no_grad())
        {
            // Detached from any dispose scope: the copies live across epochs until restored or replaced.
            _bestWeights = context.Model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());
        }
        _snapshotEpoch = epoch;
    }

    private void ReleaseSnapshot()
    {
        if (_bestWeights is null) return;
        foreach (var tensor in _bestWeights.Values) tensor.Dispose();
        _bestWeights = null;
    }
}
