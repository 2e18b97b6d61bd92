using static TorchSharp.torch;

namespace Cifar.Training;

/// <summary>
/// Everything a fit needs to go on after epoch <see cref="Epoch"/> as if it had never stopped: the model's state dict
/// (parameters and batch-norm statistics), the optimizer's state (SGD momentum buffers, Adam/AdamW moments and step
/// counts), the positions of the two random streams the loop draws from (torch's default generator, used by dropout,
/// and the shuffle generator), the epochs so far, whether a callback asked to stop, and each callback's own state.
/// The learning-rate schedule and the augmentation draws need nothing: both are pure functions of the seed, the epoch
/// and the step.
/// </summary>
/// <remarks>A checkpoint read from disk owns its tensors (dispose it); one made for saving only borrows the fit's.</remarks>
public sealed class TrainingCheckpoint : IDisposable
{
    private readonly bool _ownsTensors;

    internal TrainingCheckpoint(
        string phase, int firstEpoch, int lastEpoch, int epoch, bool stopRequested, string? stopReason,
        IReadOnlyList<EpochLog> epochs, IReadOnlyList<KeyValuePair<string, Tensor>> weights, byte[] optimizerState,
        Tensor defaultGeneratorState, Tensor shuffleGeneratorState, IReadOnlyList<KeyValuePair<string, CheckpointState>> callbacks,
        bool ownsTensors)
    {
        (Phase, FirstEpoch, LastEpoch, Epoch, StopRequested, StopReason) = (phase, firstEpoch, lastEpoch, epoch, stopRequested, stopReason);
        (Epochs, Weights, OptimizerState, DefaultGeneratorState, ShuffleGeneratorState, Callbacks) =
            (epochs, weights, optimizerState, defaultGeneratorState, shuffleGeneratorState, callbacks);
        _ownsTensors = ownsTensors;
    }

    /// <summary>The fit's phase: "train", or "fine_tune" for a transfer model's second phase.</summary>
    public string Phase { get; }

    /// <summary>The fit's first and last planned epochs (1-based, across phases): a checkpoint of another plan is not used.</summary>
    public int FirstEpoch { get; }

    public int LastEpoch { get; }

    /// <summary>The last epoch finished (its validation and callbacks included).</summary>
    public int Epoch { get; }

    /// <summary>A callback asked to stop at <see cref="Epoch"/>: the fit resumes straight into its end.</summary>
    public bool StopRequested { get; }

    public string? StopReason { get; }

    /// <summary>This fit's epochs so far, <see cref="FirstEpoch"/> to <see cref="Epoch"/>.</summary>
    public IReadOnlyList<EpochLog> Epochs { get; }

    /// <summary>The model's state dict, in its order.</summary>
    public IReadOnlyList<KeyValuePair<string, Tensor>> Weights { get; }

    /// <summary>TorchSharp's own serialisation of the optimizer (<c>save_state_dict</c>): type, groups' options, per-parameter state.</summary>
    public byte[] OptimizerState { get; }

    /// <summary><c>torch.Generator.Default.get_state()</c>: the stream dropout draws from.</summary>
    public Tensor DefaultGeneratorState { get; }

    /// <summary>The state of the generator of the per-epoch shuffles.</summary>
    public Tensor ShuffleGeneratorState { get; }

    /// <summary>Each callback's state under its checkpoint name (see <see cref="Callback.CheckpointName"/>).</summary>
    public IReadOnlyList<KeyValuePair<string, CheckpointState>> Callbacks { get; }

    public void Dispose()
    {
        if (!_ownsTensors) return;
        foreach (var (_, tensor) in Weights) tensor.Dispose();
        DefaultGeneratorState.Dispose();
        ShuffleGeneratorState.Dispose();
        foreach (var (_, state) in Callbacks) state.DisposeTensors();
    }
}

/// <summary>Where a fit keeps its epoch-end checkpoints; see the run's implementation in <c>Running/RunCheckpoints</c>.</summary>
public interface ICheckpointStore
{
    /// <summary>The checkpoint of <paramref name="phase"/> to resume from, or null to start afresh. A file that cannot be
    /// used (damaged, of another run) is ignored, with a warning, never an exception.</summary>
    TrainingCheckpoint? TryLoad(string phase);

    /// <summary>Replaces the checkpoint of <paramref name="checkpoint"/>'s phase, atomically: a kill at any moment leaves the
    /// previous checkpoint or this one, whole.</summary>
    void Save(TrainingCheckpoint checkpoint);

    /// <summary>The fit has resumed from <paramref name="checkpoint"/> (for example, to say so).</summary>
    void Resumed(TrainingCheckpoint checkpoint);

    /// <summary>A checkpoint <see cref="TryLoad"/> returned does not fit this fit (another model or plan): the fit starts
    /// afresh and will replace it.</summary>
    void Rejected(string phase, string reason);
}
