using System.Runtime.InteropServices;
using Cifar.Reproducibility;
using Cifar.Specs;
using static TorchSharp.torch;

namespace Cifar.Running;

/// <summary>
/// Puts a spec's <c>determinism</c> level in force for the process. libtorch's CPU code paths are chosen when it loads
/// and cannot change afterwards, so one process runs one level: <c>dotnet cifar run</c> refuses specs of different
/// levels before anything starts (one line naming them), and a later run asking for another level than the one in
/// force is refused rather than silently run at the wrong level.
/// </summary>
internal static class DeterminismGuard
{
    private static readonly Lock Gate = new();
    private static DeterminismLevel? _inForce;

    /// <summary>Throws when <paramref name="specs"/> ask for more than one level.</summary>
    public static void RequireOneLevel(IReadOnlyList<ExperimentSpec> specs)
    {
        var levels = specs.GroupBy(s => s.Determinism).ToList();
        if (levels.Count <= 1) return;
        var which = string.Join("; ", levels.Select(g => $"{Name(g.Key)}: {string.Join(", ", g.Select(s => Path.GetFileName(s.SourcePath)))}"));
        throw new CifarUserException(UserErrorKind.InvalidInput,
            $"the specs ask for different determinism levels ({which}); libtorch's CPU code is fixed once it loads, so run each level in its own `dotnet cifar run`");
    }

    /// <summary>Makes <paramref name="level"/> the process's level (pinning libtorch for portable), or throws if another is in force.</summary>
    public static void Enter(DeterminismLevel level)
    {
        lock (Gate)
        {
            if (_inForce == level) return;
            if (_inForce is { } other)
            {
                throw new CifarUserException(UserErrorKind.Other,
                    $"this process already runs libtorch at `determinism: {Name(other)}`, and its CPU code cannot change once loaded: run the `determinism: {Name(level)}` spec in its own `dotnet cifar run`");
            }
            if (level == DeterminismLevel.Portable)
            {
                PortableNumerics.Pin(CpuInfo.Read(RuntimeInformation.ProcessArchitecture.ToString()), () => _ = get_num_threads());
            }
            _inForce = level;
        }
    }

    /// <summary>The spec's spelling of a level: <c>fast</c>, <c>portable</c>.</summary>
    public static string Name(DeterminismLevel level) => level.ToString().ToLowerInvariant();

    /// <summary>The report's repeatability statement, from what the run checked (threads, the level, the pins read back).</summary>
    public static string Repeatability(int threads, DeterminismLevel level, EnvironmentInfo environment)
    {
        var threadCount = $"{threads} libtorch thread{(threads == 1 ? "" : "s")}";
        var sameMachine =
            $"CPU run with {threadCount} and every random source seeded from the spec: rerunning this spec with the same tool version and " +
            "thread count on the same machine gives a byte-identical metrics.json and the same report outside the timing section " +
            "(`dotnet cifar verify` on this folder checks it).";
        if (level == DeterminismLevel.Fast)
        {
            return sameMachine + " It ran at `determinism: fast`: libtorch used the fastest code for this CPU, so a different thread count " +
                "or CPU (model or instruction sets, in the environment block) can change the last digits.";
        }
        var pins = string.Join(", ", PortableNumerics.Variables.Select(v =>
            $"{v.Key}={(environment.CpuDispatchOverrides.TryGetValue(v.Key, out var set) ? set : "unset")}"));
        var oneDnn = PortableNumerics.OneDnnConvolutionsEnabled() switch
        {
            false => "oneDNN's convolutions off (libtorch's userEnabledMkldnn read back false)",
            true => "oneDNN's convolutions ON (the switch did not hold)",
            null => "oneDNN's convolutions not switched (the pin did not run in this process)",
        };
        return sameMachine + $" It ran at `determinism: portable` ({pins}, {oneDnn}): on another Linux x86-64 CPU with AVX2 and FMA, " +
            "with the same tool version and thread count, it is expected to repeat bit for bit too; a different thread count still changes the last digits " +
            "(what is and is not guaranteed: docs/determinism.md).";
    }
}
