using System.Globalization;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using IceSpec.Captures;
using IceSpec.Captures.Credentials;
using IceSpec.Captures.Mdns;
using IceSpec.Cli.Decoding;

namespace IceSpec.Cli.Rendering;

/// <summary>Which captured messages to show: every non-null criterion must match.</summary>
public sealed record CaptureFilter(IPAddress? Address, int? Port, string? Method, string? TransactionId)
{
    public bool IsEmpty => Address is null && Port is null && Method is null && TransactionId is null;

    public bool Matches(CapturedMessage message, MessageReport? report)
    {
        if (!MatchesEnds(message.Source, message.Destination)) return false;
        if (Method is not null)
        {
            var name = report?.Header is { } h ? StatusWords.Method(h) : "ChannelData";
            if (!string.Equals(Normalize(name), Normalize(Method), StringComparison.OrdinalIgnoreCase) &&
                !(report?.Header is { } header && TryParseCode(Method, out var code) && code == header.Method)) return false;
        }
        if (TransactionId is not null && !string.Equals(report?.Header?.TransactionId, TransactionId, StringComparison.OrdinalIgnoreCase)) return false;
        return true;
    }

    /// <summary>An mDNS datagram: --address and --port as for STUN; --method matches it as "mDNS"; --transaction never (DNS has no STUN transaction).</summary>
    public bool Matches(CapturedMdns mdns) => MatchesEnds(mdns.Source, mdns.Destination) && IsKind("mdns");

    /// <summary>
    /// An ICMP error about a UDP datagram: --address matches its reporter or the quoted datagram's addresses, --port the
    /// quoted ports; --method matches it as "ICMP"; --transaction never.
    /// </summary>
    public bool Matches(CapturedUnreachable icmp) => MatchesEnds(icmp.Source, icmp.Destination, icmp.Reporter) && IsKind("icmp");

    /// <summary>--address and --port: each given one names either end (the address: or <paramref name="sender"/>, an ICMP error's).</summary>
    private bool MatchesEnds(IPEndPoint source, IPEndPoint destination, IPAddress? sender = null) =>
        (Address is null || source.Address.Equals(Address) || destination.Address.Equals(Address) || Address.Equals(sender)) &&
        (Port is not { } port || source.Port == port || destination.Port == port);

    /// <summary>A message that is not STUN: --method names its kind; --transaction never matches it (no STUN transaction).</summary>
    private bool IsKind(string kind) =>
        (Method is null || string.Equals(Method, kind, StringComparison.OrdinalIgnoreCase)) && TransactionId is null;

    /// <summary>"Channel-Bind", "channel_bind" and "ChannelBind" are the same method.</summary>
    private static string Normalize(string name) => name.Replace("-", "").Replace("_", "").Replace(" ", "");

    private static bool TryParseCode(string text, out int code) =>
        int.TryParse(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : "x", NumberStyles.HexNumber, null, out code);

    /// <summary>The transaction ID as 24 lower-case hex digits, or 32 for a classic one (RFC 3489 §11.1: 128 bits), spaces
    /// and a 0x prefix dropped; null when it is neither.</summary>
    public static string? NormalizeTransaction(string text)
    {
        var hex = text.Replace(" ", "").Replace(":", "");
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) hex = hex[2..];
        return hex.Length is 24 or 32 && hex.All(Uri.IsHexDigit) ? hex.ToLowerInvariant() : null;
    }
}

