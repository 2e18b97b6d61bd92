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
            var distance = Distance(typed, Simplify(word));
            if (distance < bestDistance) (best, bestDistance) = (word, distance);
        }

        // Up to 3 typos, like BenchmarkDotNet, but fewer for short words so that 'sgd' is not offered for 'adam'.
        return best is not null && bestDistance <= Math.Clamp(best.Length / 3, 1, 3) ? best : null;
    }

    private static string Simplify(string word) => word.ToLowerInvariant().Replace("_", "", StringComparison.Ordinal);

    /// <summary>" Did you mean 'x'?" or an empty string.</summary>
    public static string DidYouMean(string input, IEnumerable<string> known) =>
        Closest(input, known) is { } word ? $" Did you mean '{word}'?" : "";

    /// <summary>Levenshtein distance where swapping two neighbouring letters counts as one edit ('adma' is one from
    /// 'adam'): the optimal string alignment variant of Damerau-Levenshtein.</summary>
    internal static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (var j = 0; j <= b.Length; j++) d[0, j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }

        return d[a.Length, b.Length];
    }
}
