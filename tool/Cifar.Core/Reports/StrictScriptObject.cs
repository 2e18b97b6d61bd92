using Scriban;
using Scriban.Parsing;
using Scriban.Runtime;
using Scriban.Syntax;

namespace Cifar.Reports;

/// <summary>
/// A script object whose missing members are errors. TemplateContext.StrictVariables only covers top-level names;
/// without this, <c>{{ model.totl_params }}</c> would render as nothing instead of failing.
/// </summary>
internal sealed class StrictScriptObject : ScriptObject
{
    public override bool TryGetValue(TemplateContext? context, SourceSpan span, string member, out object? value)
    {
        if (base.TryGetValue(context, span, member, out value)) return true;
        throw new ScriptRuntimeException(span,
            $"The member `{member}` was not found; this object has: {string.Join(", ", Keys.Order(StringComparer.Ordinal))}");
    }
}
