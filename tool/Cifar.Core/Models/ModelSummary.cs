namespace Cifar.Models;

/// <summary>One row of a Keras-style model.summary(): layer name and type, output shape without the batch axis.</summary>
/// <param name="OutputShape">e.g. [32, 30, 30] for channels, height, width; [64] for a dense layer.</param>
public sealed record LayerSummary(string Name, string Type, IReadOnlyList<int> OutputShape, long Parameters, bool Trainable);

/// <summary>The model summary: per-layer rows and totals (trainable + frozen = total).</summary>
public sealed record ModelSummary(IReadOnlyList<LayerSummary> Layers, long TrainableParameters, long TotalParameters)
{
    public long FrozenParameters => TotalParameters - TrainableParameters;
}
