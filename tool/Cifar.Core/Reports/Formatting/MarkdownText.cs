using System.Text;

namespace Cifar.Reports.Formatting;

/// <summary>
/// Text from specs and report folders (names, descriptions, class names, URLs) put into Markdown as plain text:
/// HTML cannot get through (<c>&lt;script&gt;</c> shows as text) and Markdown markup is shown, not applied
/// (<c>[x](javascript:...)</c> is no link). The HTML reports escape through Scriban's <c>html.escape</c>.
/// </summary>
public static class MarkdownText
{
    /// <summary>
    /// Backslash-escapes the characters Markdown reads as markup in running text or a table cell (CommonMark lets
    /// any ASCII punctuation be escaped so), and turns line breaks into spaces so text stays in its paragraph or cell.
    /// </summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(text.Length + 8);
        foreach (var ch in text)
        {
            if (ch is '\r' or '\n')
            {
                sb.Append(' ');
                continue;
            }
            if (ch is '\\' or '`' or '*' or '_' or '[' or ']' or '<' or '>' or '|' or '#' or '&' or '!' or '~') sb.Append('\\');
            sb.Append(ch);
        }
        return sb.ToString();
    }
}