/// <summary>
/// <c>icespec decode FILE.pcap</c>: every STUN, classic STUN (RFC 3489) and ChannelData message of a capture, each printed
/// as the hex decode prints it, prefixed by frame number, time, transport and source → destination (JSON: frame, time,
/// transport, src, dst, kind — stun, classic-stun, channeldata, mdns or icmp — before the decode's own fields; ChannelData has channel
/// and length instead), every mDNS datagram (UDP port 5353, RFC 6762) in its own form (see <see cref="MdnsDecode"/>), and
/// every ICMP/ICMPv6 error about a UDP datagram (destination unreachable, packet too big: RFC 792, RFC 4443 §3.1–3.2) with
/// its reporter and the datagram it quotes. An ICMP error is something the network said, not a decoding failure: it does
/// not change the exit status.
/// </summary>
public static class CaptureDecode
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>0 when every shown message parsed (an mDNS datagram: held a well-formed DNS message), validated, had no bad FINGERPRINT and no failed integrity check;
    /// 1 otherwise; 2 when the file could not be read (or broke off midway). <paramref name="credential"/> (--password…)
    /// applies to every message; otherwise each message's key is found in <paramref name="known"/> (see <see cref="MessageKeys"/>).</summary>
    public static int Run(CliConsole console, string path, CaptureFilter filter, string? profile, Credential? credential,
        CaptureCredentials known, bool json)
    {
        var keys = new MessageKeys(known);
        var output = console.Out;
        var passed = true;
        var shown = 0;
        int frames;
        string? error;
        try
        {
            // Streamed: each message is decoded and printed as it is read, so memory does not grow with the file.
            (frames, error) = CaptureFile.Stream(path, message =>
            {
                var report = message.Kind switch
                {
                    CapturedKind.Stun => MessageInspector.Inspect(message.Bytes, profile, credential ?? KeyFor(keys, message)),
                    CapturedKind.ClassicStun => ClassicMessageInspector.Inspect(message.Bytes),
                    _ => null,
                };
                if (!filter.Matches(message, report)) return;
                if (report is not null) passed &= Acceptable(report);
                if (json) output.WriteLine(RenderJson(message, report));
                else
                {
                    if (shown > 0) output.WriteLine();
                    output.WriteLine(Prefix(message));
                    if (report is not null) TextRenderer.Write(output, report);
                    else output.WriteLine($"ChannelData  channel 0x{message.Channel:X4}  length {message.DataLength}");
                }
                shown++;
            }, n => console.Error.WriteLine("icespec: note: " + n), mdns: mdns =>
            {
                if (!filter.Matches(mdns)) return;
                passed &= mdns.Message is not null;
                if (json) output.WriteLine(MdnsDecode.RenderJson(mdns));
                else
                {
                    if (shown > 0) output.WriteLine();
                    MdnsDecode.WriteText(output, mdns);
                }
                shown++;
            }, unreachables: icmp =>
            {
                if (!filter.Matches(icmp)) return;
                if (json) output.WriteLine(RenderJson(icmp));
                else
                {
                    if (shown > 0) output.WriteLine();
                    output.WriteLine(Describe(icmp));
                }
                shown++;
            });
        }
        catch (MissingLibraryException e)
        {
            return console.SetupError(e.Message);
        }
        catch (CaptureException e)
        {
            return console.UsageError(e.Message);
        }
        if (shown == 0)
            console.Error.WriteLine($"icespec: {path}: no STUN, ChannelData, mDNS or ICMP messages{(filter.IsEmpty ? "" : " match the filters")} ({frames} frames)");
        if (error is not null)
        {
            console.Error.WriteLine("icespec: " + error);
            return ExitCodes.Usage;
        }
        return passed ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>
    /// Like <see cref="MessageReport.Passed"/>, except that a message without integrity attributes (a 401 response, a
    /// Binding request) is fine in a capture even when a key was given: only a failed check counts.
    /// </summary>
    private static bool Acceptable(MessageReport report) => report.Classic ? report.Parsed :
        report.Parsed && report.Violation is null &&
        report.Fingerprint?.Status is Stun.IntegrityStatus.Valid or Stun.IntegrityStatus.Missing &&
        report.Integrity?.Outcome != IntegrityOutcome.Failed;

    /// <summary>The credential <paramref name="keys"/> picks for a STUN message, or null.</summary>
    public static Credential? KeyFor(MessageKeys keys, CapturedMessage message) =>
        Stun.StunMessage.TryParse(message.Bytes, out var parsed) == Stun.StunParseStatus.Ok && keys.Resolve(parsed) is { } key
            ? new Credential(key.Key, key.Description) : null;

    public static string Time(DateTime time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static string Prefix(CapturedMessage m) =>
        $"frame {m.Frame}  {Time(m.Time)}  {m.Transport.ToUpperInvariant()}  {m.Source} → {m.Destination}" + (m.Relay is { } relay ? $"  relayed, {relay}" : "");

    /// <summary>One line: frame, time, the reporter and why, then the UDP datagram it quotes (as the quoted headers give it).</summary>
    private static string Describe(CapturedUnreachable icmp) =>
        $"frame {icmp.Frame}  {Time(icmp.Time)}  {icmp.Describe()}  about UDP {icmp.Source} → {icmp.Destination}" +
        (icmp.Ttl > 0 ? $"  TTL {icmp.Ttl}" : "");

    private static string RenderJson(CapturedUnreachable icmp)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteNumber("frame", icmp.Frame);
            json.WriteString("time", Time(icmp.Time));
            json.WriteString("kind", "icmp");
            json.WriteString("reporter", icmp.Reporter.ToString());
            json.WriteString("reason", icmp.ReasonText.Replace(' ', '-'));
            json.WriteStartObject("about");
            json.WriteString("transport", "udp");
            json.WriteString("src", icmp.Source.ToString());
            json.WriteString("dst", icmp.Destination.ToString());
            json.WriteEndObject();
            if (icmp.Ttl > 0) json.WriteNumber("ttl", icmp.Ttl);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string RenderJson(CapturedMessage message, MessageReport? report)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            json.WriteNumber("frame", message.Frame);
            json.WriteString("time", Time(message.Time));
            json.WriteString("transport", message.Transport);
            json.WriteString("src", message.Source.ToString());
            json.WriteString("dst", message.Destination.ToString());
            json.WriteString("kind", message.Kind switch { CapturedKind.Stun => "stun", CapturedKind.ClassicStun => "classic-stun", _ => "channeldata" });
            if (message.Relay is { } relay)
            {
                // Relayed by a TURN server: src/dst are the relayed address and the peer; the carrier is on the client's 5-tuple.
                json.WriteStartObject("relayedIn");
                json.WriteString("carrier", relay.Carrier);
                json.WriteString("transport", relay.Transport);
                json.WriteString("client", relay.Client.ToString());
                json.WriteString("server", relay.Server.ToString());
                json.WriteEndObject();
            }
            if (report is null)
            {
                json.WriteString("channel", $"0x{message.Channel:X4}");
                json.WriteNumber("length", message.DataLength!.Value);
                json.WriteBoolean("ok", true);
            }
            json.WriteEndObject();
        }
        var prefix = System.Text.Encoding.UTF8.GetString(buffer.ToArray());
        if (report is null) return prefix;
        // The decode's own object, its fields appended after the capture's.
        return prefix[..^1] + "," + JsonRenderer.Render(report)[1..];
    }
}
