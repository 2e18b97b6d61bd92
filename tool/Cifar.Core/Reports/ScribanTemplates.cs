using System.Globalization;
using Scriban;
using Scriban.Runtime;
using Scriban.Syntax;

namespace Cifar.Reports;

/// <summary>
/// Loads and renders the Scriban templates of every report (experiment report, comparison): the built-in ones
/// embedded from templates/, or a user's own from a folder, file by file. Scriban renders an unknown variable or
/// member as blank unless told not to, so rendering is strict and a template mistake (syntax error, misspelt
/// variable) is the user's error and fails loudly.
/// </summary>
internal static class ScribanTemplates
{
    /// <summary>
    /// The template text and the name to quote in messages: <paramref name="fileName"/> from
    /// <paramref name="userFolder"/> if that folder has it (the user's path), else the built-in resource
    /// <c>templates/FILENAME</c>.
    /// </summary>
    /// <exception cref="CifarUserException">InvalidInput when <paramref name="userFolder"/> does not exist.</exception>
    public static (string Text, string Source) Load(string fileName, string? userFolder = null)
    {
        if (userFolder is not null)
        {
            if (!Directory.Exists(userFolder))
            {
                throw new CifarUserException(UserErrorKind.InvalidInput, $"The report templates folder '{userFolder}' does not exist.");
            }
            var path = Path.Combine(userFolder, fileName);
            if (File.Exists(path)) return (File.ReadAllText(path), path);
        }
        var resource = "templates/" + fileName;
        using var stream = typeof(ScribanTemplates).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The built-in template '{resource}' is not embedded in {typeof(ScribanTemplates).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return (reader.ReadToEnd(), BuiltInPrefix + resource);
    }

    /// <summary>Whether <paramref name="source"/>, as <see cref="Load"/> returned it, names a built-in template.</summary>
    public static bool IsBuiltIn(string source) => source.StartsWith(BuiltInPrefix, StringComparison.Ordinal);

    /// <summary>SHA-256 of a template's text as rendered ("\n" line ends), for the manifest.</summary>
    public static string Sha256(string text) => Reproducibility.Hashing.Sha256Hex(text.ReplaceLineEndings("\n"));

    private const string BuiltInPrefix = "built-in ";

    /// <summary>The template files a user's folder may hold: the experiment report's (the comparison always uses
    /// the built-in ones).</summary>
    public static IReadOnlyList<string> UserTemplateFiles { get; } = ["report.md.scriban", "report.html.scriban"];

    /// <summary>
    /// Checks a user's templates folder before a run starts, so a template problem is not found only after
    /// training: the folder exists; every <c>*.scriban</c> in it is one of <see cref="UserTemplateFiles"/> and a
    /// readable file (not a folder); and each of <paramref name="templateFiles"/> it holds parses.
    /// </summary>
    /// <exception cref="CifarUserException">InvalidInput naming the folder or file and what is wrong.</exception>
    public static void CheckUserFolder(string folder, IEnumerable<string> templateFiles)
    {
        if (!Directory.Exists(folder))
        {
            throw new CifarUserException(UserErrorKind.InvalidInput, $"The report templates folder '{folder}' does not exist.");
        }
        foreach (var entry in Directory.EnumerateFileSystemEntries(folder, "*.scriban").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(entry);
            if (!UserTemplateFiles.Contains(name))
            {
                throw new CifarUserException(UserErrorKind.InvalidInput,
                    $"The report templates folder '{folder}' holds '{name}'; expected templates named {string.Join(" or ", UserTemplateFiles)}.{Specs.Suggestions.DidYouMean(name, UserTemplateFiles)}");
            }
            if (!File.Exists(entry))
            {
                throw new CifarUserException(UserErrorKind.InvalidInput, $"The report template '{entry}' is a folder; expected a file");
            }
        }
        foreach (var fileName in templateFiles)
        {
            var path = Path.Combine(folder, fileName);
            if (!File.Exists(path)) continue; // the built-in one is used
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new CifarUserException(UserErrorKind.InvalidInput, $"The report template '{path}' cannot be read: {e.Message}", e);
            }
            var template = Template.Parse(text.ReplaceLineEndings("\n"), path);
            if (template.HasErrors)
            {
                throw new CifarUserException(UserErrorKind.InvalidInput,
                    template.Messages.Select(m => "Report template does not parse: " + Tidy(m.ToString())).ToList());
            }
        }
    }

    /// <summary>
    /// Parses and renders <paramref name="text"/> with strict variables and member access; <paramref name="source"/>
    /// names the template in messages.
    /// </summary>
    /// <exception cref="CifarUserException">InvalidInput when the template does not parse or names something the model lacks.</exception>
    public static string Render(string text, string source, ScriptObject model)
    {
        // A checkout with CRLF endings must not change the report's bytes.
        var template = Template.Parse(text.ReplaceLineEndings("\n"), source);
        if (template.HasErrors)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                template.Messages.Select(m => "Report template does not parse: " + Tidy(m.ToString())).ToList());
        }
        var context = new TemplateContext
        {
            StrictVariables = true,
            // A member of null or of a plain value is an error too, not a blank.
            EnableRelaxedMemberAccess = false,
            // Defaults are 1,000 iterations per loop; a long history or a big model summary can exceed that.
            LoopLimit = 1_000_000,
            // Scriban cuts every string it produces, the rendered page included, at 1 MiB by default (LimitToString):
            // a report whose pictures are embedded as data: URIs is larger than that, and was silently truncated.
            LimitToString = 0,
            NewLine = "\n",
        };
        context.PushCulture(CultureInfo.InvariantCulture);
        context.PushGlobal(Functions);
        context.PushGlobal(model);
        try
        {
            return template.Render(context);
        }
        catch (ScriptRuntimeException e)
        {
            throw new CifarUserException(UserErrorKind.InvalidInput,
                "Report template failed: " + Tidy(e.Message), e);
        }
    }

    /// <summary>
    /// Functions every template may call besides Scriban's built-ins: <c>md</c> puts text from a spec or a report
    /// folder into Markdown as plain text (<see cref="Formatting.MarkdownText.Escape"/>), e.g. <c>{{ description | md }}</c>.
    /// </summary>
    private static ScriptObject Functions { get; } = CreateFunctions();

    private static ScriptObject CreateFunctions()
    {
        var functions = new ScriptObject();
        functions.Import("md", new Func<string?, string>(Formatting.MarkdownText.Escape));
        return functions;
    }

    /// <summary>Scriban's "path(line,col) : error : text" as one line "path(line,col): text".</summary>
    private static string Tidy(string message) =>
        message.ReplaceLineEndings(" ").Replace(" : error : ", ": ", StringComparison.Ordinal).Trim();
}
