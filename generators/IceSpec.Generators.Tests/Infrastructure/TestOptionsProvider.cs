using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace IceSpec.Generators.Tests.Infrastructure;

/// <summary>
/// Per-file analyzer options as MSBuild would pass them: <c>&lt;AdditionalFiles Include="x.spec" IceSpecEmit="false" /&gt;</c>
/// with <c>CompilerVisibleItemMetadata</c> becomes <c>build_metadata.AdditionalFiles.IceSpecEmit = false</c>. Keyed by path, so
/// a replaced AdditionalText keeps its options.
/// </summary>
public sealed class TestOptionsProvider : AnalyzerConfigOptionsProvider
{
    public const string EmitKey = "build_metadata.AdditionalFiles.IceSpecEmit";

    private readonly ImmutableDictionary<string, DictionaryOptions> _byPath;

    public TestOptionsProvider(ImmutableDictionary<string, ImmutableDictionary<string, string>> byPath) =>
        _byPath = byPath.ToImmutableDictionary(kv => kv.Key, kv => new DictionaryOptions(kv.Value));

    public static TestOptionsProvider Empty { get; } = new(ImmutableDictionary<string, ImmutableDictionary<string, string>>.Empty);

    public override AnalyzerConfigOptions GlobalOptions => DictionaryOptions.None;

    public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => DictionaryOptions.None;

    public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) =>
        _byPath.TryGetValue(textFile.Path, out var options) ? options : DictionaryOptions.None;

    private sealed class DictionaryOptions(ImmutableDictionary<string, string> values) : AnalyzerConfigOptions
    {
        public static readonly DictionaryOptions None = new(ImmutableDictionary<string, string>.Empty);

        public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
    }
}
