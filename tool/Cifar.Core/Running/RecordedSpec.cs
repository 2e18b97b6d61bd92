using Cifar.Data;
using Cifar.Reproducibility;
using Cifar.Specs;

namespace Cifar.Running;

/// <summary>
/// A spec as its report folder records it: the text copied to spec.yaml and the <c>spec_sha256</c> of metrics.json and
/// manifest.json. The one definition the runner writes and the sweep compares against, so a cell's "already complete"
/// check can never drift from what the run recorded.
/// </summary>
public static class RecordedSpec
{
    /// <summary>The spec's text with credentials in URLs hidden (<see cref="UrlRedaction"/>): what spec.yaml holds.</summary>
    public static string Text(ExperimentSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return UrlRedaction.Redact(spec.SourceText);
    }

    /// <summary>SHA-256 (lowercase hex) of <see cref="Text"/>'s UTF-8 bytes: the report's <c>spec_sha256</c>.</summary>
    public static string Sha256(ExperimentSpec spec) => Hashing.Sha256Hex(Text(spec));
}
