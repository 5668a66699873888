using System.Xml.Linq;

namespace IceSpec.Generators.Tests.Repository;

/// <summary>
/// The projects follow the pipeline spec → generators → runtime → conformance → tools (issue 14): a project's
/// ProjectReferences point to its own stage or an earlier one, never back. A test project belongs to the stage of its
/// folder, so it may reference its subject and what comes before it. Today's back-references are listed in
/// <see cref="Exceptions"/>, each with its reason; one that is gone must leave the list too.
/// </summary>
[Trait("Category", "unit")]
public sealed class ProjectReferenceTests
{
    /// <summary>The stages, in pipeline order, by top-level folder (spec/ has no project: it is read as AdditionalFiles).</summary>
    private static readonly string[] Stages = ["spec", "generators", "runtime", "conformance", "tools"];

    /// <summary>Back-references that exist today: (from, to) → why.</summary>
    private static readonly Dictionary<(string From, string To), string> Exceptions = new()
    {
        [("generators/IceSpec.Generators.Tests/IceSpec.Generators.Tests.csproj", "runtime/IceSpec.Stun/IceSpec.Stun.csproj")] =
            "generated code is compiled against the real runtime API (StunMessage, StunMessageBuilder, MachineDefinition…)",
        [("generators/IceSpec.Generators.UserSpec.Tests/IceSpec.Generators.UserSpec.Tests.csproj", "runtime/IceSpec.Stun/IceSpec.Stun.csproj")] =
            "a user project: its vendor .spec is generated and run against the runtime package it would use",
        [("conformance/IceSpec.Conformance.Tests/IceSpec.Conformance.Tests.csproj", "tools/IceSpec.Cli/IceSpec.Cli.csproj")] =
            "the server cases start `icespec turn-server` (the built icespec.dll); the conformance command's tests run CliApp",
    };

    internal static int Stage(string project) => Array.IndexOf(Stages, project.Split('/')[0]);

    /// <summary>Every ProjectReference of every .csproj, as (from, to) paths relative to the root.</summary>
    private static List<(string From, string To)> References() =>
        RepositoryFiles.Enumerate("csproj")
            .SelectMany(project => XDocument.Parse(RepositoryFiles.Read(project)).Descendants()
                .Where(e => e.Name.LocalName == "ProjectReference")
                .Select(e => (From: project, To: Resolve(project, (string)e.Attribute("Include")!))))
            .ToList();

    private static string Resolve(string project, string include) =>
        Path.GetRelativePath(RepositoryFiles.Root, Path.GetFullPath(Path.Combine(RepositoryFiles.Root, Path.GetDirectoryName(project)!, include.Replace('\\', '/'))))
            .Replace('\\', '/');

    /// <summary>The references that go back in the pipeline and are not excepted, as messages.</summary>
    internal static List<string> BackReferences(IEnumerable<(string From, string To)> references, IReadOnlyDictionary<(string, string), string> exceptions) =>
        references
            .Where(r => Stage(r.From) < 0 || Stage(r.To) < 0 || Stage(r.To) > Stage(r.From))
            .Where(r => !exceptions.ContainsKey(r))
            .Select(r => Stage(r.From) < 0 || Stage(r.To) < 0
                ? $"{r.From} → {r.To}: outside the stages {string.Join(", ", Stages)}"
                : $"{r.From} ({Stages[Stage(r.From)]}) → {r.To} ({Stages[Stage(r.To)]}): a reference back in the pipeline")
            .ToList();

    [Fact]
    public void Project_references_never_go_back_in_the_pipeline()
    {
        var references = References();
        Assert.True(references.Count > 20, $"only {references.Count} ProjectReferences found under {RepositoryFiles.Root}");
        var back = BackReferences(references, Exceptions);
        Assert.True(back.Count == 0, string.Join('\n', back));
        var stale = Exceptions.Keys.Where(e => !references.Contains(e)).Select(e => $"{e.From} → {e.To}").ToList();
        Assert.True(stale.Count == 0, "no longer a reference, remove it from Exceptions:\n" + string.Join('\n', stale));
    }

    [Fact]
    public void A_seeded_back_reference_fails()
    {
        (string, string)[] references =
        [
            ("runtime/IceSpec.Ice/IceSpec.Ice.csproj", "runtime/IceSpec.Stun/IceSpec.Stun.csproj"),               // same stage
            ("runtime/IceSpec.Stun/IceSpec.Stun.csproj", "generators/IceSpec.Generators/IceSpec.Generators.csproj"), // forward
            ("runtime/IceSpec.Turn/IceSpec.Turn.csproj", "conformance/IceSpec.Captures/IceSpec.Captures.csproj"),   // back
            ("generators/IceSpec.Generators/IceSpec.Generators.csproj", "tools/IceSpec.Cli/IceSpec.Cli.csproj"),    // back
            ("samples/X/X.csproj", "runtime/IceSpec.Stun/IceSpec.Stun.csproj"),                                     // no stage
        ];
        var back = BackReferences(references, Exceptions);
        Assert.Equal(3, back.Count);
        Assert.StartsWith("runtime/IceSpec.Turn/IceSpec.Turn.csproj (runtime) → conformance/IceSpec.Captures/IceSpec.Captures.csproj (conformance)", back[0]);
        Assert.StartsWith("generators/IceSpec.Generators/IceSpec.Generators.csproj (generators) → tools/", back[1]);
        Assert.Contains("outside the stages", back[2]);
    }
}
