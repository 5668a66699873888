using System.Collections.Generic;
using System.Linq;
using IceSpec.Generators.Diagnostics;
using IceSpec.Generators.Model;
using IceSpec.Generators.Parsing;

namespace IceSpec.Generators.Binding;

/// <summary>
/// Resolves the names of all parsed files (a protocol may import another's attributes and structs), checks what the
/// grammar cannot (citations, duplicates, ranges, machine consistency), and builds one <see cref="ProtocolModel"/> per
/// protocol whose code this project emits.
/// </summary>
public static class SpecBinder
{
    public static SpecBundle Bind(EquatableArray<ParsedSpec> files)
    {
        var diagnostics = new List<DiagnosticInfo>();
        foreach (var file in files) diagnostics.AddRange(file.Diagnostics);

        var scopes = new Dictionary<string, ProtocolScope>();
        foreach (var file in files.Where(f => f.Diagnostics.Count == 0))
        {
            var protocol = file.Declarations.OfType<ProtocolDecl>().FirstOrDefault();
            if (protocol is null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MissingProtocol, file.Path, SourceSpan.None));
                continue;
            }
            if (scopes.TryGetValue(protocol.Name, out var existing))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.Duplicate, file.Path, protocol.Span, "Protocol", protocol.Name, existing.File.Path));
                continue;
            }
            scopes[protocol.Name] = new ProtocolScope(file, protocol);
        }

        foreach (var scope in scopes.Values) scope.Declare(diagnostics);
        var someFileFailed = files.Any(f => f.Diagnostics.Count > 0);
        foreach (var scope in scopes.Values) scope.ResolveImports(scopes, someFileFailed, diagnostics);

        var protocols = new List<ProtocolModel>();
        var unused = new List<UnusedConst>();
        foreach (var scope in scopes.Values)
        {
            var model = scope.Build(diagnostics);
            if (model is not null && scope.File.Emit)
            {
                protocols.Add(model);
                unused.AddRange(scope.UnusedInSpec);
            }
        }
        return new SpecBundle(protocols.OrderBy(p => p.Name).ToEquatableArray(), diagnostics.ToEquatableArray(),
            unused.OrderBy(u => u.Path, System.StringComparer.Ordinal).ThenBy(u => u.Span.Start).ToEquatableArray());
    }
}

/// <summary>
/// What the generator emits: protocols to generate code for, the diagnostics to report, and the consts of those
/// protocols that nothing in the spec names (reported as ISPEC013 unless the project's C# code names them).
/// </summary>
public sealed record SpecBundle(EquatableArray<ProtocolModel> Protocols, EquatableArray<DiagnosticInfo> Diagnostics, EquatableArray<UnusedConst> UnusedConsts);

/// <summary>A const no formula or const of its spec names: its spec name, its generated member (<c>{Class}.{Identifier}</c>) and where it is declared.</summary>
public sealed record UnusedConst(string Name, string Identifier, string Class, string Path, SourceSpan Span)
{
    public DiagnosticInfo ToDiagnostic() => DiagnosticInfo.Create(DiagnosticDescriptors.UnusedConst, Path, Span, Name, Class, Identifier);
}
