using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace Cifar.Training;

/// <summary>
/// An exponential moving average of a model's weights (Polyak averaging), as Keras' optimizers keep it with
/// <c>use_ema=True</c>: after every optimizer step, average = decay * average + (1 - decay) * weights, except that the
/// first update takes the weights as they are (Keras' <c>_update_model_variables_moving_average</c> uses momentum 0
/// while <c>iterations</c> is 0), so the average never mixes in the random initialisation.
/// </summary>
/// <remarks>
/// <para>Averaged: every parameter that trains, and every floating-point buffer, i.e. batch normalization's running mean
/// and variance. A running statistic belongs to the weights it was measured with; averaged with the same decay, it
/// follows the averaged weights, whereas the live model's statistics describe the live weights, which can be far from
/// the average while the learning rate is high. timm's ModelEmaV2/V3 average the whole state dict for this reason, and
/// PyTorch's AveragedModel does with <c>use_buffers=True</c> (with its default <c>False</c> its buffers are not kept at
/// all, and <c>update_bn</c> must recompute them with an extra pass over the training data). Frozen parameters never
/// change, so their average is themselves: they are left out. Integer buffers (batch normalization's
/// <c>num_batches_tracked</c>) are counters, not statistics: the model's own stay.</para>
/// <para>The average is swapped into the model in place (<see cref="UseAverage"/>) and out again
/// (<see cref="UseLiveWeights"/>), as Keras' SwapEMAWeights callback does, so it costs two copies of the averaged tensors
/// and no second model. Every update and swap is an in-place tensor operation without gradients.</para>
/// </remarks>
public sealed class ExponentialMovingAverage : IDisposable
{
    private readonly Tracked[] _tracked;
    private bool _averageInModel;
    private bool _disposed;

    /// <param name="model">The model whose weights are averaged; its tensors are read and written in place.</param>
    /// <param name="decay">In (0, 1); Keras' ema_momentum.</param>
    public ExponentialMovingAverage(nn.Module<Tensor, Tensor> model, double decay)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!(decay > 0 && decay < 1))
            throw new ArgumentOutOfRangeException(nameof(decay), decay, "The decay of a moving average must be in (0, 1).");
        Decay = decay;
        using var noGrad = no_grad();
        var live = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, (Tensor)p.parameter))
            .Concat(model.named_buffers().Where(b => b.buffer.is_floating_point()).Select(b => (b.name, b.buffer)));
        // Detached from any dispose scope: the copies live as long as this object.
        _tracked = [.. live.Select(t => new Tracked(t.name, t.Item2,
            t.Item2.detach().clone().DetachFromDisposeScope(), empty_like(t.Item2).DetachFromDisposeScope()))];
    }

    public double Decay { get; }

    /// <summary>Optimizer steps folded into the average so far.</summary>
    public long Updates { get; private set; }

    /// <summary>State-dict names of the averaged tensors, in the model's order.</summary>
    public IReadOnlyList<string> AveragedNames => [.. _tracked.Select(t => t.Name)];

    /// <summary>Folds the model's current weights into the average; call after every optimizer step, with the live
    /// weights in the model.</summary>
    public void Update()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_averageInModel) throw new InvalidOperationException("The model holds the average, not the live weights: call UseLiveWeights before training on.");
        using var noGrad = no_grad();
        // Scalars held by `using` across the native calls: a temporary one can be finalized by a collection on
        // another thread while libtorch reads it (see HeldScalarOptimizers.cs).
        using var decay = Decay.ToScalar();
        using var rest = (1 - Decay).ToScalar();
        foreach (var t in _tracked)
        {
            if (Updates == 0) t.Average.copy_(t.Live);
            else t.Average.mul_(decay).add_(t.Live, rest);
        }
        Updates++;
    }

    /// <summary>Puts the average into the model and keeps the live weights aside; does nothing if it is already there.</summary>
    public void UseAverage()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_averageInModel) return;
        using var noGrad = no_grad();
        foreach (var t in _tracked)
        {
            t.Stash.copy_(t.Live);
            t.Live.copy_(t.Average);
        }
        _averageInModel = true;
    }

    /// <summary>Puts the live weights back into the model (the optimizer's state belongs to them); does nothing if they
    /// are already there.</summary>
    public void UseLiveWeights()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_averageInModel) return;
        using var noGrad = no_grad();
        foreach (var t in _tracked) t.Live.copy_(t.Stash);
        _averageInModel = false;
    }

    /// <summary>Writes the average, the live weights kept aside and the update count into an epoch-end checkpoint.</summary>
    internal void SaveState(CheckpointState state)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        state.Set("decay", Decay);
        state.Set("updates", Updates);
        state.Set("average_in_model", _averageInModel);
        foreach (var t in _tracked)
        {
            state.SetTensor("average/" + t.Name, t.Average);
            state.SetTensor("stash/" + t.Name, t.Stash);
        }
    }

    /// <summary>Takes back what <see cref="SaveState"/> wrote; the model's own tensors come from the checkpoint's weights.</summary>
    /// <exception cref="InvalidDataException">The state is of another average (decay, names or shapes differ).</exception>
    internal void RestoreState(CheckpointState state)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (state.GetDouble("decay") != Decay)
            throw new InvalidDataException("the checkpoint's moving average has another decay");
        var averages = state.TensorsUnder("average/");
        var stashes = state.TensorsUnder("stash/");
        if (averages.Count != _tracked.Length || stashes.Count != _tracked.Length
            || _tracked.Any(t => !averages.TryGetValue(t.Name, out var a) || !a.shape.SequenceEqual(t.Average.shape) || a.dtype != t.Average.dtype
                || !stashes.TryGetValue(t.Name, out var b) || !b.shape.SequenceEqual(t.Stash.shape) || b.dtype != t.Stash.dtype))
        {
            throw new InvalidDataException("the checkpoint's moving average does not match the model's weights");
        }
        var updates = state.GetLong("updates") ?? throw new InvalidDataException("the checkpoint's moving average has no update count");
        var averageInModel = state.GetBool("average_in_model");
        using var noGrad = no_grad();
        foreach (var t in _tracked)
        {
            t.Average.copy_(averages[t.Name]);
            t.Stash.copy_(stashes[t.Name]);
        }
        Updates = updates;
        _averageInModel = averageInModel;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"EMA (decay {Decay}, {Updates} updates)");

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in _tracked)
        {
            t.Average.Dispose();
            t.Stash.Dispose();
        }
    }

    /// <param name="Live">The model's own tensor (not owned here).</param>
    /// <param name="Average">The moving average.</param>
    /// <param name="Stash">The live values while the average is in the model.</param>
    private sealed record Tracked(string Name, Tensor Live, Tensor Average, Tensor Stash);
}
