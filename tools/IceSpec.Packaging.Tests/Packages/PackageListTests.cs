using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace IceSpec.Packaging.Tests.Packages;

/// <summary>
/// What <c>dotnet pack IceSpec.sln</c> makes, read from the project files (no packing): the packages are exactly
/// <see cref="Expected"/> (issue 14 split IceSpec.Turn into the TURN client, the server core and its hosting), each with
/// its Description, PackageTags and packed README; a package depends only on packages (a library's ProjectReference to
/// a project that is no package would be a dependency nobody can restore); IceSpec.Ice does not bring the server; and the
/// README's package table lists each package once.
/// </summary>
[Trait("Category", "unit")]
public sealed partial class PackageListTests
{
    /// <summary>Package id → project, every package the solution packs.</summary>
    private static readonly Dictionary<string, string> Expected = new()
    {
        ["IceSpec.Generators"] = "generators/IceSpec.Generators/IceSpec.Generators.csproj",
        ["IceSpec.Stun"] = "runtime/IceSpec.Stun/IceSpec.Stun.csproj",
        ["IceSpec.Turn"] = "runtime/IceSpec.Turn/IceSpec.Turn.csproj",
        ["IceSpec.Turn.Server"] = "runtime/IceSpec.Turn.Server/IceSpec.Turn.Server.csproj",
        ["IceSpec.Turn.Server.Hosting"] = "runtime/IceSpec.Turn.Server.Hosting/IceSpec.Turn.Server.Hosting.csproj",
        ["IceSpec.Ice"] = "runtime/IceSpec.Ice/IceSpec.Ice.csproj",
        ["IceSpec.Signalling"] = "runtime/IceSpec.Signalling/IceSpec.Signalling.csproj",
        ["IceSpec.Signalling.Server"] = "runtime/IceSpec.Signalling.Server/IceSpec.Signalling.Server.csproj",
        ["IceSpec.Captures"] = "conformance/IceSpec.Captures/IceSpec.Captures.csproj",
        ["IceSpec.Conformance"] = "conformance/IceSpec.Conformance/IceSpec.Conformance.csproj",
        ["icespec"] = "tools/IceSpec.Cli/IceSpec.Cli.csproj",
    };

    /// <summary>A project file as these checks read it: path relative to the root, its XML.</summary>
    internal sealed record Project(string Path, XDocument Xml)
    {
        public string? Property(string name) => Xml.Descendants().FirstOrDefault(e => e.Name.LocalName == name)?.Value.Trim();

        public bool IsPackable => string.Equals(Property("IsPackable"), "true", StringComparison.OrdinalIgnoreCase);

        public bool IsTool => string.Equals(Property("PackAsTool"), "true", StringComparison.OrdinalIgnoreCase);

        public string PackageId => Property("PackageId") ?? Property("AssemblyName") ?? System.IO.Path.GetFileNameWithoutExtension(Path);

        /// <summary>The ProjectReferences that become package dependencies (not analyzers, not PrivateAssets="all").</summary>
        public IEnumerable<string> Dependencies() =>
            Xml.Descendants().Where(e => e.Name.LocalName == "ProjectReference")
                .Where(e => !string.Equals((string?)e.Attribute("ReferenceOutputAssembly"), "false", StringComparison.OrdinalIgnoreCase)
                            && !string.Equals((string?)e.Attribute("PrivateAssets"), "all", StringComparison.OrdinalIgnoreCase))
                .Select(e => Resolve(Path, (string)e.Attribute("Include")!));
    }

    private static string Resolve(string project, string include)
    {
        var parts = new List<string>(project.Split('/')[..^1]);
        foreach (var part in include.Replace('\\', '/').Split('/'))
        {
            if (part == "..") parts.RemoveAt(parts.Count - 1);
            else if (part != ".") parts.Add(part);
        }
        return string.Join('/', parts);
    }

