using System.Reflection;
using IceSpec.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace IceSpec.Generators.Tests;

/// <summary>
/// Top-level consts and formulas (ice.spec's candidate and pair priorities): the generated code is compiled against the
/// runtime, loaded, and run on the RFC's own numbers.
/// </summary>
[Trait("Category", "unit")]
public sealed class FormulaTests
{
    private static readonly Lazy<Assembly> IceAssembly = new(() =>
    {
        var run = GeneratorHarness.RunWithRuntime([new SpecInput("/specs/stun.spec", SpecFiles.Stun, Emit: false), new SpecInput("/specs/ice.spec", SpecFiles.Ice)], GuardImplementations);
        // ISPEC013 (a const no C# here names) is the runtime's to answer: DiagnosticTests.The_base_specs_consts_are_used_by_their_runtime.
        Assert.Empty(run.Diagnostics.Where(d => d.Id != "ISPEC013"));
        using var image = new MemoryStream();
        var emitted = run.Output.Emit(image);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        return Assembly.Load(image.ToArray());
    });

    // ice.spec's named guards are the runtime's to implement (partial bool methods); these make the generated code compile.
    private const string GuardImplementations = """
        namespace IceSpec.Ice
        {
            public sealed partial class CheckListMachine { private partial bool RemoteCandidatesEnded() => true; }
            public sealed partial class PairNominationMachine { private partial bool AgentIsLite() => false; private partial bool PairIsSucceeded() => true; }
            public sealed partial class AgentRoleMachine { private partial bool AgentIsLite() => false; private partial bool PeerTieBreakerLarger() => false; }
            public sealed partial class CandidatePairMachine { private partial bool CheckNominates() => false; private partial bool CheckRefreshesConsent() => false; }
        }
        """;

    private static long Call(string formula, params long[] arguments) =>
        (long)IceAssembly.Value.GetType("IceSpec.Ice.IceFormulas")!.GetMethod(formula)!.Invoke(null, arguments.Cast<object>().ToArray())!;

    private static long Const(string name) =>
        (long)IceAssembly.Value.GetType("IceSpec.Ice.IceFormulas")!.GetField(name)!.GetRawConstantValue()!;

    [Fact]
    public void Candidate_priority_of_a_host_candidate_is_the_well_known_2130706431()
    {
        // RFC 8445 §5.1.2.1 with type preference 126, local preference 65535, component 1: 2^24*126 + 2^8*65535 + 255.
        Assert.Equal(2130706431, Call("CandidatePriority", Const("HostTypePreference"), Const("SingleAddressLocalPreference"), 1));
        Assert.Equal(126L << 24 | 65535L << 8 | (256 - 2), Call("CandidatePriority", 126, 65535, 2));
        Assert.Equal(0L << 24 | 65535L << 8 | 255, Call("CandidatePriority", Const("RelayedTypePreference"), 65535, 1));
    }

    [Theory]
    [InlineData(2130706431L, 1694498815L)]
    [InlineData(1694498815L, 2130706431L)]
    [InlineData(100L, 100L)]
    public void Pair_priority_follows_rfc8445_section_6_1_2_3(long controlling, long controlled)
    {
        var expected = (1L << 32) * Math.Min(controlling, controlled) + 2 * Math.Max(controlling, controlled) + (controlling > controlled ? 1 : 0);
        Assert.Equal(expected, Call("PairPriority", controlling, controlled));
    }

    [Fact]
    public void Constants_are_folded_into_the_generated_code()
    {
        var run = GeneratorHarness.Run(new SpecInput("/specs/stun.spec", SpecFiles.Stun, Emit: false), new SpecInput("/specs/ice.spec", SpecFiles.Ice));
        var source = run.Source("Ice.Formulas.g.cs");
        Assert.Contains("public const long HostTypePreference = 126L;", source);
        Assert.Contains("16777216L * typePreference", source); // 2 ^ 24 folded
    }

    [Fact]
    public void Unknown_function_is_an_expression_error()
    {
        const string text = """
            protocol acme "RFC 8489 §18.3";
            namespace Acme.Stun;
            formula F(a) = floor(a) "RFC 8489 §18.3";
            """;
        var diagnostic = Assert.Single(GeneratorHarness.Run(new SpecInput("/specs/acme.spec", text)).Diagnostics);
        Assert.Equal("ISPEC011", diagnostic.Id);
        Assert.Contains("'floor' with 1 arguments is not a function", diagnostic.GetMessage());
    }

    [Fact]
    public void Unknown_name_in_a_formula_is_reported()
    {
        const string text = """
            protocol acme "RFC 8489 §18.3";
            namespace Acme.Stun;
            formula F(a) = a + b "RFC 8489 §18.3";
            """;
        var diagnostic = Assert.Single(GeneratorHarness.Run(new SpecInput("/specs/acme.spec", text)).Diagnostics);
        Assert.Equal("ISPEC005", diagnostic.Id);
        Assert.Equal(text.IndexOf("b \"", StringComparison.Ordinal), diagnostic.Location.SourceSpan.Start);
    }
}
