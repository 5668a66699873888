using System.Text.RegularExpressions;

namespace IceSpec.Cli.Tests.LiteralGuard;

/// <summary>
/// Issue 14's guard: hand-written code in runtime/, conformance/ and tools/ uses the generated symbols, not the
/// registry codes and RFC constants they stand for. Reviewed exceptions are listed, each with its reason, in
/// allowed-literals.txt next to this file.
/// </summary>
[Trait("Category", "unit")]
public class LiteralGuardTests
{
    // One scan of the repository for the two tests that read it (~1 s).
    private static readonly Lazy<IReadOnlyList<LiteralHit>> RepositoryHits = new(() => LiteralScanner.Scan(Repository.Root));

    private static readonly string AllowListPath = Repository.File("tools", "IceSpec.Cli.Tests", "LiteralGuard", "allowed-literals.txt");

    /// <summary>
    /// An allow-list line: <c>path | text of the source line (a part of it) | reason</c>; the text <c>*</c> allows the
    /// whole file (for a file whose whole point is another registry, e.g. RFC 3489's).
    /// </summary>
    private sealed record Allowed(string Path, string Text, string Reason, int LineNumber)
    {
        public bool Covers(LiteralHit hit) => hit.Path == Path && (Text == "*" || hit.Text.Contains(Text, StringComparison.Ordinal));
    }

