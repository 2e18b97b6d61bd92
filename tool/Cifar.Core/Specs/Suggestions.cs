namespace Cifar.Specs;

/// <summary>
/// "Did you mean" for misspelt keys and names, in the manner of BenchmarkDotNet's CorrectionsSuggester: the closest
/// known word by edit distance, offered only when it is close enough to be a likely typo.
/// </summary>
internal static class Suggestions
{
    /// <summary>The known word closest to <paramref name="input"/>, or null when none is plausibly meant.</summary>
    public static string? Closest(string input, IEnumerable<string> known)
    {
        // Letter case and underscores are ignored, so Keras' and PyTorch's spellings (MaxPool2D, BatchNormalization)
        // find the snake_case name.
        var typed = Simplify(input);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var word in known)
        {
            // The distance is at least the difference in length, and more than 3 is never offered: skip the work
            // (a spec of 60,000 unknown keys asks this 60,000 times).
            if (Math.Abs(word.Length - input.Length) > 3 + (word.Length - word.Replace("_", "", StringComparison.Ordinal).Length)
                + (input.Length - typed.Length))
            {
                continue;
            }

            var distance = Distance(typed, Simplify(word));
            if (distance < bestDistance) (best, bestDistance) = (word, distance);
        }

        // Up to 3 typos, like BenchmarkDotNet, but fewer for short words so that 'sgd' is not offered for 'adam'.
        return best is not null && bestDistance <= Math.Clamp(best.Length / 3, 1, 3) ? best : null;
    }

    private static string Simplify(string word) =>
        word.Any(c => c == '_' || char.IsUpper(c)) ? word.ToLowerInvariant().Replace("_", "", StringComparison.Ordinal) : word;

    /// <summary>" Did you mean 'x'?" or an empty string.</summary>
    public static string DidYouMean(string input, IEnumerable<string> known) =>
        Closest(input, known) is { } word ? $" Did you mean '{word}'?" : "";

    /// <summary>Levenshtein distance where swapping two neighbouring letters counts as one edit ('adma' is one from
    /// 'adam'): the optimal string alignment variant of Damerau-Levenshtein.</summary>
    internal static int Distance(string a, string b)
    {
        // One flat table, row i at i * width: the validator asks this for every unknown key of a spec.
        var width = b.Length + 1;
        var d = new int[(a.Length + 1) * width];
        for (var i = 0; i <= a.Length; i++) d[i * width] = i;
        for (var j = 0; j <= b.Length; j++) d[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                var best = Math.Min(Math.Min(d[(i - 1) * width + j] + 1, d[i * width + j - 1] + 1), d[(i - 1) * width + j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    best = Math.Min(best, d[(i - 2) * width + j - 2] + 1);
                d[i * width + j] = best;
            }
        }

        return d[a.Length * width + b.Length];
    }
}
