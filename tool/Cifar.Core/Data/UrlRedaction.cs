using System.Text;
using System.Text.RegularExpressions;

namespace Cifar.Data;

/// <summary>
/// Hides credentials in URLs before they are shown anywhere: messages, progress lines, logs, reports. The one place
/// that decides what a shown URL looks like; everything that prints a source (a URL or a path) passes it through
/// <see cref="Redact"/>.
/// </summary>
/// <remarks>
/// A mirror URL may carry a user name and password (<c>https://user:pass@host/</c>) or a token in its query
/// (<c>?token=...</c>, a presigned <c>X-Amz-Signature=...</c>). The user info becomes <c>***</c>, every query value
/// becomes <c>***</c> (names kept, so the reader can tell which parameters were there), and a fragment becomes
/// <c>#***</c>. Paths and host names are kept: they say where the data came from and are not secrets.
/// </remarks>
public static partial class UrlRedaction
{
    /// <summary>Placeholder for a hidden value.</summary>
    public const string Hidden = "***";

    /// <summary>
    /// <paramref name="text"/> with the credentials of every URL in it hidden: a single URL or path, or a message that
    /// quotes URLs. Text without a <c>scheme://</c> URL is returned unchanged. Idempotent.
    /// </summary>
    public static string Redact(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Contains("://", StringComparison.Ordinal) ? UrlPattern().Replace(text, m => RedactTrimmed(m.Value)) : text;
    }

    /// <summary>Punctuation that ends a sentence after a URL ("url: message") stays outside it.</summary>
    private static string RedactTrimmed(string match)
    {
        var url = match.TrimEnd('.', ',', ':', ';', '!');
        return RedactUrl(url) + match[url.Length..];
    }

    private static string RedactUrl(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal) + 3;
        // The authority ends at the first '/', '?' or '#'; user info is everything in it up to its last '@'.
        var authorityEnd = url.IndexOfAny(['/', '?', '#'], schemeEnd);
        if (authorityEnd < 0) authorityEnd = url.Length;
        var at = url.LastIndexOf('@', authorityEnd - 1, authorityEnd - schemeEnd);
        var result = new StringBuilder(url.Length);
        result.Append(url, 0, schemeEnd);
        if (at >= 0) result.Append(Hidden).Append('@').Append(url, at + 1, authorityEnd - at - 1);
        else result.Append(url, schemeEnd, authorityEnd - schemeEnd);

        var rest = url[authorityEnd..];
        var fragment = rest.IndexOf('#', StringComparison.Ordinal);
        var beforeFragment = fragment >= 0 ? rest[..fragment] : rest;
        var query = beforeFragment.IndexOf('?', StringComparison.Ordinal);
        if (query < 0)
        {
            result.Append(beforeFragment);
        }
        else
        {
            result.Append(beforeFragment, 0, query + 1);
            var parameters = beforeFragment[(query + 1)..].Split('&');
            result.AppendJoin('&', parameters.Select(p => p.Length == 0 ? p
                : p.IndexOf('=', StringComparison.Ordinal) is var eq and >= 0 ? p[..(eq + 1)] + Hidden
                : Hidden));
        }

        if (fragment >= 0) result.Append('#').Append(fragment + 1 < rest.Length ? Hidden : "");
        return result.ToString();
    }

    // A scheme, "://", then everything up to whitespace or a character that ends a quoted URL in a message.
    [GeneratedRegex(@"[A-Za-z][A-Za-z0-9+.\-]*://[^\s'""`<>()\[\]]+")]
    private static partial Regex UrlPattern();
}
