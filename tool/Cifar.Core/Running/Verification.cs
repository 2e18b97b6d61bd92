using System.Globalization;
using System.Text;
using Cifar.Data;
using Cifar.Reports.Files;
using Cifar.Reproducibility;
using Cifar.Specs;

namespace Cifar.Running;

/// <summary>What <c>dotnet cifar verify</c> found for one report folder.</summary>
public enum VerificationVerdict
{
    /// <summary>The folder matches its manifest (and, with a rerun, the rerun reproduced it byte for byte).</summary>
    Identical,

    /// <summary>A file changed since the manifest was written, or the rerun made different bytes.</summary>
    Differs,

    /// <summary>The folder cannot be checked: no manifest or spec, a spec this tool no longer accepts, no dataset, ...</summary>
    CannotVerify,
}

/// <summary>The verdict on one folder, with one line per finding.</summary>
/// <param name="Folder">The folder as given.</param>
/// <param name="Summary">One line: what was compared and the outcome, or why the folder cannot be verified.</param>
/// <param name="Details">Each differing file with its first difference, then the recorded conditions that differ now.</param>
public sealed record VerificationResult(string Folder, VerificationVerdict Verdict, string Summary, IReadOnlyList<string> Details);

/// <summary>Settings of <c>dotnet cifar verify</c> that the folder does not record.</summary>
/// <param name="CacheDir">As <c>run --cache-dir</c>: where the dataset and weights are (or are downloaded to).</param>
/// <param name="TemplatesFolder">As <c>run --templates</c>, for a report made with the user's own templates.</param>
public sealed record VerifyOptions(string? CacheDir = null, string? TemplatesFolder = null);

/// <summary>
/// Checks a report folder (<c>dotnet cifar verify</c>): against its manifest.json (every file's SHA-256; fast, no
/// training), or by rerunning the spec it keeps under the recorded thread count into a temporary folder and comparing
/// the files a rerun repeats byte for byte (<see cref="ReportFiles.Deterministic"/>, and the reports outside their
/// timing section). The verified folder is only read. A mismatch names each file and its first differing value, and
/// which recorded conditions (tool version, CPU, threads, libtorch, ...) differ now, so the user can tell an expected
/// mismatch from a real one.
/// </summary>
public sealed class Verification(VerifyOptions options, IRunObserver observer)
{
    private readonly Cifar10Download? _download;

    /// <summary>For tests: reruns read generated archives (their own md5 list and batch size).</summary>
    internal Verification(VerifyOptions options, IRunObserver observer, Cifar10Download download)
        : this(options, observer) => _download = download;

    /// <summary>Compares the folder's files with its manifest: missing, extra and changed files, each named.</summary>
    public static VerificationResult CheckManifest(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        try
        {
            var (manifest, findings) = Integrity(folder);
            return findings.Count == 0
                ? new(folder, VerificationVerdict.Identical,
                    string.Create(CultureInfo.InvariantCulture, $"identical: all {manifest.Files.Count} files match {ReportFiles.Manifest}"), [])
                : new(folder, VerificationVerdict.Differs, $"differs from its {ReportFiles.Manifest}", findings);
        }
        catch (CannotVerifyException e)
        {
            return new(folder, VerificationVerdict.CannotVerify, e.Message, e.Details);
        }
    }

    /// <summary>Reruns the folder's spec.yaml under the recorded thread count and compares what the rerun wrote.</summary>
    public VerificationResult Rerun(string folder, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        try
        {
            return RerunAndCompare(folder, cancellationToken);
        }
        catch (CannotVerifyException e)
        {
            return new(folder, VerificationVerdict.CannotVerify, e.Message, e.Details);
        }
    }

