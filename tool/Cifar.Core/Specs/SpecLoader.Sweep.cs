using System.Globalization;

namespace Cifar.Specs;

public sealed partial class SpecLoader
{
    /// <summary>
    /// Reads a sweep spec (one with <c>sweep:</c>), with its <c>extends</c> chain merged and <paramref name="overrides"/>
    /// applied, and makes every cell a complete spec: the base spec with the cell's values set and the name
    /// <c>sweep/cell</c>. Every cell is validated before this returns, and the problems of all of them are reported at
    /// once (a problem shared by several cells once).
    /// </summary>
    /// <exception cref="CifarUserException">The file cannot be read, has no <c>sweep</c>, or any cell has problems.</exception>
    public SweepPlan LoadSweep(string path, IReadOnlyList<string> overrides)
    {
        ArgumentNullException.ThrowIfNull(overrides);
        var (text, readProblem) = ReadText(path);
        if (text is null) throw new CifarUserException(UserErrorKind.InvalidInput, readProblem!);

        var problems = new List<SpecProblem>();
        var root = SpecTreeReader.Read(text, problems);
        var plan = root is null ? null : Expand(root, path, overrides, problems);
        return plan is not null && problems.Count == 0 ? plan : throw new CifarUserException(UserErrorKind.InvalidInput, Format(problems, path));
    }

    private SweepPlan? Expand(SpecNode root, string path, IReadOnlyList<string> overrides, List<SpecProblem> problems)
    {
        var (tree, _) = SpecComposition.Resolve(root, path, overrides, problems);
        if (tree is not SpecMapping top)
        {
            problems.Add(new(tree.Start, $"the top level is {tree.Describe()}; expected a mapping with name, seed, data, model, training and sweep"));
            return null;
        }

        if (top[SweepGrid.SweepKey] is not { } section)
        {
            problems.Add(new(new(1, 1), "the spec has no `sweep`; expected `sweep:` with `grid:` (dotted keys to lists of values); one experiment runs with `dotnet cifar run`"));
            return null;
        }

        var draft = SweepGrid.Read(section, problems);
        if (draft is null) return null;

        var baseTree = SpecComposition.Without(top, SweepGrid.SweepKey);
        var nameNode = top["name"] as SpecScalar;
        // An invalid name is left as it is, for the validator to report once, in its own words.
        var sweepName = nameNode is not null && SpecValidator.IsPlainName(nameNode.Value) ? nameNode.Value : null;
        var cells = new List<SweepCell>();
        var cellProblems = new List<SpecProblem>();
        for (var index = 0; index < draft.Cells.Count; index++)
        {
            var values = draft.Cells[index];
            var cellName = SweepCellNames.For(draft.Keys, values.Select(v => KeyValuePair.Create(v.Key, v.Meaning.Text)));
            var cellTree = (SpecNode)baseTree;
            foreach (var value in values)
                cellTree = SpecComposition.SetPath(cellTree, value.Key, value.Value, value.KeyPosition, cellProblems);
            if (sweepName is not null)
            {
                cellTree = SpecComposition.SetPath(cellTree, "name", new SpecScalar(nameNode!.Start, $"{sweepName}/{cellName}", isPlain: true),
                    nameNode.Start, cellProblems);
            }

            var header = string.Create(CultureInfo.InvariantCulture,
                $"Cell {index} of sweep {sweepName} ({Path.GetFileName(path)}), resolved by dotnet cifar: the complete spec of this run.\n`dotnet cifar run` on this file reruns the cell into OUTPUT/{sweepName}/{cellName}/.");
            var (spec, _) = FromResolvedTree(cellTree, path, header, cellProblems);
            if (spec is not null)
                cells.Add(new SweepCell(index, cellName, [.. values.Select(v => KeyValuePair.Create(v.Key, v.Meaning))], spec));
        }

        foreach (var clash in cells.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            problems.Add(new(section.Start, string.Create(CultureInfo.InvariantCulture,
                $"`sweep` cells {string.Join(" and ", clash.Select(c => c.Index))} have the same folder name '{clash.Key}' (letter case and characters other than letters, digits and . _ = , + - do not count); expected values that differ in letters or digits")));
        }

        problems.AddRange(cellProblems);
        return problems.Count == 0 && sweepName is not null ? new SweepPlan(sweepName, draft.Keys, cells) : null;
    }

    /// <summary>The spec of <paramref name="tree"/>, or null when it adds problems to <paramref name="problems"/> or
    /// that list already held some.</summary>
    private (ExperimentSpec? Spec, SpecPosition NamePosition) ValidateTree(SpecNode tree, string text, string path, List<SpecProblem> problems)
    {
        var validator = new SpecValidator(problems, SpecDirectory(path), _bases);
        var spec = validator.Validate(tree, path, text);
        return (problems.Count == 0 ? spec : null, validator.NamePosition);
    }

    /// <summary>
    /// Validates a resolved tree where its nodes were written (problems point into the spec, its bases or a
    /// <c>--set</c>), then writes it out as YAML and reads that back as the spec, so the spec's text (copied into the
    /// report folder as spec.yaml, hashed as the spec hash) is complete and reruns as it is.
    /// </summary>
    private (ExperimentSpec? Spec, SpecPosition NamePosition) FromResolvedTree(SpecNode tree, string path, string header, List<SpecProblem> problems)
    {
        var text = SpecTreeWriter.Write(tree, header);
        // Problems of earlier cells must not fail this one: it is checked on its own list.
        var own = new List<SpecProblem>();
        var (spec, _) = ValidateTree(tree, text, path, own);
        problems.AddRange(own);
        if (spec is null || problems.Count > 0) return (null, default);

        var reread = new List<SpecProblem>();
        var root = SpecTreeReader.Read(text, reread);
        if (root is not null)
        {
            var (final, namePosition) = ValidateTree(root, text, path, reread);
            if (final is not null) return (final, namePosition);
        }

        throw new InvalidOperationException(
            $"The resolved spec does not read back as it validated: {string.Join("; ", reread.Select(p => p.Format("resolved")))}\n{text}");
    }
}
