using System.Linq;
using IceSpec.Generators.Binding;
using IceSpec.Generators.Emit;
using IceSpec.Generators.Model;
using IceSpec.Generators.Parsing;
using Microsoft.CodeAnalysis;

namespace IceSpec.Generators;

/// <summary>
/// Reads every <c>.spec</c> AdditionalFile: parse (per file) → bind (all files, for imports) → emit (per protocol).
/// Each step's output is equatable data, so an edit elsewhere leaves every step Cached. A spec added with
/// <c>IceSpecEmit="false"</c> metadata is read for its names only (its code lives in another assembly).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class SpecGenerator : IIncrementalGenerator
{
    public static class TrackingNames
    {
        public const string Parse = nameof(Parse);
        public const string Bind = nameof(Bind);
        public const string Protocols = nameof(Protocols);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        var parsed = context.AdditionalTextsProvider
            .Where(static file => file.Path.EndsWith(".spec", System.StringComparison.OrdinalIgnoreCase))
            .Combine(context.AnalyzerConfigOptionsProvider)
            .Select(static (pair, cancellation) =>
            {
                var (file, options) = pair;
                var emit = !(options.GetOptions(file).TryGetValue("build_metadata.AdditionalFiles.IceSpecEmit", out var value)
                             && string.Equals(value, "false", System.StringComparison.OrdinalIgnoreCase));
                var text = file.GetText(cancellation)?.ToString() ?? "";
                return SpecParser.Parse(file.Path, text, emit);
            })
            .WithTrackingName(TrackingNames.Parse);

        var bundle = parsed.Collect()
            .Select(static (files, _) => SpecBinder.Bind(files.OrderBy(f => f.Path, System.StringComparer.Ordinal).ToEquatableArray()))
            .WithTrackingName(TrackingNames.Bind);

        context.RegisterSourceOutput(bundle.Select(static (b, _) => b.Diagnostics), static (spc, diagnostics) =>
        {
            foreach (var diagnostic in diagnostics) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
        });

        // ISPEC013: a const no formula or const of the spec names is still used when the project's C# code names it
        // (IceFormulas.MaxTcpFrameLength). Each C# file is read once (an edit re-reads only that file) and kept as the
        // names of those consts it contains, so C# that names none of them leaves the report step Cached.
        var constNames = bundle.Select(static (b, _) =>
            b.UnusedConsts.Select(u => u.Identifier).Distinct().OrderBy(n => n, System.StringComparer.Ordinal).ToEquatableArray());
        var named = context.SyntaxProvider
            .CreateSyntaxProvider(
                static (node, _) => node is Microsoft.CodeAnalysis.CSharp.Syntax.CompilationUnitSyntax,
                static (syntax, _) => syntax.Node.DescendantNodes()
                    .OfType<Microsoft.CodeAnalysis.CSharp.Syntax.IdentifierNameSyntax>()
                    .Select(n => n.Identifier.ValueText).Distinct().OrderBy(n => n, System.StringComparer.Ordinal).ToEquatableArray())
            .Combine(constNames)
            .Select(static (pair, _) => pair.Left.Where(n => pair.Right.Contains(n)).ToEquatableArray())
            .Collect()
            .Select(static (files, _) => files.SelectMany(f => f).Distinct().OrderBy(n => n, System.StringComparer.Ordinal).ToEquatableArray());
        context.RegisterSourceOutput(bundle.Select(static (b, _) => b.UnusedConsts).Combine(named), static (spc, pair) =>
        {
            var (unused, names) = pair;
            foreach (var constant in unused)
                if (!names.Contains(constant.Identifier)) spc.ReportDiagnostic(constant.ToDiagnostic().ToDiagnostic());
        });

        var protocols = bundle.SelectMany(static (b, _) => b.Protocols).WithTrackingName(TrackingNames.Protocols);
        context.RegisterSourceOutput(protocols, static (spc, protocol) =>
        {
            spc.AddSource($"{protocol.Prefix}.Registry.g.cs", RegistryEmitter.Emit(protocol));
            if (protocol.Attributes.Count + protocol.Structs.Count > 0)
                spc.AddSource($"{protocol.Prefix}.Attributes.g.cs", AttributeEmitter.Emit(protocol));
            // A standalone protocol's messages are not StunMessages: nothing validates or views them as such.
            if (!protocol.Standalone)
            {
                spc.AddSource($"{protocol.Prefix}.Validator.g.cs", ValidatorEmitter.Emit(protocol));
                if (protocol.Messages.Count > 0)
                    spc.AddSource($"{protocol.Prefix}.MessageViews.g.cs", MessageViewEmitter.Emit(protocol));
            }
            spc.AddSource($"{protocol.Prefix}.Requirements.g.cs", CatalogEmitter.Emit(protocol));
            if (protocol.Constants.Count + protocol.Formulas.Count > 0)
                spc.AddSource($"{protocol.Prefix}.Formulas.g.cs", FormulaEmitter.Emit(protocol));
            foreach (var machine in protocol.Machines)
                spc.AddSource($"{protocol.Prefix}.{machine.Identifier}Machine.g.cs", MachineEmitter.Emit(protocol, machine));
        });
    }
}
