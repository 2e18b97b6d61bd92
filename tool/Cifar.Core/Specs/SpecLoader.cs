using System.Globalization;
using System.Text;

namespace Cifar.Specs;

/// <summary>
/// Reads experiment specs (YAML, documented in docs/spec-reference.md) into validated <see cref="ExperimentSpec"/>
/// records. Every problem of a file is found before anything is reported, and reported at once, one line each as
/// <c>path:line:col: message</c>, in a <see cref="CifarUserException"/> of kind
/// <see cref="UserErrorKind.InvalidInput"/>; no other exception escapes for bad input.
/// </summary>
/// <remarks>
/// The loader is told the transfer bases a spec may name, because the catalogue of bases lives in Models (it builds
/// them) and specs depend on nothing else of the tool: the runner's <c>ExperimentSpecs.Loader</c> is this tool's
/// loader, given <c>Cifar.Models.Transfer.TransferBases.SpecNames</c>.
/// </remarks>
public sealed partial class SpecLoader
{
    private readonly IReadOnlyList<TransferBaseName> _bases;

    /// <param name="bases">The bases <c>model.base</c> may name, in the order messages list them.</param>
    /// <exception cref="ArgumentException">No bases, or two with the same name or alias.</exception>
    public SpecLoader(IReadOnlyList<TransferBaseName> bases)
    {
        ArgumentNullException.ThrowIfNull(bases);
        if (bases.Count == 0) throw new ArgumentException("A spec loader needs at least one transfer base.", nameof(bases));
        var names = bases.SelectMany(b => new[] { b.Name, b.KerasAlias }.Distinct(StringComparer.OrdinalIgnoreCase));
        if (names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new ArgumentException($"Two transfer bases are called '{twice.Key}'.", nameof(bases));
        _bases = bases;
    }

    /// <summary>The bases <c>model.base</c> may name.</summary>
    public IReadOnlyList<TransferBaseName> Bases => _bases;

    /// <summary>Reads and validates the spec at <paramref name="path"/>.</summary>
    /// <remarks>Relative paths inside the spec (<c>report.templates</c>, and file paths in <c>data.url</c> and
    /// <c>model.weights_url</c>) are resolved against the spec file's folder and stored as full paths.</remarks>
    /// <exception cref="CifarUserException">The file cannot be read ("path: cannot read: ...") or the spec has
    /// problems (one line each).</exception>
    public ExperimentSpec Load(string path) => Load(path, []);

    /// <summary>Reads and validates the spec at <paramref name="path"/>, with its <c>extends</c> chain merged in and
    /// <paramref name="overrides"/> (<c>key=value</c>, as given to <c>--set</c>) applied in order.</summary>
    /// <exception cref="CifarUserException">As <see cref="Load(string)"/>.</exception>
    public ExperimentSpec Load(string path, IReadOnlyList<string> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var (spec, problems, _) = LoadOne(path, overrides);
        return spec ?? throw new CifarUserException(UserErrorKind.InvalidInput, problems);
    }

    /// <summary>Validates YAML text as if it had been read from <paramref name="path"/> (used in messages and to
    /// resolve relative paths; the file itself is not read).</summary>
    /// <exception cref="CifarUserException">The spec has problems (one line each).</exception>
    public ExperimentSpec Parse(string yamlText, string path)
    {
        ArgumentNullException.ThrowIfNull(yamlText);
        ArgumentNullException.ThrowIfNull(path);
        var (spec, problems, _) = ParseOne(yamlText, path, []);
        return spec ?? throw new CifarUserException(UserErrorKind.InvalidInput, problems);
    }

    /// <summary>
    /// Reads and validates several specs, reporting the problems of all of them in one exception, so a batch run
    /// fails before its first training. Two specs with the same <c>name</c> (compared ignoring case, as the report
    /// folders could collide on Windows and macOS) are also a problem.
    /// </summary>
    /// <returns>The specs, in the order of <paramref name="paths"/>.</returns>
    /// <exception cref="CifarUserException">Any file has problems, or two names collide.</exception>
    public IReadOnlyList<ExperimentSpec> LoadAll(IReadOnlyList<string> paths) => LoadAll(paths, []);

    /// <summary>As <see cref="LoadAll(IReadOnlyList{string})"/>, with <paramref name="overrides"/> (<c>--set</c>)
    /// applied to every spec.</summary>
    public IReadOnlyList<ExperimentSpec> LoadAll(IReadOnlyList<string> paths, IReadOnlyList<string> overrides)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(overrides);
        var specs = new List<ExperimentSpec>();
        var problems = new List<string>();
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in paths)
        {
            var (spec, fileProblems, namePosition) = LoadOne(path, overrides);
            problems.AddRange(fileProblems);
            if (spec is null) continue;
            if (names.TryGetValue(spec.Name, out var firstPath))
            {
                problems.Add(new SpecProblem(namePosition,
                    $"`name` is '{spec.Name}', already used by {firstPath}; expected a name of its own (it names the report folder)").Format(path));
                continue;
            }

            names.Add(spec.Name, path);
            specs.Add(spec);
        }

