using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace IceSpec.Generators.Tests.Infrastructure;

/// <summary>One .spec input: its path, its text, and whether the project emits its code (IceSpecEmit metadata; null = not set).</summary>
public sealed record SpecInput(string Path, string Text, bool? Emit = null);

/// <summary>
/// Runs <see cref="SpecGenerator"/> in a plain <see cref="CSharpGeneratorDriver"/>: reference assemblies are the running
/// runtime's own (TRUSTED_PLATFORM_ASSEMBLIES), so nothing is downloaded at test time.
/// </summary>
public static class GeneratorHarness
{
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);

    /// <summary>Every assembly of the shared framework this test runs on.</summary>
    public static ImmutableArray<MetadataReference> FrameworkReferences { get; } =
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal)
                        || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll" or "Microsoft.Win32.Primitives.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();

    /// <summary>The hand-written runtime (StunMessage, StunMessageBuilder, MachineDefinition…) that generated code is written against.</summary>
    public static MetadataReference RuntimeReference { get; } = MetadataReference.CreateFromFile(typeof(IceSpec.Stun.StunMessage).Assembly.Location);

    /// <summary>Runs the generator and compiles its output together with <paramref name="sources"/> against the runtime.</summary>
    public static GeneratorRun RunWithRuntime(IEnumerable<SpecInput> specs, params string[] sources) =>
        Run(specs, sources.Length == 0 ? new[] { "namespace User { public sealed class Program { } }" } : sources, new[] { RuntimeReference });

    public static CSharpCompilation CreateCompilation(IEnumerable<string> sources, IEnumerable<MetadataReference>? extraReferences = null) =>
        CSharpCompilation.Create("GeneratorTest",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            FrameworkReferences.AddRange(extraReferences ?? Enumerable.Empty<MetadataReference>()),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

    public static TestOptionsProvider OptionsFor(IEnumerable<SpecInput> specs) => new(specs
        .Where(s => s.Emit is not null)
        .ToImmutableDictionary(s => s.Path, s => ImmutableDictionary<string, string>.Empty
            .Add(TestOptionsProvider.EmitKey, s.Emit!.Value ? "true" : "false")));

    public static GeneratorDriver CreateDriver(IEnumerable<SpecInput> specs, bool trackSteps = true)
    {
        var list = specs.ToList();
        return CreateDriver(list.Select(s => new InMemoryAdditionalText(s.Path, s.Text)), OptionsFor(list), trackSteps);
    }

    /// <summary>A driver over these exact AdditionalText objects, so a test can later replace one of them.</summary>
    public static GeneratorDriver CreateDriver(IEnumerable<AdditionalText> texts, AnalyzerConfigOptionsProvider options, bool trackSteps = true) =>
        CSharpGeneratorDriver.Create(
            new[] { new SpecGenerator().AsSourceGenerator() },
            texts,
            ParseOptions,
            options,
            new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator once over <paramref name="specs"/> and a trivial C# source.</summary>
    public static GeneratorRun Run(params SpecInput[] specs) => Run(specs, new[] { "namespace User { public sealed class Program { } }" });

    public static GeneratorRun Run(IEnumerable<SpecInput> specs, IEnumerable<string> sources, IEnumerable<MetadataReference>? extraReferences = null)
    {
        var compilation = CreateCompilation(sources, extraReferences);
        var driver = CreateDriver(specs).RunGeneratorsAndUpdateCompilation(compilation, out var output, out var driverDiagnostics);
        return new GeneratorRun(driver, driver.GetRunResult(), output, driverDiagnostics);
    }
}

/// <summary>What one run produced.</summary>
public sealed record GeneratorRun(GeneratorDriver Driver, GeneratorDriverRunResult Result, Compilation Output, ImmutableArray<Diagnostic> DriverDiagnostics)
{
    public GeneratorRunResult Generator => Result.Results.Single();

    /// <summary>The generator's own diagnostics (not the compilation's).</summary>
    public ImmutableArray<Diagnostic> Diagnostics => Generator.Diagnostics;

    public ImmutableArray<string> HintNames => Generator.GeneratedSources.Select(s => s.HintName).OrderBy(n => n, StringComparer.Ordinal).ToImmutableArray();

    public string Source(string hintName) => Generator.GeneratedSources.Single(s => s.HintName == hintName).SourceText.ToString();

    /// <summary>The errors of compiling the generated code (and the test's sources), formatted for an assertion message.</summary>
    public string[] CompileErrors => Output.GetDiagnostics()
        .Where(d => d.Severity == DiagnosticSeverity.Error)
        .Select(d => $"{d.Id} {System.IO.Path.GetFileName(d.Location.GetLineSpan().Path)}{d.Location.GetLineSpan().StartLinePosition}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}")
        .ToArray();
}
