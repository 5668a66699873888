using System.Collections.Immutable;
using IceSpec.Generators.Model;
using IceSpec.Generators.Parsing;
using IceSpec.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace IceSpec.Generators.Tests;

/// <summary>
/// The pipeline's named steps (<see cref="SpecGenerator.TrackingNames"/>) stay Cached or Unchanged when what they read did
/// not change: a C# edit must not re-parse or re-emit the spec, and an edit to one spec must not re-parse another.
/// </summary>
[Trait("Category", "unit")]
public sealed class IncrementalCachingTests
{
    private const string StunPath = "/specs/stun.spec";
    private const string OtherPath = "/specs/other.spec";

    private const string Other = """
        protocol other "RFC 8489 §18.3";
        namespace Other.Stun;
        method Ping 0x050 "RFC 8489 §18.2";

        """;

    internal static readonly string[] TrackedNames =
        { SpecGenerator.TrackingNames.Parse, SpecGenerator.TrackingNames.Bind, SpecGenerator.TrackingNames.Protocols };

    /// <summary>A driver kept across runs, with the AdditionalText objects it was given so one can be replaced.</summary>
    private sealed class Session
    {
        private readonly Dictionary<string, AdditionalText> _texts = new();

        public Session(params (string Path, string Text)[] specs)
        {
            foreach (var (path, text) in specs) _texts[path] = new InMemoryAdditionalText(path, text);
            Driver = GeneratorHarness.CreateDriver(_texts.Values.ToList(), TestOptionsProvider.Empty);
        }

        public GeneratorDriver Driver { get; private set; }

        public CSharpCompilation Compilation { get; set; } = GeneratorHarness.CreateCompilation(new[] { "namespace User { public class A { } }" });

        public GeneratorRunResult Run()
        {
            Driver = Driver.RunGenerators(Compilation);
            return Driver.GetRunResult().Results.Single();
        }

        public void Replace(string path, string text)
        {
            var replacement = new InMemoryAdditionalText(path, text);
            Driver = Driver.ReplaceAdditionalText(_texts[path], replacement);
            _texts[path] = replacement;
        }
    }

    private static IncrementalStepRunReason[] Reasons(GeneratorRunResult result, string step) =>
        result.TrackedSteps[step].SelectMany(s => s.Outputs).Select(o => o.Reason).ToArray();

    private static IncrementalStepRunReason ParseReason(GeneratorRunResult result, string path) =>
        result.TrackedSteps[SpecGenerator.TrackingNames.Parse].SelectMany(s => s.Outputs).Single(o => ((ParsedSpec)o.Value).Path == path).Reason;

    private static IncrementalStepRunReason ProtocolReason(GeneratorRunResult result, string protocol) =>
        result.TrackedSteps[SpecGenerator.TrackingNames.Protocols].SelectMany(s => s.Outputs).Single(o => ((ProtocolModel)o.Value).Name == protocol).Reason;

    private static void AssertAllCachedOrUnchanged(GeneratorRunResult result, IEnumerable<string> steps)
    {
        foreach (var step in steps)
        {
            var reasons = Reasons(result, step);
            Assert.NotEmpty(reasons);
            Assert.All(reasons, r => Assert.True(r is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"step {step}: {r}"));
        }
    }

    [Fact]
    public void Moving_the_spec_text_down_a_line_re_parses_but_leaves_the_emit_input_unchanged()
    {
        // Positions live in the parse output (for diagnostics) but not in the bound model the emitters read.
        var session = new Session((StunPath, SpecFiles.Stun));
        session.Run();
        session.Replace(StunPath, "\n// a comment that moves every declaration one line down\n" + SpecFiles.Stun);
        var second = session.Run();
        Assert.Equal(IncrementalStepRunReason.Modified, ParseReason(second, StunPath));
        Assert.True(ProtocolReason(second, "stun") is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
            $"Protocols: {ProtocolReason(second, "stun")}");
    }

    [Fact]
    public void First_run_produces_every_tracked_step_as_new()
    {
        var first = new Session((StunPath, SpecFiles.Stun)).Run();
        Assert.Equal(TrackedNames.OrderBy(n => n), first.TrackedSteps.Keys.Intersect(TrackedNames).OrderBy(n => n));
        foreach (var step in TrackedNames) Assert.All(Reasons(first, step), r => Assert.Equal(IncrementalStepRunReason.New, r));
        Assert.Single(Reasons(first, SpecGenerator.TrackingNames.Parse));
        Assert.Single(Reasons(first, SpecGenerator.TrackingNames.Bind));
        Assert.Single(Reasons(first, SpecGenerator.TrackingNames.Protocols));
    }

