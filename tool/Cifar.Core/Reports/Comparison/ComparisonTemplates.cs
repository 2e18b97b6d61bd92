using System.Globalization;
using Scriban;
using Scriban.Runtime;
using Scriban.Syntax;

namespace Cifar.Reports.Comparison;

/// <summary>
/// Loads the comparison templates embedded from templates/*.scriban and renders them strictly: Scriban renders an
/// unknown variable or member as blank unless told not to, so a typo here is a user error, not a silent gap.
/// </summary>
internal static class ComparisonTemplates
{
    internal const string MarkdownTemplate = "comparison.md.scriban";
    internal const string HtmlTemplate = "comparison.html.scriban";

    /// <summary>The embedded template's text (resource <c>templates/NAME</c>).</summary>
    internal static string Load(string name)
    {
        using var stream = typeof(ComparisonTemplates).Assembly.GetManifestResourceStream("templates/" + name)
            ?? throw new InvalidOperationException($"template '{name}' is not embedded in {typeof(ComparisonTemplates).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Parses and renders <paramref name="templateText"/> with strict variables and member access.</summary>
    /// <exception cref="CifarUserException">InvalidInput when the template does not parse or names something the model lacks.</exception>
    internal static string Render(string templateText, string templateName, ScriptObject model)
    {
        // Line ends are normalised so a checkout with CRLF renders the same bytes as one with LF.
        var template = Template.Parse(templateText.ReplaceLineEndings("\n"), templateName);
        if (template.HasErrors)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, [.. template.Messages.Select(m => m.ToString())]);
        }
        var context = new TemplateContext
        {
            StrictVariables = true,
            EnableRelaxedMemberAccess = false,
            NewLine = "\n",
        };
        context.PushCulture(CultureInfo.InvariantCulture);
        context.PushGlobal(model);
        try
        {
            return template.Render(context);
        }
        catch (ScriptRuntimeException e)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, e.Message.ReplaceLineEndings(" "), e);
        }
    }
}
