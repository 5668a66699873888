using IceSpec.Cli.Decoding;
using IceSpec.Stun;

namespace IceSpec.Cli.Rendering;

/// <summary>Renders a <see cref="MessageReport"/> for people: a header line, one line per attribute, then the checks.</summary>
public static class TextRenderer
{
    public static void Write(TextWriter output, MessageReport report, string? title = null)
    {
        if (title is not null) output.WriteLine(title);
        WriteHeader(output, report);
        if (!report.Parsed)
        {
            output.WriteLine("  parse: " + report.StatusMessage);
            return;
        }
        WriteAttributes(output, report.Attributes);
        if (report.Classic)
        {
            output.WriteLine("  checks: none (RFC 3489 has no FINGERPRINT; its rules are not in the spec)");
            output.WriteLine("  integrity: " + (report.Integrity!.Outcome == IntegrityOutcome.NoKey
                ? "no key (RFC 3489 §11.2.8: HMAC-SHA1 keyed with a Shared Secret password; not verified)"
                : StatusWords.Integrity(report.Integrity.Outcome)));
            return;
        }
        var profile = report.Profile is null ? "" : $" ({report.Profile})";
        output.WriteLine($"  validation{profile}: " + (report.Violation is { } v ? Violation(v) : "valid"));
        output.WriteLine("  fingerprint: " + Fingerprint(report.Fingerprint!));
        output.WriteLine("  integrity: " + Integrity(report.Integrity!));
    }

    private static void WriteHeader(TextWriter output, MessageReport report)
    {
        if (report.Header is not { } header)
        {
            output.WriteLine($"{report.Bytes.Length} bytes: {Convert.ToHexStringLower(report.Bytes)}");
            return;
        }
        output.WriteLine($"{StatusWords.Method(header)} {StatusWords.ClassPhrase(header.Class)}  " + (report.Classic ? "classic STUN (RFC 3489)  " : "") +
                         $"type 0x{header.RawType:X4}  length {header.Length}  transaction {header.TransactionId}");
    }

    private static void WriteAttributes(TextWriter output, IReadOnlyList<AttributeReport> attributes)
    {
        if (attributes.Count == 0)
        {
            output.WriteLine("  (no attributes)");
            return;
        }
        var nameWidth = Math.Max("name".Length, attributes.Max(a => StatusWords.AttributeName(a).Length));
        output.WriteLine($"  type    {"name".PadRight(nameWidth)}  len  check      value");
        foreach (var a in attributes)
            output.WriteLine($"  0x{a.Type:X4}  {StatusWords.AttributeName(a).PadRight(nameWidth)}  {a.Length,3}  {StatusWords.Validity(a.Valid),-9}  {Printable(a.Value)}");
    }

    /// <summary>Control characters in a decoded string (a SOFTWARE with a newline…) shown escaped, so one attribute stays one line.</summary>
    private static string Printable(string value)
    {
        if (!value.Any(char.IsControl)) return value;
        var text = new System.Text.StringBuilder(value.Length + 8);
        foreach (var c in value)
            text.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when char.IsControl(c) => $"\\u{(int)c:X4}",
                _ => c.ToString(),
            });
        return text.ToString();
    }

    private static string Violation(StunViolation v) =>
        v.AttributeType == 0
            ? $"{v.Rule}: {v.Description} ({v.Citation})"
            : $"{v.Rule}: {v.Description} [attribute 0x{v.AttributeType:X4}] ({v.Citation})";

    private static string Fingerprint(FingerprintReport f) => f switch
    {
        { Status: IntegrityStatus.Mismatch, Received: { } received, Computed: { } computed } =>
            $"mismatch: received 0x{received:x8}, computed 0x{computed:x8} (RFC 8489 §14.7)",
        { Status: IntegrityStatus.NotLast } => "not last: attributes follow FINGERPRINT (RFC 8489 §14.7)",
        { Status: IntegrityStatus.BadLength } => "bad length: FINGERPRINT is 4 bytes (RFC 8489 §14.7)",
        _ => StatusWords.Check(f.Status),
    };

    private static string Integrity(IntegrityReport i)
    {
        var text = StatusWords.Integrity(i.Outcome);
        var checks = new List<string>();
        if (i.MessageIntegrity is { } sha1) checks.Add("MESSAGE-INTEGRITY " + StatusWords.Check(sha1));
        if (i.MessageIntegritySha256 is { } sha256) checks.Add("MESSAGE-INTEGRITY-SHA256 " + StatusWords.Check(sha256));
        if (checks.Count > 0) text += $" ({string.Join(", ", checks)}; {i.KeyDescription})";
        else if (i.Outcome == IntegrityOutcome.NoKey) text += " (give --password to verify)";
        return text;
    }
}
