using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace IceSpec.Generators.Tests.Repository;

/// <summary>
/// Every test class of the repository carries exactly one <c>[Trait("Category", …)]</c>: <c>unit</c> (in-process, or
/// only our own processes on loopback), <c>interop</c> (starts a third-party peer or program: coturn, libnice, aioice,
/// pion, werift, chromium, tshark/editcap, coturn's turnutils, a conformance driver) or <c>lab</c> (the <c>lab</c> collection, the NAT lab,
/// network namespaces), so <c>dotnet test --filter Category=unit</c> runs the fast ones alone (README "Tests").
/// A class whose source uses a peer-starting construct (<see cref="InteropMarkers"/>, <see cref="LabMarkers"/>) and is
/// filed lower fails here. A class that builds a NAT lab (<see cref="LabRunMarkers"/>) is also in the <c>lab</c>
/// collection: labs run one at a time, and each such test checks that its process left no lab namespace behind, which a
/// lab of another class running beside it would break. Source-level (Roslyn syntax) rather than reflection: one test sees every test project.
/// </summary>
[Trait("Category", "unit")]
public sealed class TestCategoryTests
{
    private static readonly string[] Categories = ["unit", "interop", "lab"];

    /// <summary>What starts a third-party process in the tests: the fixtures and helpers that do, and the programs' names.</summary>
    private static readonly Regex InteropMarkers = new(
        @"\b(CoturnFixture|CoturnCollection|CoturnProcess|LoopbackCoturn|LabServerKind\s*\.\s*Coturn|LibniceStunPeer|LibniceSdpPeer|AioiceDriver|PeerProcess|ExternalProcess|DriverRegistry\s*\.\s*Get|IcePairRun|HeadlessChromium|TsharkDifferentialTests|AgentCaseCiRun|SeededDefectRun|PackedFeed)\b" +
        @"|""(chromium|tshark|editcap|turnserver|turnutils_\w+)""|""--impl""\s*,\s*(""(libnice|aioice|pion|werift|coturn)""|agent)",
        RegexOptions.CultureInvariant);

    /// <summary>What builds a NAT lab (namespaces named after the process): only in the <c>lab</c> collection.</summary>
    private const string LabRunPattern = @"\bNatLab\b|\bMatrixRunner\s*\.\s*RunAsync\b";

    private const string LabCollectionPattern = @"\[\s*Collection\s*\(\s*""lab""\s*\)";

    /// <summary>What needs the NAT lab (root, network namespaces).</summary>
    private static readonly Regex LabMarkers = new($@"{LabCollectionPattern}|{LabRunPattern}|""(unshare|netns)""", RegexOptions.CultureInvariant);

    private static readonly Regex LabRunMarkers = new(LabRunPattern, RegexOptions.CultureInvariant);

    private static readonly Regex LabCollection = new(LabCollectionPattern, RegexOptions.CultureInvariant);

    internal sealed record TestClass(string File, int Line, string Name, IReadOnlyList<string> Categories, string Required, bool RunsALabOutsideItsCollection);

    internal static IEnumerable<TestClass> Scan(string file, string source)
    {
        var root = CSharpSyntaxTree.ParseText(source).GetRoot();
        var classes = root.DescendantNodes().OfType<ClassDeclarationSyntax>().ToList();
        // The file's other classes (helpers such as CoturnInterop, fixtures): a test class that names one is judged with it.
        var helpers = classes.Where(c => !HasTests(c)).GroupBy(c => c.Identifier.Text, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => string.Join('\n', g.Select(Code)), StringComparer.Ordinal);
        foreach (var type in classes.Where(HasTests))
        {
            var categories = type.AttributeLists.SelectMany(l => l.Attributes)
                .Where(a => Name(a) == "Trait" && a.ArgumentList?.Arguments.Count == 2 && Literal(a.ArgumentList.Arguments[0]) == "Category")
                .Select(a => Literal(a.ArgumentList!.Arguments[1]) ?? "?")
                .ToList();
            var code = Code(type);
            var text = string.Join('\n', helpers.Where(h => Regex.IsMatch(code, $@"\b{h.Key}\b")).Select(h => h.Value).Prepend(code));
            var required = LabMarkers.IsMatch(text) ? "lab" : InteropMarkers.IsMatch(text) ? "interop" : "unit";
            var line = type.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
            var outside = LabRunMarkers.IsMatch(text) && !type.AttributeLists.Any(l => LabCollection.IsMatch(l.ToString()));
            yield return new TestClass(file, line, type.Identifier.Text, categories, required, outside);
        }
    }

