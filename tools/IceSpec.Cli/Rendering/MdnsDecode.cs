using System.Text.Encodings.Web;
using System.Text.Json;
using IceSpec.Captures.Mdns;

namespace IceSpec.Cli.Rendering;

/// <summary>
/// How <c>icespec decode FILE.pcap</c> shows an mDNS datagram (RFC 6762): a query's questions (name, type, QU or QM:
/// §5.4), a response's records (name, type, address, TTL, cache-flush: §10.2, goodbye: §10.1), or why it is no DNS message.
/// </summary>
public static class MdnsDecode
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Prefix(CapturedMdns m) =>
        $"frame {m.Frame}  {CaptureDecode.Time(m.Time)}  UDP  {m.Source} → {m.Destination}" + (m.Multicast ? "  multicast" : "  unicast");

    public static void WriteText(TextWriter output, CapturedMdns m)
    {
        output.WriteLine(Prefix(m));
        if (m.Message is not { } message)
        {
            output.WriteLine($"mDNS  malformed: {m.Error}");
            return;
        }
        output.WriteLine($"mDNS {(message.IsResponse ? "response" : "query")}  id 0x{message.Id:X4}" +
                         (message.Opcode != 0 ? $"  opcode {message.Opcode}" : "") + (message.Truncated ? "  truncated (TC: more known answers follow, RFC 6762 §7.2)" : ""));
        foreach (var q in message.Questions)
            output.WriteLine($"  question  {q.Name}  {q.TypeName}  {(q.UnicastResponse ? "QU (unicast response asked, RFC 6762 §5.4)" : "QM")}");
        foreach (var r in message.Records)
            output.WriteLine($"  {r.Section.ToString().ToLowerInvariant()}  {r.Name}  {r.TypeName}" + Value(r) +
                             $"  TTL {r.Ttl}{(r.IsGoodbye ? " (goodbye, RFC 6762 §10.1)" : "")}" + (r.CacheFlush ? "  cache-flush" : ""));
    }

    private static string Value(MdnsRecord r) => r.Address is { } a ? $"  {a}" : r.Target is { } t ? $"  {t}"
        : r.Type == MdnsMessage.TypeNsec ? $"  types {string.Join(" ", r.NsecTypes.Select(MdnsMessage.TypeName))}" : "";

    /// <summary>One JSON object: frame, time, transport, src, dst, kind "mdns", multicast, then the message (or error) and ok.</summary>
    public static string RenderJson(CapturedMdns m)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteNumber("frame", m.Frame);
            json.WriteString("time", CaptureDecode.Time(m.Time));
            json.WriteString("transport", "udp");
            json.WriteString("src", m.Source.ToString());
            json.WriteString("dst", m.Destination.ToString());
            json.WriteString("kind", "mdns");
            json.WriteBoolean("multicast", m.Multicast);
            if (m.Message is { } message)
            {
                json.WriteString("class", message.IsResponse ? "response" : "query");
                json.WriteNumber("id", message.Id);
                json.WriteNumber("opcode", message.Opcode);
                json.WriteBoolean("truncated", message.Truncated);
                json.WriteStartArray("questions");
                foreach (var q in message.Questions)
                {
                    json.WriteStartObject();
                    json.WriteString("name", q.Name);
                    json.WriteString("type", q.TypeName);
                    json.WriteBoolean("unicastResponse", q.UnicastResponse);
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteStartArray("records");
                foreach (var r in message.Records)
                {
                    json.WriteStartObject();
                    json.WriteString("section", r.Section.ToString().ToLowerInvariant());
                    json.WriteString("name", r.Name);
                    json.WriteString("type", r.TypeName);
                    json.WriteNumber("ttl", r.Ttl);
                    json.WriteBoolean("cacheFlush", r.CacheFlush);
                    json.WriteBoolean("goodbye", r.IsGoodbye);
                    if (r.Address is { } address) json.WriteString("address", address.ToString());
                    if (r.Target is { } target) json.WriteString("target", target);
                    if (r.Type == MdnsMessage.TypeNsec)
                    {
                        json.WriteStartArray("nsecTypes");
                        foreach (var t in r.NsecTypes) json.WriteStringValue(MdnsMessage.TypeName(t));
                        json.WriteEndArray();
                    }
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            else json.WriteString("error", m.Error);
            json.WriteBoolean("ok", m.Message is not null);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
