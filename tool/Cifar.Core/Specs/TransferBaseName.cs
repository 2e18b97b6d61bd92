namespace Cifar.Specs;

/// <summary>
/// What spec validation knows of a transfer base: the names a spec may write in <c>model.base</c> and how many stages
/// <c>trainable_layers</c> can unfreeze. The bases themselves (architecture, weights, normalisation) are the Models
/// catalogue (<c>Cifar.Models.Transfer.TransferBases</c>), which hands these to <see cref="SpecLoader"/>: specs depend on
/// nothing else of the tool, and the names live only in the catalogue.
/// </summary>
/// <param name="Name">The spec's spelling (lowercase, matched exactly); <see cref="TransferModelSpec.Base"/> holds it.</param>
/// <param name="KerasAlias">Keras' application name, accepted too; both match in any letter case.</param>
/// <param name="StageCount">The most top stages <c>trainable_layers</c> and <c>fine_tune.trainable_layers</c> can unfreeze.</param>
public sealed record TransferBaseName(string Name, string KerasAlias, int StageCount);