    private VerificationResult RerunAndCompare(string folder, CancellationToken cancellationToken)
    {
        var (recorded, findings) = Integrity(folder);
        var full = Path.GetFullPath(folder);
        var specPath = Path.Combine(full, ReportFiles.Spec);
        if (!File.Exists(specPath)) throw new CannotVerifyException($"cannot verify: no {ReportFiles.Spec} to rerun");

        ExperimentSpec spec;
        try
        {
            spec = ExperimentSpecs.Loader.Load(specPath);
        }
        catch (CifarUserException e)
        {
            throw new CannotVerifyException(
                $"cannot verify: its {ReportFiles.Spec} is not a valid spec for this tool (made with dotnet-cifar {recorded.Environment.ToolVersion})",
                e.Lines);
        }

        var temporary = Directory.CreateTempSubdirectory("cifar-verify-").FullName;
        try
        {
            // A fresh run from the first epoch: resuming an interrupted run's checkpoint would not check the spec's training.
            var run = new RunOptions(temporary, options.CacheDir, options.TemplatesFolder, recorded.Environment.Threads)
            {
                Checkpoints = CheckpointMode.None,
            };
            var runner = _download is null ? new ExperimentRunner(run, observer) : new ExperimentRunner(run, observer, _download);
            RunOutcome outcome;
            try
            {
                outcome = runner.Run(spec, cancellationToken);
            }
            catch (CifarUserException e)
            {
                throw new CannotVerifyException("cannot verify: the rerun failed", e.Lines);
            }

            var compared = new List<string>();
            foreach (var file in ReportFiles.Deterministic.Concat(ReportFiles.ReportsWithTiming))
            {
                var kept = Path.Combine(full, file);
                var again = Path.Combine(outcome.Folder, file);
                bool inFolder = File.Exists(kept), inRerun = File.Exists(again);
                if (!inFolder && !inRerun) continue;
                compared.Add(file);
                if (!inFolder) findings.Add($"{file}: not in the folder, but the rerun wrote one");
                else if (!inRerun) findings.Add($"{file}: in the folder, but the rerun wrote none");
                else if (Difference(file, File.ReadAllBytes(kept), File.ReadAllBytes(again)) is { } difference) findings.Add($"{file}: {difference}");
            }

            var now = ReportFileJson.ReadManifest(File.ReadAllText(Path.Combine(outcome.Folder, ReportFiles.Manifest)), "the rerun's manifest");
            var conditions = DifferingConditions(recorded, now);
            string threads = ThreadCount(recorded.Environment.Threads);
            if (findings.Count == 0)
            {
                return new(folder, VerificationVerdict.Identical,
                    $"identical: a rerun with {threads} reproduced {string.Join(", ", compared)} byte for byte (reports outside their timing section)",
                    []);
            }
            var details = new List<string>(findings);
            if (conditions.Count == 0)
            {
                details.Add("every recorded condition (tool version, git commit, CPU, threads, libtorch, dataset, weights, templates) is the same now: this difference is not expected");
            }
            else
            {
                details.Add("recorded conditions that differ now, which can explain the difference:");
                details.AddRange(conditions.Select(c => "  " + c));
            }
            return new(folder, VerificationVerdict.Differs, $"differs from a rerun with {threads}", details);
        }
        finally
        {
            try
            {
                Directory.Delete(temporary, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A leftover in the system's temporary folder; the verified folder was never written.
            }
        }
    }

    /// <summary>The folder's manifest and every way the folder's files differ from it (missing, extra, changed).</summary>
    private static (ManifestFile Manifest, List<string> Findings) Integrity(string folder)
    {
        var full = Path.GetFullPath(folder);
        if (!Directory.Exists(full)) throw new CannotVerifyException("cannot verify: no such folder");
        var manifestPath = Path.Combine(full, ReportFiles.Manifest);
        if (!File.Exists(manifestPath))
        {
            throw new CannotVerifyException(
                $"cannot verify: no {ReportFiles.Manifest} (the folder was written before reports had one, or it was removed); rerun its spec to get one");
        }

        ManifestFile manifest;
        try
        {
            manifest = ReportFileJson.ReadManifest(File.ReadAllText(manifestPath), ReportFiles.Manifest);
        }
        catch (CifarUserException e)
        {
            throw new CannotVerifyException("cannot verify: " + e.Message);
        }

        var onDisk = Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(full, path).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(path => path != ReportFiles.Manifest)
            .ToHashSet(StringComparer.Ordinal);
        var findings = new List<string>();
        foreach (var (file, sha256) in manifest.Files)
        {
            if (!onDisk.Contains(file))
            {
                findings.Add($"{file}: missing (listed in {ReportFiles.Manifest})");
                continue;
            }
            var actual = Hashing.Sha256HexOfFile(Path.Combine(full, file));
            if (actual != sha256) findings.Add($"{file}: changed since {ReportFiles.Manifest} was written (sha256 {sha256} recorded, {actual} now)");
        }
        foreach (var extra in onDisk.Where(f => !manifest.Files.ContainsKey(f)).Order(StringComparer.Ordinal))
            findings.Add($"{extra}: not in {ReportFiles.Manifest} (added since it was written)");
        return (manifest, findings);
    }

    /// <summary>The first difference, with a report's timing section left out of both sides.</summary>
    private static string? Difference(string file, byte[] kept, byte[] rerun)
    {
        if (!ReportFiles.ReportsWithTiming.Contains(file)) return FirstDifference.Of(file, kept, rerun);
        var a = WithoutTiming(Encoding.UTF8.GetString(kept));
        var b = WithoutTiming(Encoding.UTF8.GetString(rerun));
        return a == b ? null : FirstDifference.Text(a, b) + " (timing section left out)";
    }

    /// <summary>The text without what lies between the timing markers (the markers stay); unchanged without them.</summary>
    internal static string WithoutTiming(string report)
    {
        var begin = report.IndexOf(ReportFiles.TimingBegin, StringComparison.Ordinal);
        if (begin < 0) return report;
        var end = report.IndexOf(ReportFiles.TimingEnd, begin, StringComparison.Ordinal);
        if (end < 0) return report;
        return report[..(begin + ReportFiles.TimingBegin.Length)] + report[end..];
    }

    /// <summary>"CPU model: 'A' recorded, 'B' now", one per recorded condition that differs.</summary>
    internal static List<string> DifferingConditions(ManifestFile recorded, ManifestFile now)
    {
        var differences = new List<string>();
        void Check(string what, string? before, string? after)
        {
            if (before != after) differences.Add($"{what}: {Quote(before)} recorded, {Quote(after)} now");
        }

        var (a, b) = (recorded.Environment, now.Environment);
        Check("tool version", a.ToolVersion, b.ToolVersion);
        Check("git commit", a.GitCommit, b.GitCommit);
        Check(".NET runtime", a.Runtime, b.Runtime);
        Check("TorchSharp", a.TorchSharp, b.TorchSharp);
        Check("libtorch", a.LibTorch, b.LibTorch);
        Check("ONNX Runtime", a.OnnxRuntime, b.OnnxRuntime);
        Check("operating system", a.OperatingSystem, b.OperatingSystem);
        Check("CPU model", a.Cpu.Model, b.Cpu.Model);
        Check("CPU vendor/family/model/stepping", CpuId(a.Cpu), CpuId(b.Cpu));
        Check("instruction sets", string.Join(' ', a.Cpu.InstructionSets), string.Join(' ', b.Cpu.InstructionSets));
        Check("threads", a.Threads.ToString(CultureInfo.InvariantCulture), b.Threads.ToString(CultureInfo.InvariantCulture));
        Check("CPU dispatch variables", Pairs(a.CpuDispatchOverrides), Pairs(b.CpuDispatchOverrides));
        Check("determinism level", a.Determinism, b.Determinism);
        Check("spec sha256", recorded.SpecSha256, now.SpecSha256);
        Check("dataset source", recorded.Dataset.Source, now.Dataset.Source);
        Check("dataset sha256", recorded.Dataset.Sha256, now.Dataset.Sha256);
        Check("dataset files (xxh128)", Pairs(recorded.Dataset.FileXxh128), Pairs(now.Dataset.FileXxh128));
        Check("weights sha256", recorded.Weights?.Sha256, now.Weights?.Sha256);
        Check("templates (sha256)", Pairs(recorded.Templates.ToDictionary(p => p.Key, p => p.Value.Sha256)),
            Pairs(now.Templates.ToDictionary(p => p.Key, p => p.Value.Sha256)));
        return differences;
    }

    private static string CpuId(ManifestCpu cpu) => string.Create(CultureInfo.InvariantCulture,
        $"{cpu.Vendor ?? "?"} family {cpu.Family?.ToString(CultureInfo.InvariantCulture) ?? "?"} model {cpu.ModelNumber?.ToString(CultureInfo.InvariantCulture) ?? "?"} stepping {cpu.Stepping?.ToString(CultureInfo.InvariantCulture) ?? "?"}");

    private static string Pairs(IReadOnlyDictionary<string, string> map) =>
        string.Join(' ', map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));

    private static string Quote(string? value) => string.IsNullOrEmpty(value) ? "none" : $"'{value}'";

    private static string ThreadCount(int threads) => threads == 1 ? "1 thread" : string.Create(CultureInfo.InvariantCulture, $"{threads} threads");

    /// <summary>Why a folder cannot be verified: the summary line, and any further lines (a spec's problems).</summary>
    private sealed class CannotVerifyException(string message, IReadOnlyList<string>? details = null) : Exception(message)
    {
        public IReadOnlyList<string> Details { get; } = details ?? [];
    }
}