    private static List<Allowed> ReadAllowList()
    {
        var entries = new List<Allowed>();
        var lines = File.ReadAllLines(AllowListPath);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var parts = line.Split(" | ");
            Assert.True(parts.Length == 3 && parts.All(p => p.Trim().Length > 0),
                $"allowed-literals.txt:{i + 1}: expected 'path | source text | reason', got: {line}");
            entries.Add(new Allowed(parts[0].Trim(), parts[1].Trim(), parts[2].Trim(), i + 1));
        }
        return entries;
    }

    [Fact]
    public void Hand_written_code_uses_generated_symbols_not_registry_literals()
    {
        var allowed = ReadAllowList();
        var unexplained = RepositoryHits.Value.Where(h => !allowed.Any(a => a.Covers(h))).ToList();
        Assert.True(unexplained.Count == 0,
            "Registry codes or RFC constants written as literals (use the generated symbol — StunErrorCodes, StunAttributeTypes, " +
            "StunRanges/TurnRanges, StunClientTransactionMachine, *Formulas — or, after review, add a line with the reason to " +
            "tools/IceSpec.Cli.Tests/LiteralGuard/allowed-literals.txt):\n" + string.Join("\n", unexplained));
    }

    [Fact]
    public void Every_allowed_literal_still_exists()
    {
        var hits = RepositoryHits.Value;
        var stale = ReadAllowList().Where(a => !hits.Any(a.Covers)).Select(a => $"allowed-literals.txt:{a.LineNumber}: {a.Path} | {a.Text}").ToList();
        Assert.True(stale.Count == 0, "Allow-list entries that match no literal any more (remove them):\n" + string.Join("\n", stale));
    }

    [Fact]
    public void The_guard_reads_the_hand_written_sources_only()
    {
        var files = LiteralScanner.SourceFiles(Repository.Root).ToList();
        Assert.Contains("runtime/IceSpec.Stun/Wire/StunAttribute.cs", files);
        Assert.Contains("conformance/IceSpec.Captures/Analysis/TurnTracker.cs", files);
        Assert.Contains("tools/IceSpec.Cli/Decoding/MessageReport.cs", files);
        Assert.DoesNotContain(files, f => f.Contains("/obj/") || f.EndsWith(".g.cs") || f.Contains(".Tests/"));
    }

    // Each restated rule issue 14 lists, written back the way it was: the scanner names it (so the guard can fail).
    [Theory]
    [InlineData("public bool IsComprehensionRequired => Type < 0x8000;", "range-bound", "0x8000")]
    [InlineData("var refused = type <= 0x7FFF && !Understood(type);", "range-bound", "0x7FFF")]
    [InlineData("var old = channel is >= 0x4000 and <= 0x7FFF;", "range-bound", "0x4000")]
    [InlineData("if (channel is >= 0x4000 and <= 0x4FFF) return;", "range-bound", "0x4FFF")]
    [InlineData("if (response.ErrorCode == 487) Switch();", "error-code-compared", "487")]
    [InlineData("if (code is 401 or 438) Retry();", "error-code-compared", "401")]
    [InlineData("case 420: return Unknown();", "error-code-compared", "420")]
    [InlineData("if (type == 0x8028) return false;", "attribute-type-code", "0x8028")]
    [InlineData("const ushort XorMapped = 0x0020;", "attribute-type-code", "0x0020")]
    [InlineData("public static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(39.5);", "transaction-timeout", "39.5")]
    [InlineData("var giveUp = TimeSpan.FromMilliseconds(39500);", "transaction-timeout", "39500")]
    [InlineData("public const uint FingerprintXor = 0x5354554E;", "fingerprint-xor", "0x5354554E")]
    [InlineData("private const byte ProtocolUdp = 17;", "requested-transport", "17")]
    [InlineData("if (transport.Protocol == 6) Refuse();", "requested-transport", "6")]
    [InlineData("builder.AddRequestedTransport(new RequestedTransportValue(17, Reserved3));", "requested-transport", "17")]
    [InlineData("public int CheckRequestCount { get; init; } = 7;", "transaction-param", "7")]
    [InlineData("var t = new StunClientTransaction(r) { Settings = { Rc = 7 } };", "transaction-param", "7")]
    [InlineData("private static readonly TimeSpan InitialRto = TimeSpan.FromMilliseconds(500);", "transaction-rto", "500")]
    public void A_restated_rule_is_found(string line, string rule, string literal)
    {
        var hits = LiteralScanner.Scan("x.cs", line).ToList();
        Assert.Contains(hits, h => (h.Rule, h.Literal, h.Line) == (rule, literal, 1));
    }

    [Theory]
    [InlineData("// RFC 8489 §14: types 0x0000-0x7FFF are comprehension-required; 487 is Role Conflict")]
    [InlineData("/* ChannelBind for 0x4000 */ var x = 1;")]
    [InlineData("Log(\"answered 487 (Role Conflict) for 0x8028\");")]
    [InlineData("Log(@\"a \"\"quoted\"\" 0x8000\");")]
    [InlineData("Log($\"0x{channel:X4} is outside 0x4000-0x7FFF\");")]
    [InlineData("if (code == StunErrorCodes.RoleConflict && StunRanges.IsComprehensionRequired(type)) return;")]
    [InlineData("if (status == 200 || port == 3478 || count == 100) return;")]
    [InlineData("var mask = 0x3FFF & value; var family = 0x01;")]
    public void Text_and_generated_symbols_are_not_literals(string line) =>
        Assert.Empty(LiteralScanner.Scan("x.cs", line));

    [Fact]
    public void Blanking_keeps_line_numbers()
    {
        var hit = Assert.Single(LiteralScanner.Scan("x.cs", "/* a\n b */ var s = @\"x\ny\";\n// c\nif (e == 487) {}"));
        Assert.Equal(5, hit.Line);
    }

    /// <summary>
    /// The spec itself states each rule once: a <c>const</c> that repeats a machine <c>param</c> of the same RFC section
    /// with the same value (ice.spec's KeepaliveSeconds beside the Keepalive machine's Tr) is a second source.
    /// </summary>
    [Fact]
    public void No_spec_constant_repeats_a_machine_parameter()
    {
        var duplicates = SpecDuplicates(Directory.EnumerateFiles(Repository.File("spec"), "*.spec").Select(f => (Path.GetFileName(f), File.ReadAllText(f)))).ToList();
        Assert.True(duplicates.Count == 0, "spec constants that restate a machine parameter:\n" + string.Join("\n", duplicates));
    }

    [Fact]
    public void A_spec_constant_repeating_a_machine_parameter_is_found()
    {
        const string spec = """
            const KeepaliveSeconds = 15 "RFC 8445 §11: Tr SHOULD be configurable and SHOULD have a default of 15 seconds";
            const Other = 15 "RFC 8445 §12: something else";
            machine Keepalive "RFC 8445 §11" {
              param Tr = 15 s "RFC 8445 §11: Tr SHOULD be configurable and SHOULD have a default of 15 seconds";
            }
            """;
        Assert.Equal(["ice.spec: const KeepaliveSeconds = 15 repeats machine param Tr = 15 (RFC 8445 §11)"], SpecDuplicates([("ice.spec", spec)]));
    }

    private static readonly Regex SpecConst = new(@"^\s*const\s+(?<name>[\w-]+)\s*=\s*(?<v>\w+)\s+""(?<cite>RFC \d+ §[\d.]+)", RegexOptions.Multiline);
    private static readonly Regex SpecParam = new(@"^\s*param\s+(?<name>[\w-]+)\s*=\s*(?<v>\w+)(?:\s*(?:ms|s))?\s+""(?<cite>RFC \d+ §[\d.]+)", RegexOptions.Multiline);

    private static IEnumerable<string> SpecDuplicates(IEnumerable<(string Name, string Text)> specs)
    {
        var all = specs.ToList();
        var parameters = all.SelectMany(s => SpecParam.Matches(s.Text)).ToList();
        foreach (var (name, text) in all)
            foreach (Match c in SpecConst.Matches(text))
                foreach (var p in parameters.Where(p => p.Groups["v"].Value == c.Groups["v"].Value && p.Groups["cite"].Value == c.Groups["cite"].Value))
                    yield return $"{name}: const {c.Groups["name"].Value} = {c.Groups["v"].Value} repeats machine param {p.Groups["name"].Value} = {p.Groups["v"].Value} ({c.Groups["cite"].Value})";
    }
}
