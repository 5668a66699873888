using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using IceSpec.Ice;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Cli.Tests.LiteralGuard;

/// <summary>One literal that restates a rule of the spec: where, which rule of the guard, and the source line.</summary>
public sealed record LiteralHit(string Path, int Line, string Rule, string Literal, string Text)
{
    public override string ToString() => $"{Path}:{Line}: [{Rule}] {Literal} in: {Text}";
}

/// <summary>
/// Finds registry codes and RFC constants written as literals in hand-written C# (issue 14: "hand-written code never
/// restates what the spec states; it uses the generated symbols"). What counts as a registry code comes from the
/// generated symbols themselves (<see cref="StunAttributeTypes"/>, <see cref="StunErrorCodes"/>, <see cref="StunRanges"/>
/// and their TURN and ICE counterparts), so a code added to a spec is guarded without touching this file.
/// Comments and string literals are blanked first: a citation's "0x8000" or a message's "487" is text, not a rule.
/// </summary>
public static class LiteralScanner
{
    private sealed record Rule(string Name, Regex Pattern, Func<Match, string?> Literal);

    private static readonly HashSet<int> ErrorCodes = ConstantsOf<int>(typeof(StunErrorCodes), typeof(TurnErrorCodes));

    private static readonly HashSet<int> AttributeTypes =
        ConstantsOf<ushort>(typeof(StunAttributeTypes), typeof(TurnAttributeTypes), typeof(IceAttributeTypes)).Select(t => (int)t).ToHashSet();

    // 0x0000 and 0xFFFF bound ranges too, but they are every 16-bit mask's ends: only the inner bounds say "this range".
    private static readonly HashSet<int> RangeBounds = ConstantsOf<ushort>(typeof(StunRanges), typeof(TurnRanges))
        .Select(t => (int)t).Where(v => v is not 0x0000 and not 0xFFFF).ToHashSet();

    private static readonly long FingerprintXor = StunFormulas.FingerprintXor;

    private static readonly Rule[] Rules =
    [
        // `ErrorCode == 487`, `code is 401 or 438`, `case 420:` — a comparison with a code of the error registries.
        new("error-code-compared", new Regex(@"(?:==|!=|\bis\s+(?:not\s+)?|\bor\s+|\bcase\s+)\s*\(?\s*(?<n>\d{3})\b|\b(?<n>\d{3})\s*(?:==|!=)"),
            m => ErrorCodes.Contains(int.Parse(m.Groups["n"].Value, CultureInfo.InvariantCulture)) ? m.Groups["n"].Value : null),
        // 0x7FFF / 0x8000 (comprehension-required | optional), 0x4000 / 0x4FFF / 0x7FFF (channel numbers).
        new("range-bound", new Regex(@"\b0[xX](?<h>[0-9A-Fa-f]{4})\b(?![.\w])"),
            m => RangeBounds.Contains(Hex(m.Groups["h"].Value)) ? m.Value : null),
        // 0x8028, 0x0020…: an attribute type of a registry written as a number.
        new("attribute-type-code", new Regex(@"\b0[xX](?<h>[0-9A-Fa-f]{4})\b(?![.\w])"),
            m => AttributeTypes.Contains(Hex(m.Groups["h"].Value)) ? m.Value : null),
        // RFC 8489 §6.2.1/§6.2.2: a transaction gives up after 39.5 s (Ti, or RTO, Rc and Rm): StunClientTransactionMachine.
        new("transaction-timeout", new Regex(@"(?<![\w.])(?:39\.5|39_?500)(?![\w.])"), m => m.Value),
        // RFC 8489 §14.7's 0x5354554E: StunFormulas.FingerprintXor.
        new("fingerprint-xor", new Regex(@"\b0[xX](?<h>[0-9A-Fa-f]{8})\b|\b(?<d>\d{10})\b"),
            m => (m.Groups["h"].Success ? Convert.ToInt64(m.Groups["h"].Value, 16) : long.Parse(m.Groups["d"].Value, CultureInfo.InvariantCulture)) == FingerprintXor ? m.Value : null),
        // RFC 8656 §18.8 / RFC 6062: REQUESTED-TRANSPORT's 17 (UDP) and 6 (TCP): TurnFormulas.RequestedTransport*.
        new("requested-transport", new Regex(@"(?i)(?:protocol\w*\s*(?:==|!=|=(?![=>])|\bis\s+)\s*(?:\(byte\)\s*)?|RequestedTransportValue\(\s*)(?<n>17|6)\b"),
            m => m.Groups["n"].Value),
        // RFC 8489 §6.2.1's Rc and Rm (7, 16) are the StunClientTransaction machine's params: a default written as a number.
        new("transaction-param", new Regex(@"\b(?:\w*RequestCount(?:\s*\{[^}\n]*\})?|Rc|Rm)\s*=\s*(?<n>\d+)\s*[;,}]"),
            m => m.Groups["n"].Value),
        // RFC 8489 §6.2.1's RTO as a schedule of one's own (replay's `InitialRto = TimeSpan.FromMilliseconds(500)`).
        new("transaction-rto", new Regex(@"(?i)\b\w*rto\s*=\s*(?:global::)?(?:System\.)?TimeSpan\.From(?:Milli)?seconds\(\s*(?<n>[\d.]+)\s*\)"),
            m => m.Groups["n"].Value),
    ];

