using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace IceSpec.Packaging.Tests.Snippets;

/// <summary>
/// Compiles a snippet as the top-level program of a console project (C# latest, nullable on, the SDK's implicit usings)
/// with <see cref="ApplicationHarness"/>, against the assemblies this test runs with: the .NET runtime and IceSpec's
/// runtime libraries (IceSpec.Stun, IceSpec.Turn, IceSpec.Ice, IceSpec.Captures, IceSpec.Conformance) and their dependencies.
/// </summary>
internal static class SnippetCompiler
{
    private static readonly CSharpParseOptions Parse = new(LanguageVersion.Latest);

    private static readonly Lazy<IReadOnlyList<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(path => path.EndsWith(".dll", StringComparison.Ordinal))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToList());

    /// <summary>The errors of compiling <paramref name="snippet"/>, each with its line in the README.</summary>
    public static IReadOnlyList<string> Errors(ReadmeSnippet snippet)
    {
        var trees = new[]
        {
            CSharpSyntaxTree.ParseText(snippet.Code, Parse, path: snippet.File),
            CSharpSyntaxTree.ParseText(ApplicationHarness.Source, Parse, path: "ApplicationHarness.cs"),
            CSharpSyntaxTree.ParseText(ApplicationHarness.ImplicitUsings, Parse, path: "GlobalUsings.g.cs"),
        };
        var compilation = CSharpCompilation.Create("ReadmeSnippet", trees, References.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        return compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => Describe(snippet, d))
            .ToList();
    }

    private static string Describe(ReadmeSnippet snippet, Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetLineSpan();
        var where = span.Path == snippet.File ? $"{snippet.File}:{snippet.Line + span.StartLinePosition.Line}" : span.Path;
        return $"{where}: {diagnostic.Id} {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }
}