    private static Dictionary<string, Project> RepositoryProjects() =>
        Directory.EnumerateFiles(Repository.Root, "*.csproj", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Repository.Root, path).Replace('\\', '/'))
            .Where(path => !path.Split('/').Any(part => part is "bin" or "obj" or "node_modules" || part.StartsWith('.')))
            .ToDictionary(path => path, path => new Project(path, XDocument.Load(Repository.PathOf(path))));

    /// <summary>Every way <paramref name="projects"/> break the rules above, as messages (none: the packages are right).</summary>
    internal static List<string> Problems(IReadOnlyDictionary<string, Project> projects, IReadOnlyDictionary<string, string> expected,
        Func<string, string?> readFile)
    {
        var problems = new List<string>();
        var packable = projects.Values.Where(p => p.IsPackable).ToDictionary(p => p.Path);
        foreach (var (id, path) in expected)
            if (!packable.TryGetValue(path, out var project)) problems.Add($"{id}: {path} is not packed");
            else if (project.PackageId != id) problems.Add($"{path} packs as {project.PackageId}, not {id}");
        foreach (var path in packable.Keys.Where(path => !expected.Values.Contains(path)))
            problems.Add($"{path} is packed but not in the expected list");

        foreach (var project in packable.Values)
        {
            foreach (var property in new[] { "Description", "PackageTags" })
                if (string.IsNullOrWhiteSpace(project.Property(property))) problems.Add($"{project.Path}: no {property}");
            var readme = project.Xml.Descendants().Any(e => e.Name.LocalName == "None" && (string?)e.Attribute("Update") == "README.md"
                                                            && string.Equals((string?)e.Attribute("Pack"), "true", StringComparison.OrdinalIgnoreCase));
            var readmePath = string.Join('/', project.Path.Split('/')[..^1]) + "/README.md";
            if (!readme || string.IsNullOrWhiteSpace(readFile(readmePath))) problems.Add($"{project.Path}: no packed README.md");
            if (project.IsTool) continue; // a tool carries its dependencies' assemblies
            foreach (var dependency in project.Dependencies())
                if (!packable.ContainsKey(dependency)) problems.Add($"{project.Path} depends on {dependency}, which is no package");
        }

        var ice = expected.GetValueOrDefault("IceSpec.Ice");
        if (ice is not null && projects.ContainsKey(ice))
            foreach (var server in new[] { "IceSpec.Turn.Server", "IceSpec.Turn.Server.Hosting" })
                if (expected.TryGetValue(server, out var serverPath) && Closure(projects, ice).Contains(serverPath))
                    problems.Add($"IceSpec.Ice brings {server}: an ICE user must get the TURN client only");

        var table = readFile("README.md") ?? "";
        foreach (var id in expected.Keys)
        {
            var rows = PackageRow().Matches(table).Count(m => m.Groups[1].Value == id);
            if (rows != 1) problems.Add($"README.md's package table lists {id} {rows} times");
        }
        foreach (Match row in PackageRow().Matches(table))
            if (!expected.ContainsKey(row.Groups[1].Value)) problems.Add($"README.md's package table lists {row.Groups[1].Value}, which is no package");
        return problems;
    }

    private static HashSet<string> Closure(IReadOnlyDictionary<string, Project> projects, string start)
    {
        var seen = new HashSet<string>();
        var stack = new Stack<string>([start]);
        while (stack.TryPop(out var path))
            if (seen.Add(path) && projects.TryGetValue(path, out var project))
                foreach (var dependency in project.Dependencies()) stack.Push(dependency);
        return seen;
    }

    [GeneratedRegex(@"^\| `([A-Za-z.]+)` \|", RegexOptions.Multiline)]
    private static partial Regex PackageRow();

    private static string? ReadRepositoryFile(string relative) =>
        File.Exists(Repository.PathOf(relative)) ? File.ReadAllText(Repository.PathOf(relative)) : null;

    [Fact]
    public void The_packages_are_the_expected_ones_with_their_metadata()
    {
        var problems = Problems(RepositoryProjects(), Expected, ReadRepositoryFile);
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void Seeded_defects_are_found()
    {
        var projects = RepositoryProjects();
        // IceSpec.Ice referencing the server again, as before the split.
        var ice = projects[Expected["IceSpec.Ice"]];
        var seeded = new Dictionary<string, Project>(projects)
        {
            [ice.Path] = Edit(ice, """<ProjectReference Include="../IceSpec.Turn/IceSpec.Turn.csproj" />""",
                """<ProjectReference Include="../IceSpec.Turn.Server.Hosting/IceSpec.Turn.Server.Hosting.csproj" />"""),
        };
        // The core without a Description, the hosting not packed.
        var core = projects[Expected["IceSpec.Turn.Server"]];
        seeded[core.Path] = Edit(core, core.Property("Description")!, "");
        var hosting = projects[Expected["IceSpec.Turn.Server.Hosting"]];
        seeded[hosting.Path] = Edit(hosting, "<IsPackable>true</IsPackable>", "<IsPackable>false</IsPackable>");
        // IceSpec.Conformance depending on the test vectors (no package).
        var conformance = projects[Expected["IceSpec.Conformance"]];
        seeded[conformance.Path] = Edit(conformance, "<ItemGroup>",
            """<ItemGroup><ProjectReference Include="../../runtime/IceSpec.TestVectors/IceSpec.TestVectors.csproj" />""");

        var problems = Problems(seeded, Expected, path => path == "README.md"
            ? ReadRepositoryFile(path)!.Replace("| `IceSpec.Turn.Server` |", "| `IceSpec.Turn.Servers` |", StringComparison.Ordinal)
            : ReadRepositoryFile(path));

        Assert.Contains("IceSpec.Ice brings IceSpec.Turn.Server: an ICE user must get the TURN client only", problems);
        Assert.Contains("runtime/IceSpec.Turn.Server/IceSpec.Turn.Server.csproj: no Description", problems);
        Assert.Contains("IceSpec.Turn.Server.Hosting: runtime/IceSpec.Turn.Server.Hosting/IceSpec.Turn.Server.Hosting.csproj is not packed", problems);
        Assert.Contains("conformance/IceSpec.Conformance/IceSpec.Conformance.csproj depends on runtime/IceSpec.TestVectors/IceSpec.TestVectors.csproj, which is no package", problems);
        Assert.Contains("README.md's package table lists IceSpec.Turn.Server 0 times", problems);
        Assert.Contains("README.md's package table lists IceSpec.Turn.Servers, which is no package", problems);
    }

    private static Project Edit(Project project, string old, string replacement)
    {
        var text = project.Xml.ToString();
        Assert.Contains(old, text);
        return project with { Xml = XDocument.Parse(text.Replace(old, replacement, StringComparison.Ordinal)) };
    }
}