    /// <summary>The hand-written C# files the guard reads: generated files, obj/bin and test projects left out.</summary>
    /// <remarks>
    /// Tests are left out on purpose: an assertion that 487 is answered compares with the RFC's number, not with the
    /// generated symbol (which would make a wrong spec pass its own test).
    /// </remarks>
    public static IEnumerable<string> SourceFiles(string root) =>
        new[] { "runtime", "conformance", "tools" }
            .SelectMany(top => Directory.EnumerateFiles(Path.Combine(root, top), "*.cs", SearchOption.AllDirectories))
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .Where(f => !f.EndsWith(".g.cs", StringComparison.Ordinal) && !f.EndsWith(".Generated.cs", StringComparison.Ordinal))
            .Where(f => !f.Split('/').Any(part => part is "obj" or "bin" || part.EndsWith(".Tests", StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal);

    public static IReadOnlyList<LiteralHit> Scan(string root) =>
        SourceFiles(root).SelectMany(f => Scan(f, File.ReadAllText(Path.Combine(root, f)))).ToList();

    public static IEnumerable<LiteralHit> Scan(string path, string source)
    {
        var code = BlankCommentsAndStrings(source);
        var lines = source.Split('\n');
        var codeLines = code.Split('\n');
        for (var i = 0; i < codeLines.Length; i++)
        {
            var seen = new HashSet<int>();   // one hit per literal, the first rule that names it
            foreach (var rule in Rules)
                foreach (Match m in rule.Pattern.Matches(codeLines[i]))
                {
                    var literal = rule.Literal(m);
                    if (literal is null || !seen.Add(m.Index)) continue;
                    yield return new LiteralHit(path, i + 1, rule.Name, literal, lines[i].Trim());
                }
        }
    }

    /// <summary>Replaces comments, string and char literals by spaces (newlines kept, so line numbers stay).</summary>
    /// <remarks>Interpolation holes are blanked with their string: a code compared inside <c>$"{…}"</c> is not seen.</remarks>
    public static string BlankCommentsAndStrings(string s)
    {
        var b = new StringBuilder(s);
        var i = 0;
        void Blank(int from, int to) { for (var k = from; k < to && k < b.Length; k++) if (b[k] != '\n') b[k] = ' '; }
        while (i < s.Length)
        {
            if (s[i] == '/' && i + 1 < s.Length && s[i + 1] == '/')
            {
                var end = s.IndexOf('\n', i); end = end < 0 ? s.Length : end;
                Blank(i, end); i = end;
            }
            else if (s[i] == '/' && i + 1 < s.Length && s[i + 1] == '*')
            {
                var end = s.IndexOf("*/", i + 2, StringComparison.Ordinal); end = end < 0 ? s.Length : end + 2;
                Blank(i, end); i = end;
            }
            else if (s[i] == '"' || (s[i] is '$' or '@' && NextQuote(s, i) is { } q && q > i))
            {
                var start = i;
                var prefixEnd = s[i] == '"' ? i : NextQuote(s, i)!.Value;
                var verbatim = s.AsSpan(start, prefixEnd - start).Contains('@');
                var quotes = 0;
                while (prefixEnd + quotes < s.Length && s[prefixEnd + quotes] == '"') quotes++;
                int end;
                if (quotes >= 3)
                {
                    var close = s.IndexOf(new string('"', quotes), prefixEnd + quotes, StringComparison.Ordinal);
                    end = close < 0 ? s.Length : close + quotes;
                }
                else
                {
                    end = prefixEnd + 1;
                    while (end < s.Length)
                    {
                        if (!verbatim && s[end] == '\\') { end += 2; continue; }
                        if (s[end] == '"')
                        {
                            if (verbatim && end + 1 < s.Length && s[end + 1] == '"') { end += 2; continue; }
                            end++;
                            break;
                        }
                        if (!verbatim && s[end] == '\n') break;
                        end++;
                    }
                }
                Blank(start, end); i = end;
            }
            else if (s[i] == '\'')
            {
                var end = i + 1;
                while (end < s.Length && s[end] != '\'' && s[end] != '\n') end += s[end] == '\\' ? 2 : 1;
                end = Math.Min(end + 1, s.Length);
                Blank(i, end); i = end;
            }
            else i++;
        }
        return b.ToString();
    }

    // $"…", @"…", $@"…", @$"…", $$"""…""": the index of the opening quote after a string prefix at i.
    private static int? NextQuote(string s, int i)
    {
        var k = i;
        while (k < s.Length && s[k] is '$' or '@') k++;
        return k < s.Length && s[k] == '"' && (i == 0 || !char.IsLetterOrDigit(s[i - 1])) ? k : null;
    }

    private static int Hex(string digits) => int.Parse(digits, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static HashSet<T> ConstantsOf<T>(params Type[] types) =>
        types.SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
            .Where(f => f.IsLiteral && f.FieldType == typeof(T))
            .Select(f => (T)f.GetRawConstantValue()!)
            .ToHashSet();
}
