using System.Text.Json.Serialization;

namespace Cifar.Reports.Files;

/// <summary>
/// manifest.json: what a report folder was made from and with, and the SHA-256 of every other file in it, so the
/// folder can be checked for changes (<c>dotnet cifar verify --manifest-only</c>) and rerun under the same recorded
/// conditions (<c>dotnet cifar verify</c>). Written last, over the other files' bytes. Rerunning a spec under the same
/// conditions gives the same manifest except for the hashes of timing.json and of the reports (their timing sections).
/// </summary>
/// <param name="Format">Always <see cref="ReportFiles.ManifestFormat"/>; readers check it.</param>
/// <param name="Name">The experiment's name.</param>
/// <param name="SpecSha256">SHA-256 of spec.yaml's bytes, as in metrics.json.</param>
/// <param name="Templates">Each report template used, by output file (<c>report.md</c>, <c>report.html</c>).</param>
/// <param name="Files">SHA-256 of every other file of the folder, by path relative to it ('/'-separated), sorted.</param>
public sealed record ManifestFile(
    string Format,
    string Name,
    string SpecSha256,
    ManifestDataset Dataset,
    ManifestWeights? Weights,
    IReadOnlyDictionary<string, ManifestTemplate> Templates,
    ManifestEnvironment Environment,
    IReadOnlyDictionary<string, string> Files);

/// <summary>The dataset as the run read it.</summary>
/// <param name="Source">The URL or path it was (or would have been) downloaded from, credentials hidden.</param>
/// <param name="Sha256">The content hash: SHA-256 of the batch files' MD5 list in md5sum's format.</param>
/// <param name="FileXxh128">XxHash128 of each batch file as loaded, by file name.</param>
public sealed record ManifestDataset(string Name, string Source, string Sha256, IReadOnlyDictionary<string, string> FileXxh128);

/// <summary>A transfer base's pretrained weights.</summary>
/// <param name="Sha256">SHA-256 of the weights file (of the initial parameters for a random initialisation); null if unknown.</param>
public sealed record ManifestWeights(string Description, string? Sha256);

/// <summary>A report template.</summary>
/// <param name="Template">Its file name, e.g. <c>report.md.scriban</c>.</param>
/// <param name="BuiltIn">True for the template embedded in the tool; false for a user's own (<c>--templates</c>).</param>
/// <param name="Sha256">SHA-256 of its text with "\n" line ends (how it is rendered, whatever the checkout did).</param>
public sealed record ManifestTemplate(string Template, bool BuiltIn, string Sha256);

/// <summary>The conditions a rerun must match to repeat the run bit for bit (see <see cref="Cifar.Reproducibility.EnvironmentInfo"/>).</summary>
/// <param name="Threads">libtorch's intra-op threads: <c>verify</c> reruns with this count.</param>
/// <param name="CpuDispatchOverrides">Set environment variables that change libtorch's CPU code paths, by name.</param>
public sealed record ManifestEnvironment(
    string ToolVersion,
    string? GitCommit,
    string Runtime,
    [property: JsonPropertyName("torchsharp")] string TorchSharp,
    [property: JsonPropertyName("libtorch")] string LibTorch,
    [property: JsonPropertyName("onnxruntime")] string OnnxRuntime,
    string OperatingSystem,
    ManifestCpu Cpu,
    int LogicalCores,
    int Threads,
    IReadOnlyDictionary<string, string> CpuDispatchOverrides)
{
    /// <summary>The spec's <c>determinism</c> level in force (<c>fast</c> or <c>portable</c>); manifests written before the level existed were fast.</summary>
    public string Determinism { get; init; } = "fast";
}

/// <summary>The CPU (see <see cref="Cifar.Reproducibility.CpuInfo"/>).</summary>
/// <param name="InstructionSets">The dispatch-relevant instruction sets the CPU has.</param>
public sealed record ManifestCpu(string Model, string? Vendor, int? Family, int? ModelNumber, int? Stepping, IReadOnlyList<string> InstructionSets);
