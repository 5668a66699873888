using System.Text.Encodings.Web;
using System.Text.Json;
using IceSpec.Cli.Decoding;
using IceSpec.Stun;

namespace IceSpec.Cli.Rendering;

/// <summary>
/// Renders a <see cref="MessageReport"/> as one line of JSON. Property names are stable: method, class, type, length,
/// transactionId, classic (true for RFC 3489 messages: 32-digit transactionId, fingerprint null), status, statusMessage, attributes[{offset, type, name, length, value, hex, valid, comprehensionRequired}],
/// profile, violation{rule, citation, description, attributeType}|null, fingerprint, integrity, integrityChecks, ok.
/// Type codes are "0x…" strings; fields a failed parse could not fill are null.
/// </summary>
public static class JsonRenderer
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Render(MessageReport report)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            WriteHeader(json, report.Header);
            json.WriteBoolean("classic", report.Classic);
            json.WriteString("status", ParseStatusText.Id(report.Status));
            json.WriteString("statusMessage", report.StatusMessage);
            WriteAttributes(json, report.Attributes);
            json.WriteString("profile", report.Profile);
            WriteViolation(json, report.Violation);
            json.WriteString("fingerprint", report.Fingerprint is { } f ? StatusWords.Check(f.Status) : null);
            json.WriteString("integrity", report.Integrity is { } i ? StatusWords.Integrity(i.Outcome) : null);
            WriteIntegrityChecks(json, report.Integrity);
            json.WriteBoolean("ok", report.Passed);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteHeader(Utf8JsonWriter json, MessageHeader? header)
    {
        json.WriteString("method", header is null ? null : StatusWords.Method(header));
        json.WriteString("class", header is null ? null : StatusWords.ClassId(header.Class));
        json.WriteString("type", header is null ? null : $"0x{header.RawType:X4}");
        if (header is null) json.WriteNull("length");
        else json.WriteNumber("length", header.Length);
        json.WriteString("transactionId", header?.TransactionId);
    }

    private static void WriteAttributes(Utf8JsonWriter json, IReadOnlyList<AttributeReport> attributes)
    {
        json.WriteStartArray("attributes");
        foreach (var a in attributes)
        {
            json.WriteStartObject();
            json.WriteNumber("offset", a.Offset);
            json.WriteString("type", $"0x{a.Type:X4}");
            json.WriteString("name", a.Name);
            json.WriteNumber("length", a.Length);
            json.WriteString("value", a.Value);
            json.WriteString("hex", a.Hex);
            if (a.Valid is { } valid) json.WriteBoolean("valid", valid);
            else json.WriteNull("valid");
            json.WriteBoolean("comprehensionRequired", a.IsComprehensionRequired);
            json.WriteBoolean("understood", a.Understood);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    private static void WriteViolation(Utf8JsonWriter json, StunViolation? violation)
    {
        if (violation is not { } v)
        {
            json.WriteNull("violation");
            return;
        }
        json.WriteStartObject("violation");
        json.WriteString("rule", v.Rule);
        json.WriteString("citation", v.Citation);
        json.WriteString("description", v.Description);
        json.WriteString("attributeType", v.AttributeType == 0 ? null : $"0x{v.AttributeType:X4}");
        json.WriteEndObject();
    }

    private static void WriteIntegrityChecks(Utf8JsonWriter json, IntegrityReport? integrity)
    {
        if (integrity is null)
        {
            json.WriteNull("integrityChecks");
            return;
        }
        json.WriteStartObject("integrityChecks");
        json.WriteString("messageIntegrity", integrity.MessageIntegrity is { } sha1 ? StatusWords.Check(sha1) : null);
        json.WriteString("messageIntegritySha256", integrity.MessageIntegritySha256 is { } sha256 ? StatusWords.Check(sha256) : null);
        json.WriteString("key", integrity.KeyDescription);
        json.WriteEndObject();
    }
}
