using System.Text.RegularExpressions;

namespace IceSpec.Generators.Binding;

/// <summary>A citation reads <c>RFC &lt;number&gt;[ §&lt;section&gt;][: text]</c>, e.g. <c>"RFC 8489 §14.7: … MUST be the last attribute"</c>.</summary>
internal static class CitationRules
{
    private static readonly Regex Shape = new(@"^RFC [0-9]{3,5}( §[0-9A-Z]+(\.[0-9]+)*)?(: .+)?$", RegexOptions.CultureInvariant);

    public static bool IsWellFormed(string text) => Shape.IsMatch(text);
}