        return problems.Count == 0 ? specs : throw new CifarUserException(UserErrorKind.InvalidInput, problems);
    }

    private (ExperimentSpec? Spec, IReadOnlyList<string> Problems, SpecPosition NamePosition) LoadOne(
        string path, IReadOnlyList<string> overrides)
    {
        var (text, problem) = ReadText(path);
        return text is null ? (null, [problem!], default) : ParseOne(text, path, overrides);
    }

    /// <summary>The spec file's text, or null and the one-line reason it cannot be read.</summary>
    private static (string? Text, string? Problem) ReadText(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string? text;
        try
        {
            if (Directory.Exists(path)) return (null, $"{path}: cannot read: it is a folder; expected a YAML file");
            text = ReadBounded(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return (null, $"{path}: cannot read: {e.Message}");
        }

        return text is null
            ? (null, string.Create(CultureInfo.InvariantCulture,
                $"{path}: cannot read: more than {MaxSpecBytes / 1024} KiB; expected a YAML spec (a few KB)"))
            : (text, null);
    }

    /// <summary>Largest spec file read, in bytes. The examples are under 2 KB; 1 MiB also stops <c>/dev/zero</c> or a
    /// multi-GB file given by mistake before it fills memory.</summary>
    public const int MaxSpecBytes = 1 << 20;

    /// <summary>The file's text (UTF-8 unless a BOM says otherwise), or null if it has more than <see cref="MaxSpecBytes"/>.</summary>
    internal static string? ReadBounded(string path)
    {
        // Reads until the end rather than trusting Length: devices and pipes report 0.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var buffer = new byte[MaxSpecBytes + 1];
        var total = 0;
        int read;
        while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0) total += read;
        if (total > MaxSpecBytes) return null;
        using var reader = new StreamReader(new MemoryStream(buffer, 0, total), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd();
    }

    private (ExperimentSpec? Spec, IReadOnlyList<string> Problems, SpecPosition NamePosition) ParseOne(
        string text, string path, IReadOnlyList<string> overrides)
    {
        var problems = new List<SpecProblem>();
        var root = SpecTreeReader.Read(text, problems);
        if (root is null) return (null, Format(problems, path), default);

        // Problems of the text itself (a key twice, an undefined alias) are reported with the validator's; a base that
        // cannot be read or a malformed --set stops here, as the spec without them would only add noise.
        var readProblems = problems.Count;
        var (tree, changed) = SpecComposition.Resolve(root, path, overrides, problems);
        if (tree is SpecMapping top && top.KeyNode(SweepGrid.SweepKey) is { } sweep)
        {
            problems.Add(new(sweep.Start,
                "`sweep` makes this spec a sweep of several experiments; expected `dotnet cifar sweep` to list or run its cells"));
        }
        if (problems.Count > readProblems) return (null, Format(problems, path), default);

        // A spec that neither extends another nor is changed by --set is its own text, byte for byte (its hash is
        // the one earlier reports recorded); otherwise the resolved tree is written out as the spec's text.
        var (spec, namePosition) = changed
            ? FromResolvedTree(tree, path, $"Resolved by dotnet cifar from {Path.GetFileName(path)} (extends and --set applied): the complete spec of this run.", problems)
            : ValidateTree(root, text, path, problems);
        return spec is not null ? (spec, [], namePosition) : (null, Format(problems, path), default);
    }

    /// <summary>The folder relative paths in the spec are resolved against.</summary>
    private static string SpecDirectory(string path)
    {
        try
        {
            return Path.GetDirectoryName(Path.GetFullPath(path)) ?? Directory.GetCurrentDirectory();
        }
        catch (ArgumentException)
        {
            // An empty or malformed path given to Parse (nothing was read from it): the working folder.
            return Directory.GetCurrentDirectory();
        }
    }

    /// <summary>In file order, so the lines read top to bottom like the spec.</summary>
    /// <remarks>Problems from a base file (<c>extends</c>) or a <c>--set</c> come after the spec file's own; the
    /// same problem found in several sweep cells is listed once.</remarks>
    private static string[] Format(IEnumerable<SpecProblem> problems, string path) =>
        problems.OrderBy(p => p.Position.Origin?.Name ?? "", StringComparer.Ordinal).ThenBy(p => p.Position.Line).ThenBy(p => p.Position.Column)
            .Select(p => p.Format(path)).Distinct().ToArray();
}
