using Cifar.Models.Transfer;
using Cifar.Specs;

namespace Cifar.Running;

/// <summary>
/// This tool's spec loader: <see cref="SpecLoader"/> told the transfer bases of the Models catalogue. It is wired
/// here, above both, because spec validation depends on nothing else of the tool and the catalogue depends on specs.
/// </summary>
public static class ExperimentSpecs
{
    /// <summary>Loads and validates specs naming the bases of <see cref="TransferBases"/>.</summary>
    public static SpecLoader Loader { get; } = new(TransferBases.SpecNames);
}
