using System.CommandLine;
using System.Net;
using IceSpec.Cli.Ice;
using IceSpec.Ice;

namespace IceSpec.Cli.Commands;

/// <summary>
/// <c>icespec ice offer|answer</c>: two terminals (or two machines) connect with ICE. Each prints its description
/// (RFC 8839 lines) and reads the peer's: pasted on stdin up to <c>a=end-of-candidates</c>, or exchanged through files
/// with <c>--signal DIR</c>. Candidates, checks, pair states and the selected pair are printed as they happen (stderr;
/// with <c>--json</c> every step is a JSON line on stdout, docs/ice-json.md); then every stdin line is sent
/// as one datagram and every datagram received is printed. <c>--timeout</c> bounds each stage (<see cref="IceSide"/>).
/// </summary>
public static class IceCommand
{
    public static Command Create(CliConsole console)
    {
        var ice = new Command("ice", "Connect two ICE agents (RFC 8445) and exchange lines: 'icespec ice offer' in one terminal, 'icespec ice answer' in the other.");
        ice.Subcommands.Add(CreateSide(console, "offer", IceRole.Controlling,
            "The controlling side (RFC 8445 §6.1.1). In order: gathers its candidates; prints its description (a=ice-ufrag, a=ice-pwd, " +
            "a=candidate lines, a=end-of-candidates) on stdout, or writes DIR/offer.sdp with --signal DIR; reads the answer's lines from stdin " +
            "up to a=end-of-candidates, or DIR/answer.sdp once it appears; runs the checks and prints 'connected: LOCAL <-> REMOTE'; then " +
            "sends each stdin line as one datagram and prints each one received as '< LINE', until stdin ends. Each step (candidates, " +
            "checks, pair states, the selected pair) goes to stderr as it happens; with --json every step is one JSON line on stdout instead."));
        ice.Subcommands.Add(CreateSide(console, "answer", IceRole.Controlled,
            "The controlled side. In order: gathers its candidates; prints its description (the answer) on stdout, or writes " +
            "DIR/answer.sdp with --signal DIR; reads the offer's lines from stdin up to a=end-of-candidates, or DIR/offer.sdp once it " +
            "appears; answers the checks and prints 'connected: LOCAL <-> REMOTE'; then sends each stdin line as one datagram and prints " +
            "each one received as '< LINE', until stdin ends. Each step goes to stderr as it happens; with --json every step is one JSON " +
            "line on stdout instead."));
        return ice;
    }

