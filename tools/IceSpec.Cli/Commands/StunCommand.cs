using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Encodings.Web;
using System.Text.Json;
using IceSpec.Stun.Client;
using IceSpec.Turn.Client;
using IceSpec.Stun.Transports;

namespace IceSpec.Cli.Commands;

/// <summary>
/// <c>icespec stun HOST[:PORT] [--tcp|--tls] [--json] [--timeout S]</c>: one Binding request (RFC 8489 §3), like turnutils_stunclient:
/// the mapped address, the round trip, the server's SOFTWARE and its RFC 5780 attributes.
/// </summary>
public static class StunCommand
{
    public static Command Create(CliConsole console)
    {
        var server = new Argument<string>("server") { Description = "The STUN server, HOST[:PORT] (port 3478; 5349 with --tls)." };
        var tcp = new Option<bool>("--tcp") { Description = "Send the request over TCP (RFC 8489 §6.2.2)." };
        var tls = new Option<bool>("--tls") { Description = "Send the request over TLS (RFC 8489 §6.2.3)." };
        var json = new Option<bool>("--json") { Description = "One JSON object instead of text." };
        var tlsOptions = TlsCliOptions.Create();
        var rto = new Option<int?>("--rto") { Description = "Initial retransmission timeout over UDP in ms (RFC 8489 §6.2.1; default 500)." };
        var timeout = new Option<double?>("--timeout")
        {
            Description = "Seconds the whole request may take: resolving, the TCP connect and TLS handshake, the transaction. The error names " +
                          "the stage (exit 1). Default: the transaction's own schedule (39.5 s, RFC 8489 §6.2.1, §6.2.2).",
        };

        var command = new Command("stun", "Send a STUN Binding request and print the mapped address, RTT, SOFTWARE and RFC 5780 attributes.")
        {
            server, tcp, tls, json, tlsOptions.Insecure, tlsOptions.CaFile, rto, timeout,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(tcp) && parse.GetValue(tls)) return console.UsageError("--tcp and --tls exclude each other");
            var transport = parse.GetValue(tls) ? TransportProtocol.Tls : parse.GetValue(tcp) ? TransportProtocol.Tcp : TransportProtocol.Udp;
            var text = parse.GetValue(server)!;
            if (!ServerAddress.TryParse(text, out _, out var error)) return console.UsageError(error);
            if (!tlsOptions.TryRead(parse, out var tlsClient, out error)) return console.UsageError(error);
            if (parse.GetValue(rto) is <= 0) return console.UsageError("--rto must be a positive number of milliseconds");
            if (parse.GetValue(timeout) is { } seconds && !(seconds is > 0 and <= 3600)) return console.UsageError("--timeout must be above 0 and at most 3600 seconds");
            var options = new StunClientOptions
            {
                Server = text,
                Transport = transport,
                Tls = tlsClient,
                Rto = parse.GetValue(rto) is { } ms ? TimeSpan.FromMilliseconds(ms) : null,
                Timeout = parse.GetValue(timeout) is { } limit ? TimeSpan.FromSeconds(limit) : null,
            };
            return Run(console, options, parse.GetValue(json));
        });
        return command;
    }

    public static int Run(CliConsole console, StunClientOptions options, bool json)
    {
        StunBindingResult result;
        try
        {
            result = StunClient.BindingAsync(options).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is StunClientException or IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException)
        {
            if (json) console.Out.WriteLine(RenderError(options, e));
            else console.Error.WriteLine($"icespec: stun {options.Server} ({options.Transport.Name()}): {e.Message}{TlsCliOptions.Hint(e)}");
            return ExitCodes.Failed;
        }

        if (json)
        {
            console.Out.WriteLine(Render(result));
            return ExitCodes.Ok;
        }
        var o = console.Out;
        o.WriteLine($"server           {result.Server} ({result.Protocol.Name()})");
        foreach (var redirected in result.Redirections) o.WriteLine($"redirected from  {redirected} (300 Try Alternate)");
        o.WriteLine($"local            {result.LocalEndPoint}");
        o.WriteLine($"mapped address   {result.MappedAddress}");
        o.WriteLine($"rtt              {Ms(result.RoundTripTime)} ms ({result.Transmissions} request{(result.Transmissions == 1 ? "" : "s")})");
        o.WriteLine($"software         {result.Software ?? "(none)"}");
        o.WriteLine($"response-origin  {result.ResponseOrigin?.ToString() ?? "(none)"}");
        o.WriteLine($"other-address    {result.OtherAddress?.ToString() ?? "(none: no RFC 5780 NAT behaviour discovery)"}");
        if (result.LocalEndPoint is { } local)
            o.WriteLine(result.MappedAddress.Equals(local) ? "nat              none seen (mapped = local)" : "nat              the mapped address differs from the local one");
        return ExitCodes.Ok;
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Render(StunBindingResult r) => Json(json =>
    {
        json.WriteBoolean("ok", true);
        json.WriteString("server", r.Server?.ToString());
        json.WriteString("transport", r.Protocol.Name());
        json.WriteString("local", r.LocalEndPoint?.ToString());
        json.WriteString("mapped", r.MappedAddress.ToString());
        json.WriteNumber("rttMs", Math.Round(r.RoundTripTime.TotalMilliseconds, 3));
        json.WriteNumber("transmissions", r.Transmissions);
        json.WriteString("software", r.Software);
        json.WriteString("responseOrigin", r.ResponseOrigin?.ToString());
        json.WriteString("otherAddress", r.OtherAddress?.ToString());
        json.WriteStartArray("redirections");
        foreach (var redirected in r.Redirections) json.WriteStringValue(redirected.ToString());
        json.WriteEndArray();
    });

    private static string RenderError(StunClientOptions options, Exception e) => Json(json =>
    {
        json.WriteBoolean("ok", false);
        json.WriteString("server", options.Server);
        json.WriteString("transport", options.Transport.Name());
        json.WriteString("error", e.Message);
        if (e is StunClientException { ErrorCode: { } code }) json.WriteNumber("errorCode", code);
        else json.WriteNull("errorCode");
        json.WriteBoolean("timedOut", e is StunClientException { TimedOut: true });
    });

    internal static string Json(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}

/// <summary>The TLS flags the client commands share: trust a CA file, or accept any certificate.</summary>
internal sealed class TlsCliOptions
{
    public required Option<bool> Insecure { get; init; }

    public required Option<string?> CaFile { get; init; }

    public static TlsCliOptions Create() => new()
    {
        Insecure = new Option<bool>("--insecure") { Description = "With --tls: accept any server certificate (encrypted, but the server is not authenticated)." },
        CaFile = new Option<string?>("--ca") { Description = "With --tls: a PEM file of certificates to trust (e.g. a test server's self-signed one)." },
    };

    /// <summary>What to do about a certificate the client does not trust.</summary>
    public static string Hint(Exception e) =>
        e is System.Security.Authentication.AuthenticationException ? " (trust the server's certificate with --ca FILE, or skip the check with --insecure)" : "";

    public bool TryRead(ParseResult parse, out TlsClientOptions? options, out string error)
    {
        options = null;
        error = "";
        var insecure = parse.GetValue(Insecure);
        var ca = parse.GetValue(CaFile);
        if (ca is null && !insecure) return true;
        var trusted = new X509Certificate2Collection();
        if (ca is not null)
        {
            try
            {
                trusted.ImportFromPemFile(ca);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
            {
                error = $"--ca {ca}: {e.Message}";
                return false;
            }
            if (trusted.Count == 0)
            {
                error = $"--ca {ca}: no PEM certificate in the file";
                return false;
            }
        }
        options = new TlsClientOptions { AcceptAnyCertificate = insecure, TrustedCertificates = trusted.Count > 0 ? trusted : null };
        return true;
    }
}
