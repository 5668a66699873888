using System.CommandLine;
using System.Net;
using System.Text;
using IceSpec.Ice;
using IceSpec.Ice.Sdp;

namespace IceSpec.Cli.Commands;

/// <summary>
/// <c>icespec ice offer|answer</c>: two terminals (or two machines) connect with ICE. Each prints its description
/// (RFC 8839 lines) and reads the peer's: pasted on stdin up to <c>a=end-of-candidates</c>, or exchanged through files
/// with <c>--signal DIR</c>. Candidates, checks, pair states and the selected pair are printed as they happen (stderr);
/// then every stdin line is sent as one datagram and every datagram received is printed.
/// </summary>
public static class IceCommand
{
    public static Command Create(CliConsole console)
    {
        var ice = new Command("ice", "Connect two ICE agents (RFC 8445) and exchange lines: 'icespec ice offer' in one terminal, 'icespec ice answer' in the other.");
        ice.Subcommands.Add(CreateSide(console, "offer", IceRole.Controlling, "The controlling side (RFC 8445 §6.1.1): prints its description first."));
        ice.Subcommands.Add(CreateSide(console, "answer", IceRole.Controlled, "The controlled side: reads the offer, prints its answer."));
        return ice;
    }

    private static Command CreateSide(CliConsole console, string name, IceRole role, string description)
    {
        var signal = new Option<DirectoryInfo?>("--signal") { Description = "Exchange descriptions as files offer.sdp / answer.sdp in this directory instead of stdin/stdout." };
        var stun = new Option<string[]>("--stun") { Description = "STUN server HOST:PORT for server-reflexive candidates (repeatable).", AllowMultipleArgumentsPerToken = true };
        var turn = new Option<string?>("--turn") { Description = "TURN server HOST:PORT for a relayed candidate (UDP; --turn-tcp for TCP)." };
        var user = new Option<string?>("--turn-user") { Description = "TURN credentials USER:PASSWORD." };
        var turnTcp = new Option<bool>("--turn-tcp") { Description = "Reach the TURN server over TCP (RFC 8656 §3.1), e.g. where UDP is blocked." };
        var relayOnly = new Option<bool>("--relay-only") { Description = "Use relayed candidates only (needs --turn)." };
        var aggressive = new Option<bool>("--aggressive") { Description = "Aggressive nomination (RFC 5245 §8.1.1.2) instead of regular (RFC 8445 §8.1.1)." };
        var address = new Option<string[]>("--address") { Description = "Local IP to gather host candidates on (repeatable; default: every up interface).", AllowMultipleArgumentsPerToken = true };
        var pacing = new Option<int?>("--pacing") { Description = "Ta in ms (RFC 8445 §14.2; default 50, at least 5), announced as a=ice-pacing." };
        var transports = new Option<string>("--transports")
        {
            Description = "Host candidates on udp (default), tcp (RFC 6544 active and passive) or udp,tcp.", DefaultValueFactory = _ => "udp",
        };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for the peer and for connectivity.", DefaultValueFactory = _ => 120 };
        var command = new Command(name, description) { signal, stun, turn, user, turnTcp, relayOnly, aggressive, address, pacing, transports, timeout };
        command.SetAction(parse =>
        {
            if (!TryOptions(parse, role, stun, turn, user, turnTcp, relayOnly, aggressive, address, pacing, transports, out var options, out var error)) return console.UsageError(error);
            return Run(console, name, options, parse.GetValue(signal), TimeSpan.FromSeconds(parse.GetValue(timeout))).GetAwaiter().GetResult();
        });
        return command;
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
                Transport: parse.GetValue(turnTcp) ? Turn.Transports.TransportProtocol.Tcp : Turn.Transports.TransportProtocol.Udp));
        }
        if (parse.GetValue(relayOnly) && turnServers.Count == 0) { error = "--relay-only needs --turn"; return false; }
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
            Pacing = TimeSpan.FromMilliseconds(parse.GetValue(pacing) ?? (int)IceFormulas.DefaultPacingMilliseconds),
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

    private static async Task<int> Run(CliConsole console, string side, IceSessionOptions options, DirectoryInfo? signal, TimeSpan timeout)
    {
        await using var session = IceSession.Create(options);
        session.Event += e => { if (Describe(e) is { } line) console.Error.WriteLine($"[{side}] {line}"); };
        var peerSide = side == "offer" ? "answer" : "offer";
        try
        {
            var local = await session.GetLocalDescriptionAsync().WaitAsync(timeout);
            var remote = await Signal(console, side, peerSide, local, signal, timeout);
            if (remote is null) return console.UsageError($"no {peerSide} description: expected a=ice-ufrag, a=ice-pwd and a=candidate lines ending with a=end-of-candidates");
            session.SetRemoteDescription(remote);
            var pair = await session.ConnectAsync().WaitAsync(timeout);
            var connection = pair.TcpConnectionLocal is { } from ? $" (connection from {from})" : "";
            console.Out.WriteLine($"connected: {pair.MappedLocal ?? pair.Local}{connection} <-> {pair.Remote} (role {session.Role.ToString().ToLowerInvariant()})");
            console.Out.Flush();
        }
        catch (Exception e) when (e is TimeoutException or IceSessionException or IOException)
        {
            console.Error.WriteLine($"icespec: ice {side}: {e.Message}");
            return ExitCodes.Failed;
        }

        using var stop = new CancellationTokenSource();
        var printer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var (_, data) = await session.ReceiveAsync(stop.Token);
                console.Out.WriteLine("< " + Encoding.UTF8.GetString(data));
                console.Out.Flush();
            }
        });
        while (await console.In.ReadLineAsync() is { } line)
            if (!await session.SendAsync(Encoding.UTF8.GetBytes(line))) console.Error.WriteLine($"[{side}] not sent: no selected pair (or consent expired)");
        await Task.Delay(200); // let the last datagrams arrive before closing
        stop.Cancel();
        await printer.ContinueWith(_ => { });
        return ExitCodes.Ok;
    }

    /// <summary>Prints our description and reads the peer's (stdin up to a=end-of-candidates, or files in --signal DIR).</summary>
    private static async Task<IceDescription?> Signal(CliConsole console, string side, string peerSide, IceDescription local, DirectoryInfo? signal, TimeSpan timeout)
    {
        var text = local.Format();
        string remoteText;
        if (signal is not null)
        {
            signal.Create();
            var mine = Path.Combine(signal.FullName, side + ".sdp");
            await File.WriteAllTextAsync(mine + ".tmp", text);
            File.Move(mine + ".tmp", mine, overwrite: true);
            var theirs = Path.Combine(signal.FullName, peerSide + ".sdp");
            var deadline = DateTime.UtcNow + timeout;
            while (!File.Exists(theirs))
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"no {theirs} after {timeout.TotalSeconds} s");
                await Task.Delay(100);
            }
            remoteText = await File.ReadAllTextAsync(theirs);
        }
        else
        {
            console.Out.Write($"--- {side} (paste into the {peerSide} side) ---\n{text}--- end ---\n");
            console.Out.WriteLine($"paste the {peerSide}'s lines, ending with a=end-of-candidates:");
            console.Out.Flush();
            var lines = new StringBuilder();
            while (await console.In.ReadLineAsync() is { } line)
            {
                lines.AppendLine(line);
                if (line.Trim() == "a=end-of-candidates") break;
            }
            remoteText = lines.ToString();
        }
        var parsed = IceSdp.Parse(remoteText);
        foreach (var error in parsed.Errors) console.Error.WriteLine($"icespec: {peerSide} description {error}");
        var description = parsed.Session;
        return description.Ufrag is null || description.Password is null ? null : description;
    }

    private static string? Describe(IceEvent iceEvent) => iceEvent switch
    {
        IceCandidateGathered g => $"candidate {g.Candidate.Candidate.FormatLine()}",
        IceGatheringComplete => "gathering complete",
        IceCheckSent c => $"check {c.Pair}{(c.UseCandidate ? " USE-CANDIDATE" : "")}{(c.Triggered ? " (triggered)" : "")}",
        IcePairStateChanged p => $"pair {p.Pair}: {p.From} -> {p.To}",
        IceSelectedPairChanged s => $"selected {s.Pair}",
        IceRoleChanged r => $"role conflict: now {r.Role.ToString().ToLowerInvariant()}",
        IceConnectionStateChanged s => $"state {s.State.ToString().ToLowerInvariant()}",
        IceServerFailed f => $"server {f.Server}: {f.Reason}",
        _ => null,
    };
}
