using static TorchSharp.torch;

namespace Cifar.Training;

/// <summary>
/// What one callback keeps in an epoch-end checkpoint: named numbers, flags, texts and tensors. A callback fills it in
/// <see cref="Callback.SaveState"/> and reads it back in <see cref="Callback.RestoreState"/>, so a resumed fit goes on
/// exactly as the interrupted one would have (early stopping's patience count and best weights, for example).
/// </summary>
/// <remarks>
/// Saving, the tensors are the callback's own and are only read; restoring, they belong to the checkpoint and are
/// disposed with it, so a callback that keeps one clones it. A value the callback asks for that is missing or of another
/// kind throws <see cref="InvalidDataException"/>: the checkpoint is not the one this callback wrote.
/// </remarks>
public sealed class CheckpointState
{
    private readonly SortedDictionary<string, object?> _values = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, Tensor> _tensors = new(StringComparer.Ordinal);

    /// <summary>Names and values in name order (each a double, long, bool, string or null).</summary>
    public IEnumerable<KeyValuePair<string, object?>> Values => _values;

    /// <summary>Names and tensors in name order.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> Tensors => _tensors;

    public void Set(string name, double? value) => Put(name, value);

    public void Set(string name, long? value) => Put(name, value);

    public void Set(string name, bool value) => Put(name, value);

    public void Set(string name, string? value) => Put(name, value);

    /// <summary>Keeps <paramref name="tensor"/> under <paramref name="name"/>; it is read when the checkpoint is written.</summary>
    public void SetTensor(string name, Tensor tensor)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(tensor);
        _tensors[name] = tensor;
    }

    public double? GetDouble(string name) => Get<double>(name);

    public long? GetLong(string name) => Get<long>(name);

    public int? GetInt32(string name) => Get<long>(name) is { } value
        ? checked((int)value)
        : null;

    public bool GetBool(string name) => Get<bool>(name) ?? throw Missing(name, "a flag");

    public string? GetString(string name) => _values.TryGetValue(name, out var value)
        ? value switch
        {
            null => null,
            string text => text,
            _ => throw Missing(name, "a text"),
        }
        : throw Missing(name, "a text");

    /// <summary>The tensors whose names start with <paramref name="prefix"/>, with the prefix removed.</summary>
    public IReadOnlyDictionary<string, Tensor> TensorsUnder(string prefix) => _tensors
        .Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
        .ToDictionary(kv => kv.Key[prefix.Length..], kv => kv.Value, StringComparer.Ordinal);

    internal void PutRaw(string name, object? value) => _values[name] = value;

    internal void PutTensor(string name, Tensor tensor) => _tensors[name] = tensor;

    /// <summary>Disposes the tensors a loaded checkpoint holds (never call on a state being saved: those are the callback's).</summary>
    internal void DisposeTensors()
    {
        foreach (var tensor in _tensors.Values) tensor.Dispose();
        _tensors.Clear();
    }

    private void Put(string name, object? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _values[name] = value;
    }

    private T? Get<T>(string name) where T : struct => _values.TryGetValue(name, out var value)
        ? value switch
        {
            null => null,
            T typed => typed,
            _ => throw Missing(name, typeof(T).Name),
        }
        : throw Missing(name, typeof(T).Name);

    private static InvalidDataException Missing(string name, string kind) =>
        new($"checkpoint state has no {kind} named '{name}'");
}
