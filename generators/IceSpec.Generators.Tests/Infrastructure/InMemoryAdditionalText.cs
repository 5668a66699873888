using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace IceSpec.Generators.Tests.Infrastructure;

/// <summary>A .spec file handed to the driver as an AdditionalFile, without touching the disk.</summary>
public sealed class InMemoryAdditionalText : AdditionalText
{
    private readonly SourceText _text;

    public InMemoryAdditionalText(string path, string text)
    {
        Path = path;
        _text = SourceText.From(text);
    }

    public override string Path { get; }

    public override SourceText GetText(CancellationToken cancellationToken = default) => _text;
}
