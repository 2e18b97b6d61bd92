using Cifar.Augmentation;
using Cifar.Specs;
using static TorchSharp.torch;

namespace Cifar.Training;

/// <summary>How <see cref="Trainer.Fit"/> trains: Keras' fit arguments plus the seed every random source derives from.</summary>
/// <param name="Epochs">Epochs to run in this fit (not Keras' absolute epoch index; see <see cref="EpochOffset"/>).</param>
/// <param name="Seed">The spec's seed: seeds the per-epoch shuffle and torch's default generator (dropout).</param>
public sealed record FitOptions(int Epochs, int BatchSize, OptimizerSpec Optimizer, int Seed)
{
    /// <summary>"train", or "fine_tune" for a transfer model's second phase; written into every <see cref="EpochLog"/>.</summary>
    public string Phase { get; init; } = "train";

    /// <summary>Epochs already run by an earlier phase: this fit's epochs are numbered EpochOffset + 1 onwards.</summary>
    public int EpochOffset { get; init; }

    /// <summary>Applied to every batch of inputs (training and validation) before the model, e.g. a resize to 224x224.</summary>
    public Func<Tensor, Tensor>? InputTransform { get; init; }

    /// <summary>Augments every training batch (uint8 pixels, before <see cref="InputTransform"/>) and, for mixup or
    /// cutmix, mixes it after; never validation batches. Null: no augmentation.</summary>
    public ImageAugmenter? Augmentation { get; init; }

    /// <summary>The learning rate of every optimizer step as a factor of <see cref="OptimizerSpec.LearningRate"/>; null
    /// keeps it constant.</summary>
    public LearningRateScheduleSpec? LearningRateSchedule { get; init; }

    /// <summary>Keras' label_smoothing of the training loss, in [0, 1); the validation loss is always plain cross-entropy.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Keeps an <see cref="ExponentialMovingAverage"/> of the weights and puts it into the model for every
    /// validation pass and epoch-end callback, and at the end of the fit; null trains and validates the raw weights.</summary>
    public EmaSpec? Ema { get; init; }

    /// <summary>Where the fit saves a checkpoint at every epoch end and, if one of its phase is there, resumes from it;
    /// null keeps none. See <see cref="TrainingCheckpoint"/>.</summary>
    public ICheckpointStore? Checkpoints { get; init; }

    /// <summary>Run in order at every hook, as Keras' <c>callbacks</c>; early stopping and progress reporting are callbacks.</summary>
    public IReadOnlyList<Callback> Callbacks { get; init; } = [];
}

/// <summary>What <see cref="Trainer.Fit"/> learns from or validates on: N examples and their N class labels.</summary>
/// <param name="Inputs">Where each batch's inputs come from: an in-memory tensor (see the other constructor) or rows
/// read from disk batch by batch (<see cref="IExampleRows"/>).</param>
/// <param name="Labels">Class indices [N], any integer type (converted to int64 once).</param>
public sealed record LabeledExamples(IExampleRows Inputs, Tensor Labels)
{
    /// <param name="inputs">float32 [N, C, H, W] images, or [N, F] features for a transfer head; any rank with N first,
    /// and any dtype (e.g. uint8 pixels) that <see cref="FitOptions.InputTransform"/> turns into the model's input.</param>
    /// <param name="labels">Class indices [N].</param>
    public LabeledExamples(Tensor inputs, Tensor labels) : this(new TensorRows(inputs), labels)
    {
    }
}

/// <summary>N examples' inputs that batches are taken from, without requiring all of them in memory.</summary>
public interface IExampleRows
{
    /// <summary>N.</summary>
    long Count { get; }

    /// <summary>The rows at <paramref name="indices"/> (int64 [k]), in that order, as a tensor in the caller's dispose scope.</summary>
    Tensor Gather(Tensor indices);

    /// <summary>Rows [start, start + count), as a tensor in the caller's dispose scope (it may be a view).</summary>
    Tensor Slice(long start, long count);
}

/// <summary>Rows of an in-memory tensor (N first).</summary>
public sealed class TensorRows(Tensor inputs) : IExampleRows
{
    public Tensor Tensor { get; } = inputs ?? throw new ArgumentNullException(nameof(inputs));

    public long Count => Tensor.dim() < 1 ? 0 : Tensor.shape[0];

    public Tensor Gather(Tensor indices) => Tensor.index_select(0, indices);

    public Tensor Slice(long start, long count) => Tensor.narrow(0, start, count);
}