    private static Command CreateSide(CliConsole console, string name, IceRole role, string description)
    {
        var signal = new Option<string?>("--signal")
        {
            Description = "Exchange descriptions as files offer.sdp / answer.sdp in this directory instead of stdin/stdout; or, given ws://HOST:PORT/ROOM, " +
                          "through 'icespec signal-server' (trickled, with the TURN servers and credentials it hands out).",
        };
        var signalSecret = new Option<string?>("--signal-secret") { Description = "With --signal ws://…: the signal server's --secret, to mint the room token (else the URL carries ?token=)." };
        var stun = new Option<string[]>("--stun") { Description = "STUN server HOST:PORT for server-reflexive candidates (repeatable).", AllowMultipleArgumentsPerToken = true };
        var turn = new Option<string?>("--turn") { Description = "TURN server HOST:PORT for a relayed candidate (UDP; --turn-tcp for TCP)." };
        var user = new Option<string?>("--turn-user") { Description = "TURN credentials USER:PASSWORD." };
        var turnTcp = new Option<bool>("--turn-tcp") { Description = "Reach the TURN server over TCP (RFC 8656 §3.1), e.g. where UDP is blocked." };
        var relayOnly = new Option<bool>("--relay-only") { Description = "Use relayed candidates only (needs --turn, or --signal ws://… whose server hands out TURN servers)." };
        var aggressive = new Option<bool>("--aggressive") { Description = "Aggressive nomination (RFC 5245 §8.1.1.2) instead of regular (RFC 8445 §8.1.1)." };
        var address = new Option<string[]>("--address") { Description = "Local IP to gather host candidates on (repeatable; default: every up interface).", AllowMultipleArgumentsPerToken = true };
        var pacing = new Option<int?>("--pacing") { Description = "Ta in ms (RFC 8445 §14.2; at least 5), announced as a=ice-pacing; default 20. Both sides use the larger of the two " +
                          "announced values; a peer that announces none counts as 50 ms (the RFC default)." };
        var transports = new Option<string>("--transports")
        {
            Description = "Host candidates on udp (default), tcp (RFC 6544 active and passive) or udp,tcp.", DefaultValueFactory = _ => "udp",
        };
        var tcpOptions = new IceTcpOptions(
            new Option<bool>("--tcp-so") { Description = "Also a simultaneous-open TCP candidate per address and, with --stun, its server reflexive one learnt by a Binding over TCP from that port (RFC 6544 §4.5, §5.2, §7.2; needs tcp in --transports)." },
            new Option<bool>("--turn-tcp-relay")
            {
                Description = "A TCP allocation (RFC 6062) instead of a UDP one: relayed TCP candidates, passive and active (RFC 6544; needs --turn, --turn-tcp and tcp in --transports).",
            });
        var timeout = new Option<int>("--timeout")
        {
            Description = "Seconds each stage may take: gathering, waiting for the peer's description, the checks, and in the exchange the " +
                          "time with no line sent or received. The error names the stage (exit 1).",
            DefaultValueFactory = _ => 120,
        };
        var mdns = new Option<bool>("--mdns")
        {
            Description = "Offer host candidates as mDNS names (<uuid>.local, draft-ietf-mmusic-mdns-ice-candidates §3.1) and answer queries for " +
                          "them on 224.0.0.251:5353 and [ff02::fb]:5353; the peer's .local candidates are resolved with or without it.",
        };
        var json = new Option<bool>("--json") { Description = "Print every step as one JSON object per line on stdout (schema: docs/ice-json.md)." };
        var trickle = new Option<bool>("--trickle")
        {
            Description = "Trickle (RFC 8838, stdin/stdout only): print the credentials and host candidates at once and each further candidate " +
                          "as it is gathered, then a=end-of-candidates; apply the peer's lines as they come. Checks on host candidates then run " +
                          "while server-reflexive and relayed ones are still gathered. A peer without --trickle still connects.",
        };
        var command = new Command(name, description)
            { signal, signalSecret, stun, turn, user, turnTcp, relayOnly, aggressive, address, pacing, transports, tcpOptions.SimultaneousOpen, tcpOptions.TurnTcpRelay, mdns, timeout, json, trickle };
        command.SetAction(parse =>
        {
            if (!TryOptions(parse, role, stun, turn, user, turnTcp, relayOnly, aggressive, address, pacing, transports, out var options, out var error)) return console.UsageError(error);
            if (!tcpOptions.TryApply(parse, options, out options, out error)) return console.UsageError(error);
            if (parse.GetValue(mdns)) options = options with { OfferMdnsHostNames = true };
            if (parse.GetValue(timeout) is < 1 or > 86400) return console.UsageError("--timeout is 1 to 86400 seconds");
            if (parse.GetValue(trickle) && (parse.GetValue(signal) is not null || parse.GetValue(json)))
                return console.UsageError("--trickle prints and reads RFC 8839 lines on stdin/stdout: not with --signal or --json");
            if (!TrySignal(parse.GetValue(signal), parse.GetValue(signalSecret), out var directory, out var url, out error)) return console.UsageError(error);
            IIceReport report = parse.GetValue(json) ? new IceJsonReport(console, name, TimeProvider.System) : new IceTextReport(console, name);
            var side = new IceSide(console, name, options, directory, TimeSpan.FromSeconds(parse.GetValue(timeout)), report, parse.GetValue(trickle), url);
            return side.RunAsync().GetAwaiter().GetResult();
        });
        return command;
    }

    /// <summary>--signal: a directory, or a ws:// URL of a signal server (its room token from the URL or minted with --signal-secret).</summary>
    private static bool TrySignal(string? signal, string? secret, out DirectoryInfo? directory, out Uri? url, out string error)
    {
        directory = null;
        url = null;
        error = "";
        if (signal is null)
        {
            if (secret is not null) error = "--signal-secret goes with --signal ws://HOST:PORT/ROOM";
            return secret is null;
        }
        if (!signal.StartsWith("ws://", StringComparison.Ordinal) && !signal.StartsWith("wss://", StringComparison.Ordinal))
        {
            if (secret is not null) { error = "--signal-secret goes with --signal ws://HOST:PORT/ROOM, not a directory"; return false; }
            directory = new DirectoryInfo(signal);
            return true;
        }
        if (!Uri.TryCreate(signal, UriKind.Absolute, out var parsed) || parsed.AbsolutePath.Trim('/') is not { Length: > 0 } room || room.Contains('/'))
        {
            error = $"--signal: '{signal}' is not ws://HOST:PORT/ROOM";
            return false;
        }
        var hasToken = System.Web.HttpUtility.ParseQueryString(parsed.Query)["token"] is not null;
        if (!hasToken && secret is null) { error = "--signal ws://…: give --signal-secret or a ?token= in the URL"; return false; }
        url = hasToken ? parsed : new UriBuilder(parsed)
        {
            Query = "token=" + Signalling.SignalToken.Mint(secret!, room, DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds()),
        }.Uri;
        return true;
    }

