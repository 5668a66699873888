namespace IceSpec.Packaging.Tests.Snippets;

/// <summary>Issue 12: "The README's C# snippets are compiled by a test" — every ```csharp block, as written, with its usings.</summary>
[Trait("Category", "unit")]
public sealed class ReadmeSnippetTests
{
    public static TheoryData<string, int> Snippets()
    {
        var data = new TheoryData<string, int>();
        foreach (var snippet in ReadmeSnippet.All) data.Add(snippet.File, snippet.Line);
        return data;
    }

    [Theory]
    [MemberData(nameof(Snippets))]
    public void The_snippet_compiles_as_written(string file, int line)
    {
        var snippet = ReadmeSnippet.All.Single(s => s.File == file && s.Line == line);
        var errors = SnippetCompiler.Errors(snippet);
        Assert.True(errors.Count == 0, $"the snippet at {snippet} does not compile:\n{string.Join('\n', errors)}");
    }

    [Fact]
    public void The_top_level_readme_has_snippets()
    {
        // The theory above would pass with nothing to compile if the extraction broke.
        Assert.Contains(ReadmeSnippet.All, s => s.File == "README.md" && s.Code.Contains("IceSession.Create", StringComparison.Ordinal));
    }

    [Fact]
    public void A_block_is_taken_with_its_first_line()
    {
        var text = "# T\n\ntext\n```csharp\nusing System.Net;\nvar a = 1;\n```\n```sh\nls\n```\n";
        var snippet = Assert.Single(ReadmeSnippet.In("X.md", text));
        Assert.Equal(5, snippet.Line);
        Assert.Equal("using System.Net;\nvar a = 1;\n", snippet.Code);
    }
}
