using System.Linq;
using IceSpec.Generators.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace IceSpec.Generators.Diagnostics;

/// <summary>
/// A diagnostic kept as plain data (descriptor ID, file, span, message arguments) so it can live in the cached model;
/// it becomes a Roslyn <see cref="Diagnostic"/> only when reported.
/// </summary>
public sealed record DiagnosticInfo(string Id, string Path, SourceSpan Span, EquatableArray<string> Arguments)
{
    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, string path, SourceSpan span, params string[] arguments) =>
        new(descriptor.Id, path, span, arguments.ToEquatableArray());

    public Diagnostic ToDiagnostic()
    {
        var descriptor = DiagnosticDescriptors.ById[Id];
        var location = Location.Create(Path, new TextSpan(Span.Start, Span.Length),
            new LinePositionSpan(new LinePosition(Span.Line, Span.Column), new LinePosition(Span.EndLine, Span.EndColumn)));
        return Diagnostic.Create(descriptor, location, Arguments.Cast<object>().ToArray());
    }
}
