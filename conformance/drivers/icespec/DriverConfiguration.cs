using System.Net;
using System.Text.Json.Nodes;
using IceSpec.Ice;
using IceSpec.Stun.Transports;

namespace IceSpec.Conformance.Driver;

/// <summary>A bad field of a command: reported as an <c>error</c> event; the driver keeps running.</summary>
internal sealed class CommandException(string message) : Exception(message);

/// <summary>A step IceSpec cannot do: <c>unsupported</c> and exit code 127 (conformance/ADAPTER.md).</summary>
internal sealed class UnsupportedException(string command, string reason) : Exception(reason)
{
    public string Command { get; } = command;
}

/// <summary>The <c>configure</c> command turned into session options.</summary>
internal static class DriverConfiguration
{
    public static IceSessionOptions Parse(JsonObject command)
    {
        var role = (string?)command["role"] switch
        {
            "controlling" => IceRole.Controlling,
            "controlled" => IceRole.Controlled,
            _ => throw new CommandException("configure: role must be \"controlling\" or \"controlled\""),
        };
        var nomination = ((string?)command["nomination"] ?? "regular") switch
        {
            "regular" => IceNomination.Regular,
            "aggressive" => IceNomination.Aggressive,
            _ => throw new CommandException("configure: nomination must be \"regular\" or \"aggressive\""),
        };
        var policy = ((string?)command["policy"] ?? "all") switch
        {
            "all" => IceCandidatePolicy.All,
            "relay" => IceCandidatePolicy.RelayOnly,
            _ => throw new CommandException("configure: policy must be \"all\" or \"relay\""),
        };
        var transports = ((string?)command["transports"] ?? "udp") switch
        {
            "udp" => IceTransports.Udp,
            "tcp" => IceTransports.Tcp,
            "udp,tcp" => IceTransports.UdpAndTcp,
            var other => throw new CommandException($"configure: transports must be \"udp\", \"tcp\" or \"udp,tcp\", got '{other}'"),
        };
        // "mdns": true offers host candidates as mDNS names (ADAPTER.md); the peer's names are resolved either way.
        var mdns = command["mdns"] switch
        {
            null => false,
            JsonValue v when v.TryGetValue<bool>(out var b) => b,
            _ => throw new CommandException("configure: mdns must be true or false"),
        };
        // RFC 6544 §4.5, §5.2: S-O host candidates and, with a STUN server, their server reflexive ones.
        var simultaneousOpen = command["tcp-so"] switch
        {
            null => false,
            JsonValue value when value.TryGetValue<bool>(out var on) => on,
            var other => throw new CommandException($"configure: tcp-so must be true or false, got {other.ToJsonString()}"),
        };
        if (simultaneousOpen && !transports.HasFlag(IceTransports.Tcp)) throw new CommandException("configure: tcp-so needs tcp in transports");
        var components = (int?)command["components"] ?? 1;
        if (components is < 1 or > 256) throw new CommandException("configure: components must be 1 to 256");
        var addresses = command["addresses"] is JsonArray list && list.Count > 0
            ? list.Select(a => IPAddress.TryParse((string?)a, out var ip) ? ip : throw new CommandException($"configure: '{a}' is not an IP address")).ToList()
            : null;
        var stun = command["stun"] is { } s ? [EndPoint((string?)s, "stun")] : Array.Empty<IPEndPoint>();
        var turn = Array.Empty<IceTurnServer>();
        if (command["turn"] is JsonObject t)
        {
            var transport = ((string?)t["transport"] ?? "udp") switch
            {
                "udp" => TransportProtocol.Udp,
                "tcp" => TransportProtocol.Tcp,
                var other => throw new CommandException($"configure: turn.transport must be \"udp\" or \"tcp\", got '{other}'"),
            };
            var tcpRelay = ((string?)t["relay"] ?? "udp") switch
            {
                "udp" => false,
                "tcp" when transport == TransportProtocol.Tcp => true,
                "tcp" => throw new CommandException("configure: turn.relay tcp (RFC 6062) needs turn.transport tcp"),
                var other => throw new CommandException($"configure: turn.relay must be \"udp\" or \"tcp\", got '{other}'"),
            };
            turn = [new IceTurnServer(EndPoint((string?)t["server"], "turn.server"), (string?)t["username"] ?? throw new CommandException("configure: turn.username is required"),
                (string?)t["password"] ?? throw new CommandException("configure: turn.password is required"), Transport: transport) { TcpRelay = tcpRelay }];
        }
        return new IceSessionOptions
        {
            Role = role, Nomination = nomination, Policy = policy, Components = components, Addresses = addresses, StunServers = stun, TurnServers = turn,
            Transports = transports, OfferMdnsHostNames = mdns,
            TcpSimultaneousOpen = simultaneousOpen,
            // Ta 20 ms unless configure says otherwise, announced (local-description's "pacing"): it takes effect only
            // against a peer that announces 20 ms too (IceAgentOptions.ProposedPacing, RFC 8445 §14.2).
            Pacing = command["pacing"] is { } ta ? TimeSpan.FromMilliseconds((int)ta) : IceAgentOptions.ProposedPacing,
            SeededDefect = SeededDefect(),
        };
    }

    /// <summary>
    /// <c>ICESPEC_SEEDED_DEFECT=NAME</c>: the agent breaks one rule on purpose (the kit's kill test, conformance/README.md
    /// "Seeded defects"). An unknown name is refused, so a misspelt defect never runs as a correct agent.
    /// </summary>
    private static IceSeededDefect SeededDefect()
    {
        var name = Environment.GetEnvironmentVariable("ICESPEC_SEEDED_DEFECT");
        if (string.IsNullOrEmpty(name)) return IceSeededDefect.None;
        return Enum.TryParse<IceSeededDefect>(name, ignoreCase: false, out var defect) && Enum.IsDefined(defect)
            ? defect
            : throw new CommandException($"configure: ICESPEC_SEEDED_DEFECT '{name}' is not one of {string.Join(", ", Enum.GetNames<IceSeededDefect>())}");
    }

    private static IPEndPoint EndPoint(string? text, string what)
    {
        if (text is not null && IPEndPoint.TryParse(text, out var endPoint) && endPoint.Port != 0) return endPoint;
        if (text?.LastIndexOf(':') is int colon and > 0 && int.TryParse(text[(colon + 1)..], out var port))
        {
            var addresses = Dns.GetHostAddresses(text[..colon]);
            if (addresses.Length > 0) return new IPEndPoint(addresses[0], port);
        }
        throw new CommandException($"configure: {what} must be \"host:port\", got '{text}'");
    }
}
