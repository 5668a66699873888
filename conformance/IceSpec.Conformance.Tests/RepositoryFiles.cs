namespace IceSpec.Conformance.Tests;

/// <summary>Files of the repository the tests read (the corpus of captures, the kit's known-failures list).</summary>
internal static class RepositoryFiles
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "IceSpec.sln"))) return dir.FullName;
            throw new InvalidOperationException("IceSpec.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static string Pcaps => Path.Combine(Root, "pcaps");

    public static string KnownFailures => Path.Combine(Root, "conformance", "known-failures.txt");
}
