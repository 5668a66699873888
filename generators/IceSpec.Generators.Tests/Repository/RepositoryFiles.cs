namespace IceSpec.Generators.Tests.Repository;

/// <summary>The checkout these tests run from: its root (where IceSpec.sln is) and its source files, build output excluded.</summary>
internal static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "IceSpec.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no IceSpec.sln above {AppContext.BaseDirectory}");
    }

    /// <summary>Files named *.<paramref name="extension"/> under the root, outside bin/, obj/ and dot-folders; paths relative to the root with '/'.</summary>
    public static IEnumerable<string> Enumerate(string extension) =>
        Directory.EnumerateFiles(Root, "*." + extension, SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Root, path).Replace('\\', '/'))
            .Where(path => !path.Split('/').Any(part => part is "bin" or "obj" || part.StartsWith('.')))
            .Order(StringComparer.Ordinal);

    public static string Read(string relativePath) => File.ReadAllText(Path.Combine(Root, relativePath));

    /// <summary>The C# files that hold xUnit tests (a <c>[Fact</c> or <c>[Theory</c> in their text), with their source.</summary>
    public static IEnumerable<(string File, string Source)> TestSources() =>
        Enumerate("cs")
            .Select(file => (file, Read(file)))
            .Where(f => f.Item2.Contains("[Fact", StringComparison.Ordinal) || f.Item2.Contains("[Theory", StringComparison.Ordinal));
}
