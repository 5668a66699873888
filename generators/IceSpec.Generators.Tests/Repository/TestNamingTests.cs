using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace IceSpec.Generators.Tests.Repository;

/// <summary>
/// One naming style for test methods (docs/ARCHITECTURE.md, "Tests"): a sentence with underscores for spaces, as the test
/// runner prints it — <c>A_lost_request_is_sent_again_after_the_transactions_RTO</c>. Words are lower case; a word keeps
/// its capitals when it is an acronym (<c>RTO</c>, <c>IPv6</c>, <c>0x4FFF</c>) or a name from the code
/// (<c>ChannelData</c>, <c>TrySend</c>). A one-word name (<c>Label</c>) is a sentence too. What this refuses: the two
/// other styles the repository had — <c>PascalCaseSentences</c> and <c>Capitalised_Segments_Like_This</c>.
/// </summary>
[Trait("Category", "unit")]
public sealed class TestNamingTests
{
    /// <summary>One word (with its number: rfc8445, Nat64), an acronym, a hex number, or a digit run.</summary>
    private static readonly Regex PlainWord = new(@"^([A-Z]?[a-z]+[0-9]*|[a-z]*[0-9]+[a-z]*|[A-Z0-9]+|0x[0-9A-Fa-f]+|IPv[46])$", RegexOptions.CultureInvariant);

    /// <summary>Proper names written as their owners write them.</summary>
    private static readonly HashSet<string> ProperNames = new(StringComparer.Ordinal) { "IceSpec", "JUnit", "SaslPrep", "WebRtc", "SharpPcap", "IBufferWriter", "CSharp" };

    internal sealed record TestMethod(string File, int Line, string Name, IReadOnlySet<string> Identifiers);

    internal static IEnumerable<TestMethod> Scan(string file, string source)
    {
        var root = CSharpSyntaxTree.ParseText(source).GetRoot();
        // Names the file's code uses (types, members, enum values): a test may name them as they are written.
        var identifiers = root.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText).ToHashSet(StringComparer.Ordinal);
        foreach (var method in root.DescendantNodes().OfType<MethodDeclarationSyntax>())
        {
            if (!method.AttributeLists.SelectMany(l => l.Attributes).Any(a => a.Name.ToString() is "Fact" or "Theory" or "FactAttribute" or "TheoryAttribute")) continue;
            var line = method.Identifier.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
            yield return new TestMethod(file, line, method.Identifier.Text, identifiers);
        }
    }

    /// <summary>Why the name is not a sentence, or null.</summary>
    internal static string? Problem(TestMethod m)
    {
        var words = m.Name.Split('_');
        bool NamedInCode(string word) => ProperNames.Contains(word) || (m.Identifiers.Contains(word) && word != m.Name);
        if (words.Length == 1)
            return PlainWord.IsMatch(m.Name) ? null : $"{m.File}:{m.Line} {m.Name}: a PascalCase sentence; write it with underscores, in lower case";
        if (words.Any(w => w.Length == 0)) return $"{m.File}:{m.Line} {m.Name}: an empty word (two underscores in a row)";
        var capitalised = words.Skip(1).Where(w => char.IsUpper(w[0]) && !PlainWord.IsMatch(w) && !NamedInCode(w)).ToList();
        if (!PlainWord.IsMatch(words[0]) && !NamedInCode(words[0])) capitalised.Insert(0, words[0]);
        if (capitalised.Count > 0)
            return $"{m.File}:{m.Line} {m.Name}: {string.Join(", ", capitalised)} — several words run together; separate them with underscores";
        if (words.Skip(1).All(w => char.IsUpper(w[0]) && !(w.Length > 1 && w.All(c => char.IsUpper(c) || char.IsDigit(c)))))
            return $"{m.File}:{m.Line} {m.Name}: Capitalised_Segments; only the first word starts with a capital";
        return null;
    }

    [Fact]
    public void Every_test_method_is_named_as_a_sentence()
    {
        var methods = RepositoryFiles.TestSources()
            .SelectMany(f => Scan(f.File, f.Source))
            .ToList();
        Assert.True(methods.Count > 800, $"only {methods.Count} test methods found under {RepositoryFiles.Root}");
        var problems = methods.Select(Problem).OfType<string>().ToList();
        Assert.True(problems.Count == 0, string.Join('\n', problems));
    }

    [Fact]
    public void This_test_refuses_the_other_two_styles_and_accepts_names_from_the_code()
    {
        const string Source = """
            public sealed class SeededTests
            {
                [Fact] public void ParsesTheRfc5769Request() { }
                [Fact] public void Channel_OutsideTheRange_IsRefused() { }
                [Fact] public void Round_Trips_With_Padding() { }
                [Fact] public void A_lost_request_is_sent_again_after_the_RTO() { }
                [Fact] public void TrySend_allocates_nothing() => session.TrySend(data);
                [Fact] public void Channel_0x4FFF_is_the_last_one_over_IPv6() { }
                [Fact] public void Label() { }
                [Theory, InlineData(1)] public void Quota_per_user_is_486_and_ChannelData_flows(int x) => ChannelData.Write(x);
            }
            """;
        var problems = Scan("seeded.cs", Source).Select(Problem).ToList();
        Assert.Equal(8, problems.Count);
        Assert.Contains("a PascalCase sentence", problems[0]);
        Assert.Contains("OutsideTheRange, IsRefused — several words run together", problems[1]);
        Assert.Contains("Capitalised_Segments", problems[2]);
        Assert.All(problems.Skip(3), Assert.Null);
    }
}
