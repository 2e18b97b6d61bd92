using System.Globalization;

namespace Cifar.Reproducibility;

/// <summary>
/// The CPU a run used, identified well enough to predict whether another machine repeats it bit for bit: libtorch's
/// kernels (ATen's own vectorised code, Intel MKL, oneDNN) pick their code paths by instruction set, and so can sum in
/// a different order on another CPU. Read from /proc/cpuinfo on Linux; fields it lacks (ARM kernels, other systems)
/// are null or empty.
/// </summary>
/// <param name="Model">The "model name" line, else the process architecture (e.g. <c>X64</c>).</param>
/// <param name="Vendor">"vendor_id", e.g. <c>GenuineIntel</c> or <c>AuthenticAMD</c>.</param>
/// <param name="Family">"cpu family".</param>
/// <param name="ModelNumber">"model" (the number, not the name).</param>
/// <param name="Stepping">"stepping".</param>
/// <param name="InstructionSets">Of <see cref="DispatchRelevantFlags"/>, those the CPU reports, in that order.</param>
public sealed record CpuInfo(
    string Model,
    string? Vendor,
    int? Family,
    int? ModelNumber,
    int? Stepping,
    IReadOnlyList<string> InstructionSets)
{
    /// <summary>
    /// The /proc/cpuinfo flags that decide which code libtorch runs on x86-64: ATen's CPU capability (DEFAULT, AVX2 =
    /// avx2 + fma, AVX512 = avx512f/bw/vl/dq + fma), oneDNN's ISA levels (sse4_1 up to avx512_core_amx) and MKL's
    /// code paths. Other flags do not change numerics, so they are left out to keep the list readable.
    /// </summary>
    public static IReadOnlyList<string> DispatchRelevantFlags { get; } =
    [
        "sse4_1", "sse4_2", "avx", "f16c", "fma", "avx2", "avx_vnni",
        "avx512f", "avx512dq", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16", "avx512_fp16",
        "amx_tile", "amx_bf16", "amx_int8",
    ];

    /// <summary>"GenuineIntel family 6 model 207 stepping 2"; null when /proc/cpuinfo gave none of these.</summary>
    public string? Identification
    {
        get
        {
            var parts = new List<string>();
            if (Vendor is not null) parts.Add(Vendor);
            if (Family is { } family) parts.Add(string.Create(CultureInfo.InvariantCulture, $"family {family}"));
            if (ModelNumber is { } model) parts.Add(string.Create(CultureInfo.InvariantCulture, $"model {model}"));
            if (Stepping is { } stepping) parts.Add(string.Create(CultureInfo.InvariantCulture, $"stepping {stepping}"));
            return parts.Count > 0 ? string.Join(' ', parts) : null;
        }
    }

    /// <summary>Reads the first processor of <paramref name="cpuinfoPath"/>; <paramref name="fallbackModel"/> when it has no model name.</summary>
    public static CpuInfo Read(string fallbackModel, string cpuinfoPath = "/proc/cpuinfo")
    {
        var fields = FirstProcessor(cpuinfoPath);
        string? Text(string key) => fields.TryGetValue(key, out var value) && value.Length > 0 ? value : null;
        int? Number(string key) => int.TryParse(Text(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;
        var flags = Text("flags")?.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal) ?? [];
        return new CpuInfo(
            Text("model name") ?? fallbackModel,
            Text("vendor_id"),
            Number("cpu family"),
            Number("model"),
            Number("stepping"),
            [.. DispatchRelevantFlags.Where(flags.Contains)]);
    }

    /// <summary>"key: value" pairs of the first block of /proc/cpuinfo (one block per logical processor).</summary>
    private static Dictionary<string, string> FirstProcessor(string path)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            if (!File.Exists(path)) return fields;
            foreach (var line in File.ReadLines(path))
            {
                if (line.Trim().Length == 0)
                {
                    if (fields.Count > 0) break; // end of the first processor's block
                    continue;
                }
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon <= 0) continue;
                fields.TryAdd(line[..colon].Trim(), line[(colon + 1)..].Trim());
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return fields;
    }
}
