using System.Text.RegularExpressions;

namespace IceSpec.Packaging.Tests.Snippets;

/// <summary>One ```csharp block of a README: its file (relative to the repository), the line its code starts on, the code.</summary>
public sealed partial record ReadmeSnippet(string File, int Line, string Code)
{
    /// <summary>Every ```csharp block of every README.md in the repository (outside bin/, obj/, node_modules/ and dot-folders).</summary>
    public static IReadOnlyList<ReadmeSnippet> All { get; } = FindAll();

    public override string ToString() => $"{File}:{Line}";

    [GeneratedRegex(@"^```csharp[ \t]*\r?\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Block();

    public static IEnumerable<ReadmeSnippet> In(string relativePath, string text) =>
        Block().Matches(text).Select(m => new ReadmeSnippet(relativePath, LineOf(text, m.Groups["code"].Index), m.Groups["code"].Value));

    private static int LineOf(string text, int index) => 1 + text.AsSpan(0, index).Count('\n');

    private static List<ReadmeSnippet> FindAll()
    {
        var root = Repository.Root;
        var options = new EnumerationOptions { RecurseSubdirectories = true, MatchCasing = MatchCasing.CaseSensitive };
        return Directory.EnumerateFiles(root, "README.md", options)
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Where(relative => !relative.Split('/').Any(part => part is "bin" or "obj" or "node_modules" || part.StartsWith('.')))
            .Order(StringComparer.Ordinal)
            .SelectMany(relative => In(relative, System.IO.File.ReadAllText(Path.Combine(root, relative))))
            .ToList();
    }
}