    private static bool HasTests(ClassDeclarationSyntax type) =>
        type.Members.OfType<MethodDeclarationSyntax>().Any(m => m.AttributeLists.SelectMany(l => l.Attributes).Any(a => Name(a) is "Fact" or "Theory"));

    /// <summary>A class's code without comments, verbatim and raw strings (a marker quoted in prose or a pattern is not a use), tokens spaced.</summary>
    private static string Code(ClassDeclarationSyntax type) =>
        string.Join(' ', type.DescendantTokens()
            .Where(t => !t.IsKind(SyntaxKind.MultiLineRawStringLiteralToken) && !t.IsKind(SyntaxKind.SingleLineRawStringLiteralToken) && !t.Text.StartsWith("@\"", StringComparison.Ordinal))
            .Select(t => t.Text));

    private static string Name(AttributeSyntax attribute) => attribute.Name.ToString() switch
    {
        var n when n.EndsWith("Attribute", StringComparison.Ordinal) => n[..^"Attribute".Length],
        var n => n,
    };

    private static string? Literal(AttributeArgumentSyntax argument) =>
        argument.Expression is LiteralExpressionSyntax { Token.Value: string value } ? value : null;

    /// <summary>The category's problem, or null: exactly one known category, none lower than what the class does, and a lab only in the lab collection.</summary>
    internal static string? Problem(TestClass c)
    {
        if (c.Categories.Count != 1) return $"{c.File}:{c.Line} {c.Name}: {c.Categories.Count} Category traits (one of unit, interop, lab; this one: {c.Required})";
        var category = c.Categories[0];
        if (!Categories.Contains(category)) return $"{c.File}:{c.Line} {c.Name}: unknown Category '{category}'";
        if (c.RunsALabOutsideItsCollection)
            return $"{c.File}:{c.Line} {c.Name}: builds a NAT lab outside [Collection(\"lab\")], so it runs beside the other labs";
        return Array.IndexOf(Categories, category) < Array.IndexOf(Categories, c.Required)
            ? $"{c.File}:{c.Line} {c.Name}: Category '{category}' but it starts peers of the {c.Required} kind"
            : null;
    }

    private static List<TestClass> AllTestClasses() =>
        RepositoryFiles.TestSources()
            .SelectMany(f => Scan(f.File, f.Source))
            .ToList();

    [Fact]
    public void Every_test_class_has_one_category_at_least_what_it_starts()
    {
        var classes = AllTestClasses();
        Assert.True(classes.Count > 100, $"only {classes.Count} test classes found under {RepositoryFiles.Root}");
        var problems = classes.Select(Problem).OfType<string>().ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
        // Each kind is in use, so a filter on it selects something.
        Assert.All(Categories, category => Assert.Contains(classes, c => c.Categories[0] == category));
    }

    [Fact]
    public void This_test_finds_an_unfiled_class_and_peer_starting_unit_classes()
    {
        const string Source = """
            [Trait("Category", "unit")]
            public sealed class DriverTests
            {
                [Fact] public void Pairs() => IcePairRun.RunAsync(DriverRegistry.Get("libnice"), null!, null!, default);
            }

            [Collection("lab")]
            [Trait("Category", "interop")]
            public sealed class CellTests { [Fact] public void Cell() { } }

            public sealed class PlainTests { [Theory, InlineData(1)] public void Plain(int x) { } }

            [Trait("Category", "unit")]
            public sealed class FineTests { [Fact] public void Fine() { } }

            public static class Uclient { public static void Run() => ExternalProcess.Start("turnutils_uclient"); }

            [Trait("Category", "unit")]
            public sealed class ThroughAHelperTests { [Fact] public void Channel() => Uclient.Run(); }

            [Trait("Category", "lab")]
            public sealed class BesideTheLabTests { [Fact] public Task Run() => MatrixRunner.RunAsync(null!, null, default); }

            [Collection("lab")]
            [Trait("Category", "lab")]
            public sealed class InTheLabTests { [Fact] public Task Run() => MatrixRunner.RunAsync(null!, null, default); }
            """;
        var problems = Scan("seeded.cs", Source).Select(Problem).ToList();
        Assert.Equal(7, problems.Count);
        Assert.Contains("DriverTests: Category 'unit' but it starts peers of the interop kind", problems[0]);
        Assert.Contains("CellTests: Category 'interop' but it starts peers of the lab kind", problems[1]);
        Assert.Contains("PlainTests: 0 Category traits", problems[2]);
        Assert.Null(problems[3]);
        Assert.Contains("ThroughAHelperTests: Category 'unit' but it starts peers of the interop kind", problems[4]);
        Assert.Contains("BesideTheLabTests: builds a NAT lab outside [Collection(\"lab\")]", problems[5]);
        Assert.Null(problems[6]);
    }
}
