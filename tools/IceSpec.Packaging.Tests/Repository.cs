namespace IceSpec.Packaging.Tests;

/// <summary>The repository these tests were built from: the directory above the test assembly that holds IceSpec.sln.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            if (File.Exists(Path.Combine(directory.FullName, "IceSpec.sln"))) return directory.FullName;
        throw new InvalidOperationException($"no IceSpec.sln above {AppContext.BaseDirectory}: run the tests from a build of the repository");
    }

    public static string PathOf(string relative) => Path.Combine(Root, relative);
}