    private static bool TryOptions(ParseResult parse, IceRole role, Option<string[]> stun, Option<string?> turn, Option<string?> user, Option<bool> turnTcp, Option<bool> relayOnly,
        Option<bool> aggressive, Option<string[]> address, Option<int?> pacing, Option<string> transports, out IceSessionOptions options, out string error)
    {
        options = null!;
        IceTransports? chosen = parse.GetValue(transports) switch
        {
            "udp" => IceTransports.Udp,
            "tcp" => IceTransports.Tcp,
            "udp,tcp" or "tcp,udp" => IceTransports.UdpAndTcp,
            _ => null,
        };
        if (chosen is null) { error = $"--transports: '{parse.GetValue(transports)}' is not udp, tcp or udp,tcp"; return false; }
        var stunServers = new List<IPEndPoint>();
        foreach (var text in parse.GetValue(stun) ?? [])
        {
            if (!TryEndPoint(text, out var endPoint)) { error = $"--stun: '{text}' is not HOST:PORT"; return false; }
            stunServers.Add(endPoint);
        }
        var turnServers = new List<IceTurnServer>();
        if (parse.GetValue(turn) is { } turnText)
        {
            if (!TryEndPoint(turnText, out var endPoint)) { error = $"--turn: '{turnText}' is not HOST:PORT"; return false; }
            var credentials = parse.GetValue(user)?.Split(':', 2);
            if (credentials is not { Length: 2 }) { error = "--turn needs --turn-user USER:PASSWORD"; return false; }
            turnServers.Add(new IceTurnServer(endPoint, credentials[0], credentials[1],
                Transport: parse.GetValue(turnTcp) ? Stun.Transports.TransportProtocol.Tcp : Stun.Transports.TransportProtocol.Udp));
        }
        var turnFromSignal = parse.GetValue<string?>("--signal")?.StartsWith("ws", StringComparison.Ordinal) == true;
        if (parse.GetValue(relayOnly) && turnServers.Count == 0 && !turnFromSignal) { error = "--relay-only needs --turn (or --signal ws://…, whose server hands out TURN servers)"; return false; }
        var addresses = new List<IPAddress>();
        foreach (var text in parse.GetValue(address) ?? [])
        {
            if (!IPAddress.TryParse(text, out var ip)) { error = $"--address: '{text}' is not an IP address"; return false; }
            addresses.Add(ip);
        }
        if (parse.GetValue(pacing) is < 5) { error = "--pacing must be at least 5 ms (RFC 8445 §14.2)"; return false; }
        options = new IceSessionOptions
        {
            Role = role,
            Nomination = parse.GetValue(aggressive) ? IceNomination.Aggressive : IceNomination.Regular,
            StunServers = stunServers,
            TurnServers = turnServers,
            Policy = parse.GetValue(relayOnly) ? IceCandidatePolicy.RelayOnly : IceCandidatePolicy.All,
            Addresses = addresses.Count > 0 ? addresses : null,
            Pacing = parse.GetValue(pacing) is { } ta ? TimeSpan.FromMilliseconds(ta) : IceAgentOptions.ProposedPacing,
            Transports = chosen.Value,
        };
        error = "";
        return true;
    }

    private static bool TryEndPoint(string text, out IPEndPoint endPoint)
    {
        if (IPEndPoint.TryParse(text, out endPoint!) && endPoint.Port != 0) return true;
        var colon = text.LastIndexOf(':');
        if (colon > 0 && int.TryParse(text[(colon + 1)..], out var port) && port is > 0 and < 65536)
        {
            try
            {
                var resolved = Dns.GetHostAddresses(text[..colon]);
                if (resolved.Length > 0) { endPoint = new IPEndPoint(resolved[0], port); return true; }
            }
            catch (System.Net.Sockets.SocketException) { }
        }
        endPoint = null!;
        return false;
    }
}