    [Fact]
    public void Adding_a_CSharp_class_leaves_every_step_and_output_cached()
    {
        var session = new Session((StunPath, SpecFiles.Stun));
        var first = session.Run();
        session.Compilation = session.Compilation.AddSyntaxTrees(
            CSharpSyntaxTree.ParseText("namespace User { public class B { public int X; } }", GeneratorHarness.ParseOptions));
        var second = session.Run();

        foreach (var step in TrackedNames) Assert.All(Reasons(second, step), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        Assert.All(second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs),
            o => Assert.Equal(IncrementalStepRunReason.Cached, o.Reason));
        Assert.Equal(first.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())),
            second.GeneratedSources.Select(s => (s.HintName, s.SourceText.ToString())));
    }

    [Fact]
    public void Editing_a_second_spec_leaves_the_first_specs_parse_and_model_alone()
    {
        var session = new Session((StunPath, SpecFiles.Stun), (OtherPath, Other));
        session.Run();
        session.Replace(OtherPath, Other + "method Pong 0x051 \"RFC 8489 §18.2\";\n");
        var second = session.Run();

        Assert.Equal(IncrementalStepRunReason.Cached, ParseReason(second, StunPath));
        Assert.Equal(IncrementalStepRunReason.Modified, ParseReason(second, OtherPath));
        Assert.Equal(IncrementalStepRunReason.Modified, Assert.Single(Reasons(second, SpecGenerator.TrackingNames.Bind)));
        Assert.True(ProtocolReason(second, "stun") is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
            $"Protocols: {ProtocolReason(second, "stun")}");
        Assert.Equal(IncrementalStepRunReason.Modified, ProtocolReason(second, "other"));
        // Only the edited protocol's sources are produced again.
        var outputs = second.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(s => s.Outputs).ToArray();
        Assert.Single(outputs, o => o.Reason == IncrementalStepRunReason.Modified);
    }

    [Fact]
    public void Editing_a_trailing_comment_re_parses_to_an_equal_model_and_emits_nothing_again()
    {
        var session = new Session((StunPath, SpecFiles.Stun));
        session.Run();
        session.Replace(StunPath, SpecFiles.Stun + "\n// a comment after the last declaration\n");
        var second = session.Run();

        Assert.Equal(IncrementalStepRunReason.Unchanged, ParseReason(second, StunPath)); // re-parsed, equal value
        Assert.Equal(IncrementalStepRunReason.Cached, Assert.Single(Reasons(second, SpecGenerator.TrackingNames.Bind)));
        AssertAllCachedOrUnchanged(second, TrackedNames);
    }

    [Fact]
    public void Editing_the_spec_itself_re_emits_it()
    {
        // The other side of caching: a real change must get through every step.
        var declaration = System.Text.RegularExpressions.Regex.Match(SpecFiles.Stun, @"attribute XOR-MAPPED-ADDRESS\s+0x0020").Value;
        Assert.NotEmpty(declaration);
        var session = new Session((StunPath, SpecFiles.Stun));
        session.Run();
        session.Replace(StunPath, SpecFiles.Stun.Replace(declaration, declaration.Replace("0x0020", "0x0021")));
        var second = session.Run();
        foreach (var step in TrackedNames) Assert.All(Reasons(second, step), r => Assert.Equal(IncrementalStepRunReason.Modified, r));
        Assert.Contains("public const ushort XorMappedAddress = 0x0021;",
            second.GeneratedSources.Single(s => s.HintName == "Stun.Registry.g.cs").SourceText.ToString());
    }

    [Fact]
    public void Changing_only_the_emit_metadata_re_parses()
    {
        var text = new InMemoryAdditionalText(StunPath, SpecFiles.Stun);
        var compilation = GeneratorHarness.CreateCompilation(new[] { "class A { }" });
        var driver = GeneratorHarness.CreateDriver(new[] { text }, TestOptionsProvider.Empty).RunGenerators(compilation);
        Assert.Equal(7, driver.GetRunResult().GeneratedTrees.Length); // registry, attributes, validator, message views, requirements, formulas (FingerprintXor), one machine

        var importOnly = new TestOptionsProvider(ImmutableDictionary<string, ImmutableDictionary<string, string>>.Empty
            .Add(StunPath, ImmutableDictionary<string, string>.Empty.Add(TestOptionsProvider.EmitKey, "False")));
        driver = driver.WithUpdatedAnalyzerConfigOptions(importOnly).RunGenerators(compilation);
        var result = driver.GetRunResult().Results.Single();
        Assert.Equal(IncrementalStepRunReason.Modified, ParseReason(result, StunPath));
        Assert.Empty(result.GeneratedSources); // "False" is read case-insensitively
    }
}
