using System.Globalization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Cifar.Training;

/// <summary>The fit's epoch-end checkpoints: what is saved and how a fit resumes from one.</summary>
public static partial class Trainer
{
    /// <summary>Saves the fit's whole state after <paramref name="epoch"/> (its callbacks' <c>OnEpochEnd</c> included).</summary>
    private static void SaveCheckpoint(
        ICheckpointStore store, int epoch, TrainingContext context, OptimizerHelper optimizer, Generator shuffleGenerator,
        IReadOnlyList<Callback> callbacks, ExponentialMovingAverage? average)
    {
        using var optimizerBytes = new MemoryStream();
        using (var writer = new BinaryWriter(optimizerBytes, System.Text.Encoding.UTF8, leaveOpen: true)) optimizer.save_state_dict(writer);
        using var defaultGenerator = Generator.Default.get_state();
        using var shuffle = shuffleGenerator.get_state();
        var callbackStates = new List<KeyValuePair<string, CheckpointState>>(callbacks.Count);
        foreach (var (name, callback) in CheckpointNames(callbacks))
        {
            var state = new CheckpointState();
            callback.SaveState(state);
            callbackStates.Add(new(name, state));
        }
        if (average is not null)
        {
            var state = new CheckpointState();
            average.SaveState(state);
            callbackStates.Add(new(AverageStateName, state));
        }
        using var checkpoint = new TrainingCheckpoint(
            context.Phase, context.FirstEpoch, context.LastEpoch, epoch, context.StopRequested, context.StopReason,
            [.. context.Epochs], [.. context.Model.state_dict()], optimizerBytes.ToArray(), defaultGenerator, shuffle,
            callbackStates, ownsTensors: false);
        store.Save(checkpoint);
    }

    /// <summary>Puts the fit back where <paramref name="checkpoint"/> left it; returns the last epoch it had finished.</summary>
    /// <exception cref="InvalidDataException">The checkpoint is of another fit; checked before the model, optimizer or
    /// generators change, and the callbacks are reset, so the fit can start afresh.</exception>
    private static int Resume(
        TrainingCheckpoint checkpoint, TrainingContext context, OptimizerHelper optimizer, Generator shuffleGenerator,
        IReadOnlyList<Callback> callbacks, ExponentialMovingAverage? average)
    {
        if (checkpoint.Phase != context.Phase || checkpoint.FirstEpoch != context.FirstEpoch || checkpoint.LastEpoch != context.LastEpoch
            || checkpoint.Epoch < checkpoint.FirstEpoch || checkpoint.Epoch > checkpoint.LastEpoch
            || checkpoint.Epochs.Count != checkpoint.Epoch - checkpoint.FirstEpoch + 1)
        {
            throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                $"checkpoint of {checkpoint.Phase} epochs {checkpoint.FirstEpoch}-{checkpoint.LastEpoch} (at {checkpoint.Epoch}) does not fit {context.Phase} epochs {context.FirstEpoch}-{context.LastEpoch}"));
        }
        var weights = context.Model.state_dict();
        var saved = checkpoint.Weights.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        if (saved.Count != weights.Count || weights.Any(kv => !saved.TryGetValue(kv.Key, out var t) || t.dtype != kv.Value.dtype || !t.shape.SequenceEqual(kv.Value.shape)))
            throw new InvalidDataException("checkpoint weights do not match the model's state dict");
        var names = CheckpointNames(callbacks).ToList();
        var states = checkpoint.Callbacks.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        if (states.Count != names.Count + (average is null ? 0 : 1) || names.Any(n => !states.ContainsKey(n.Name))
            || (average is not null && !states.ContainsKey(AverageStateName)))
        {
            throw new InvalidDataException("checkpoint callbacks do not match this fit's");
        }

        try
        {
            foreach (var (name, callback) in names) callback.RestoreState(states[name]);
            average?.RestoreState(states[AverageStateName]);
        }
        catch (Exception e) when (e is InvalidDataException or OverflowException or KeyNotFoundException)
        {
            // Back to the fresh state the fit would start from, then the caller starts afresh.
            foreach (var callback in callbacks) callback.OnTrainBegin(context);
            throw new InvalidDataException($"checkpoint callback state does not fit: {e.Message}", e);
        }

        // Nothing below can meet a checkpoint of another fit: the checks above passed.
        using (var reader = new BinaryReader(new MemoryStream(checkpoint.OptimizerState))) optimizer.load_state_dict(reader);
        using (no_grad())
        {
            foreach (var (name, tensor) in weights) tensor.copy_(saved[name]);
        }
        Generator.Default.set_state(checkpoint.DefaultGeneratorState);
        shuffleGenerator.set_state(checkpoint.ShuffleGeneratorState);
        context.Restore(checkpoint.Epochs, checkpoint.StopRequested, checkpoint.StopReason);
        return checkpoint.Epoch;
    }

    /// <summary>The moving average's entry among the callbacks' states ('$' keeps it apart from any callback's type name).</summary>
    private const string AverageStateName = "$ExponentialMovingAverage";

    /// <summary>Each callback with its unique checkpoint name: repeats of a name get #2, #3, ...</summary>
    private static IEnumerable<(string Name, Callback Callback)> CheckpointNames(IReadOnlyList<Callback> callbacks)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var callback in callbacks)
        {
            var name = callback.CheckpointName;
            var count = seen[name] = seen.GetValueOrDefault(name) + 1;
            yield return (count == 1 ? name : string.Create(CultureInfo.InvariantCulture, $"{name}#{count}"), callback);
        }
    }
}
