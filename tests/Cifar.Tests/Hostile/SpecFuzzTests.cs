using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Cifar.Running;
using Cifar.Tests.Infra;

namespace Cifar.Tests.Hostile;

/// <summary>
/// Random mutations of the example specs (fixed seed, so a failure repeats): lines deleted, duplicated and swapped,
/// numbers made extreme, negative or not numbers, strings replaced, tags and anchors inserted. Each mutant must load
/// or be refused as a spec problem (exit code 2), quickly, never with another exception or a stack trace.
/// </summary>
public sealed partial class SpecFuzzTests : IDisposable
{
    private const int Seed = 20_261_130;
    private const int Mutants = 300;

    private static readonly string[] Numbers =
        ["-1", "0", "-0", "1e308", "-1e308", "1e400", "NaN", ".nan", ".inf", "-.inf", "99999999999999999999", "2147483648",
         "-2147483649", "1e-50", "0x10", "0o17", "1_000", "65537", "3.5", "+7"];

    private static readonly string[] Strings =
        ["", "\"\"", "~", "null", "<script>alert(1)</script>", "[1, 2]", "{a: 1}", "!!int x", "!custom y", "&a 1", "*a",
         "\"\\u0000\"", "'.git'", "..", "/dev/zero", "\"x\\ny\"", "true", "yes", "ｆｕｌｌ", new string('n', 300)];

    private static readonly string[] Tags = ["!!int ", "!!str ", "!!float ", "!!bool ", "!!null ", "!!binary ", "!local ", "!!map ", "!!seq "];

    private readonly TempFolder _temp = new("cifar-spec-fuzz");

    public void Dispose() => _temp.Dispose();

    [GeneratedRegex(@"-?[0-9]+(\.[0-9]+)?(e-?[0-9]+)?")]
    private static partial Regex Number();

    [GeneratedRegex(@":\s+([A-Za-z][A-Za-z0-9_.-]*)")]
    private static partial Regex Word();

    /// <summary>The mutants, each with a description of what was done, the same on every run.</summary>
    private static List<(string Yaml, string What)> Generate()
    {
        var examples = Directory.GetFiles(RepositoryFiles.PathOf("experiments"), "*.yaml").Order(StringComparer.Ordinal)
            .Select(File.ReadAllText).ToList();
        var random = new Random(Seed);
        var mutants = new List<(string, string)>(Mutants);
        for (var m = 0; m < Mutants; m++)
        {
            var lines = examples[random.Next(examples.Count)].Split('\n').ToList();
            var what = new List<string>();
            for (var edits = random.Next(1, 4); edits > 0; edits--)
            {
                var i = random.Next(lines.Count);
                switch (random.Next(7))
                {
                    case 0:
                        what.Add($"delete line {i + 1}");
                        lines.RemoveAt(i);
                        break;
                    case 1:
                        what.Add($"duplicate line {i + 1}");
                        lines.Insert(i, lines[i]);
                        break;
                    case 2:
                        var j = random.Next(lines.Count);
                        what.Add($"swap lines {i + 1} and {j + 1}");
                        (lines[i], lines[j]) = (lines[j], lines[i]);
                        break;
                    case 3 or 4:
                        var numbers = Number().Matches(lines[i]);
                        if (numbers.Count == 0) goto case 5;
                        var number = numbers[random.Next(numbers.Count)];
                        var replacement = Numbers[random.Next(Numbers.Length)];
                        what.Add($"line {i + 1}: {number.Value} -> {replacement}");
                        lines[i] = lines[i][..number.Index] + replacement + lines[i][(number.Index + number.Length)..];
                        break;
                    case 5:
                        var word = Word().Match(lines[i]);
                        if (!word.Success) goto case 6;
                        var text = Strings[random.Next(Strings.Length)];
                        what.Add($"line {i + 1}: {word.Groups[1].Value} -> {text}");
                        lines[i] = lines[i][..word.Groups[1].Index] + text + lines[i][(word.Groups[1].Index + word.Groups[1].Length)..];
                        break;
                    case 6:
                        var colon = lines[i].IndexOf(": ", StringComparison.Ordinal);
                        if (colon < 0) break;
                        var tag = Tags[random.Next(Tags.Length)];
                        what.Add($"line {i + 1}: tag {tag.Trim()}");
                        lines[i] = lines[i][..(colon + 2)] + tag + lines[i][(colon + 2)..];
                        break;
                }
            }
            mutants.Add((string.Join('\n', lines), string.Join(", ", what)));
        }
        return mutants;
    }

    [Fact]
    public void Every_mutant_loads_or_is_a_spec_problem_quickly()
    {
        var outcomes = new Dictionary<string, int>();
        foreach (var (yaml, what) in Generate())
        {
            var path = _temp.Combine("mutant.yaml");
            File.WriteAllText(path, yaml);
            var clock = Stopwatch.StartNew();
            string outcome;
            try
            {
                ExperimentSpecs.Loader.LoadAll([path]);
                outcome = "loads";
            }
            catch (CifarUserException e) when (e.Kind == UserErrorKind.InvalidInput)
            {
                Assert.All(e.Lines, line => Assert.StartsWith(path + ":", line, StringComparison.Ordinal));
                outcome = "refused";
            }
            catch (Exception e)
            {
                Assert.Fail($"{what}: {e.GetType().Name}: {e.Message}\n{yaml}");
                throw;
            }
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"{what}: took {clock.Elapsed}");
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        // The mutations are not all fatal: both outcomes occur, so the generator tests something.
        Assert.True(outcomes.GetValueOrDefault("loads") > 0 && outcomes.GetValueOrDefault("refused") > 0,
            string.Join(", ", outcomes.Select(o => o.Key + " " + o.Value.ToString(CultureInfo.InvariantCulture))));
    }

    [Fact]
    public void Mutants_through_the_tool_exit_0_or_2_without_a_stack_trace()
    {
        var paths = Generate().Where((_, i) => i % 50 == 0).Select((m, i) =>
        {
            var path = _temp.Combine($"mutant-{i}.yaml");
            File.WriteAllText(path, m.Yaml);
            return path;
        }).ToList();

        foreach (var path in paths)
        {
            var result = ToolProcess.Run(_temp.Path, null, timeout: TimeSpan.FromSeconds(60), "validate", path);

            Assert.True(result.ExitCode is 0 or 2, result.ToString());
            Assert.DoesNotContain("   at ", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", result.Error, StringComparison.Ordinal);
        }
    }
}
