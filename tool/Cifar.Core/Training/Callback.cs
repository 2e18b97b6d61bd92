namespace Cifar.Training;

/// <summary>Running means over the epoch's training batches so far (weighted by batch size).</summary>
/// <param name="Samples">Training examples seen so far in this epoch.</param>
public sealed record BatchLogs(double Loss, double Accuracy, long Samples);

/// <summary>
/// Keras' callback: hooks the training loop calls, each doing nothing unless overridden. A callback that wants training
/// to end calls <see cref="TrainingContext.RequestStop"/>; the loop finishes the epoch's hooks and then stops.
/// Callbacks run in list order at every hook.
/// </summary>
public abstract class Callback
{
    /// <summary>Before the first epoch of a <see cref="Trainer.Fit"/> call. Reset any state here: a callback may be reused.</summary>
    public virtual void OnTrainBegin(TrainingContext context) { }

    /// <param name="epoch">1-based, counted across phases (see <see cref="FitOptions.EpochOffset"/>).</param>
    public virtual void OnEpochBegin(TrainingContext context, int epoch) { }

    /// <summary>After each optimisation step.</summary>
    /// <param name="batch">1-based number of the batch just finished; equals <paramref name="batchCount"/> on the epoch's last one.</param>
    public virtual void OnBatchEnd(TrainingContext context, int batch, int batchCount, BatchLogs logs) { }

    /// <summary>After the epoch's validation pass; the log is already in <see cref="TrainingContext.Epochs"/>.</summary>
    public virtual void OnEpochEnd(TrainingContext context, EpochLog log) { }

    /// <summary>After the last epoch, whether it ran all epochs or stopped early (not after an exception).</summary>
    public virtual void OnTrainEnd(TrainingContext context) { }

    /// <summary>The name this callback's state has in a checkpoint; the loop adds <c>#2</c>, <c>#3</c> to repeats of a name.</summary>
    public virtual string CheckpointName => GetType().Name;

    /// <summary>
    /// At every epoch end, after <see cref="OnEpochEnd"/>: adds whatever this callback needs to go on after a resume
    /// (counters, best values, tensors such as saved weights) to <paramref name="state"/>. Stateless callbacks keep
    /// the default, which adds nothing.
    /// </summary>
    public virtual void SaveState(CheckpointState state) { }

    /// <summary>
    /// When a fit resumes from a checkpoint, after <see cref="OnTrainBegin"/>: puts back what <see cref="SaveState"/>
    /// saved. The state's tensors are disposed after this returns: clone those to keep.
    /// </summary>
    public virtual void RestoreState(CheckpointState state) { }
}
