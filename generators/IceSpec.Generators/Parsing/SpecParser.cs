using System.Linq;
using IceSpec.Generators.Diagnostics;
using IceSpec.Generators.Model;
using Sprache;

namespace IceSpec.Generators.Parsing;

/// <summary>Parses one .spec file into the model, or into a syntax-error diagnostic at the exact place reading stopped.</summary>
public static class SpecParser
{
    public static ParsedSpec Parse(string path, string text, bool emit)
    {
        var result = SpecGrammar.File.TryParse(text);
        if (result.WasSuccessful)
            return new ParsedSpec(path, emit, result.Value.ToEquatableArray(), EquatableArray<DiagnosticInfo>.Empty);

        var position = result.Remainder.Position;
        var line = result.Remainder.Line - 1;
        var column = result.Remainder.Column - 1;
        var span = new SourceSpan(position, position < text.Length ? 1 : 0, line, column, line, column + (position < text.Length ? 1 : 0));
        var found = position < text.Length ? $"'{Escape(text[position])}'" : "the end of the file";
        var expected = string.Join(" or ", result.Expectations);
        // Only End() is left when no declaration starts here (e.g. a misspelt keyword): say what may start one.
        if (position < text.Length && result.Expectations.All(e => e == "end of input"))
            expected = "a declaration ('protocol', 'namespace', 'import', 'class', 'method', 'range', 'attribute', 'struct', 'error', 'password-algorithm', 'rule', 'message', 'machine', 'const' or 'formula')";
        var diagnostic = DiagnosticInfo.Create(DiagnosticDescriptors.SyntaxError, path, span, found, expected.Length == 0 ? "a declaration" : expected);
        return new ParsedSpec(path, emit, EquatableArray<Declaration>.Empty, new EquatableArray<DiagnosticInfo>(new[] { diagnostic }));
    }

    private static string Escape(char c) => c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ => c.ToString() };
}

/// <summary>One parsed file: its declarations, or the syntax error that stopped it. <paramref name="Emit"/> is false for a spec
/// included only so its names can be imported (its code is generated in another assembly).</summary>
public sealed record ParsedSpec(string Path, bool Emit, EquatableArray<Declaration> Declarations, EquatableArray<DiagnosticInfo> Diagnostics);
