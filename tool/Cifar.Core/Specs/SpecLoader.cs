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
public sealed class SpecLoader
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
    public ExperimentSpec Load(string path)
    {
        var (spec, problems, _) = LoadOne(path);
        return spec ?? throw new CifarUserException(UserErrorKind.InvalidInput, problems);
    }

    /// <summary>Validates YAML text as if it had been read from <paramref name="path"/> (used in messages and to
    /// resolve relative paths; the file itself is not read).</summary>
    /// <exception cref="CifarUserException">The spec has problems (one line each).</exception>
    public ExperimentSpec Parse(string yamlText, string path)
    {
        ArgumentNullException.ThrowIfNull(yamlText);
        ArgumentNullException.ThrowIfNull(path);
        var (spec, problems, _) = ParseOne(yamlText, path);
        return spec ?? throw new CifarUserException(UserErrorKind.InvalidInput, problems);
    }

    /// <summary>
    /// Reads and validates several specs, reporting the problems of all of them in one exception, so a batch run
    /// fails before its first training. Two specs with the same <c>name</c> (compared ignoring case, as the report
    /// folders could collide on Windows and macOS) are also a problem.
    /// </summary>
    /// <returns>The specs, in the order of <paramref name="paths"/>.</returns>
    /// <exception cref="CifarUserException">Any file has problems, or two names collide.</exception>
    public IReadOnlyList<ExperimentSpec> LoadAll(IReadOnlyList<string> paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var specs = new List<ExperimentSpec>();
        var problems = new List<string>();
        var names = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var path in paths)
        {
            var (spec, fileProblems, namePosition) = LoadOne(path);
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

    private (ExperimentSpec? Spec, IReadOnlyList<string> Problems, SpecPosition NamePosition) LoadOne(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string? text;
        try
        {
            if (Directory.Exists(path)) return (null, [$"{path}: cannot read: it is a folder; expected a YAML file"], default);
            text = ReadBounded(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return (null, [$"{path}: cannot read: {e.Message}"], default);
        }

        return text is null
            ? (null, [string.Create(CultureInfo.InvariantCulture,
                $"{path}: cannot read: more than {MaxSpecBytes / 1024} KiB; expected a YAML spec (a few KB)")], default)
            : ParseOne(text, path);
    }

    /// <summary>Largest spec file read, in bytes. The examples are under 2 KB; 1 MiB also stops <c>/dev/zero</c> or a
    /// multi-GB file given by mistake before it fills memory.</summary>
    public const int MaxSpecBytes = 1 << 20;

    /// <summary>The file's text (UTF-8 unless a BOM says otherwise), or null if it has more than <see cref="MaxSpecBytes"/>.</summary>
    private static string? ReadBounded(string path)
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
        string text, string path)
    {
        var problems = new List<SpecProblem>();
        var root = SpecTreeReader.Read(text, problems);
        if (root is null) return (null, Format(problems, path), default);

        var directory = SpecDirectory(path);
        var validator = new SpecValidator(problems, directory, _bases);
        var spec = validator.Validate(root, path, text);
        return spec is not null && problems.Count == 0
            ? (spec, [], validator.NamePosition)
            : (null, Format(problems, path), default);
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
    private static string[] Format(List<SpecProblem> problems, string path) =>
        problems.OrderBy(p => p.Position.Line).ThenBy(p => p.Position.Column).Select(p => p.Format(path)).ToArray();
}
