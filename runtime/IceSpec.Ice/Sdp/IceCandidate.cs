using System.Globalization;
using System.Text;

namespace IceSpec.Ice.Sdp;

public enum IceTransport { Udp, Tcp, Other }

public enum IceCandidateType { Host, ServerReflexive, PeerReflexive, Relayed, Other }

/// <summary>RFC 6544 §4.5 tcptype.</summary>
public enum IceTcpType { Active, Passive, SimultaneousOpen }

/// <summary>One cand-extension (name, value) in the order it appeared. tcptype is one of them.</summary>
public readonly record struct IceExtensionAttribute(string Name, string Value);

/// <summary>
/// An RFC 8839 §5.1 candidate attribute. Tokens (transport, candidate type, addresses) keep the spelling they were
/// parsed with, so <see cref="Format"/> of a parsed candidate reproduces the normalised input line.
/// </summary>
public sealed class IceCandidate
{
    public IceCandidate(string foundation, int componentId, string transport, uint priority, IceConnectionAddress address, int port,
        string type, IceConnectionAddress? relatedAddress = null, int? relatedPort = null, IReadOnlyList<IceExtensionAttribute>? extensions = null)
    {
        Foundation = foundation; ComponentId = componentId; TransportToken = transport; Priority = priority; Address = address; Port = port;
        TypeToken = type; RelatedAddress = relatedAddress; RelatedPort = relatedPort; Extensions = extensions ?? [];
    }

    /// <summary>Builds a candidate from typed values (RFC 6544 tcptype added as the first extension for TCP).</summary>
    public static IceCandidate Create(string foundation, int componentId, IceTransport transport, uint priority, IceConnectionAddress address,
        int port, IceCandidateType type, IceConnectionAddress? relatedAddress = null, int? relatedPort = null, IceTcpType? tcpType = null,
        IEnumerable<IceExtensionAttribute>? extensions = null)
    {
        var list = new List<IceExtensionAttribute>();
        if (tcpType is { } t) list.Add(new("tcptype", TcpTypeToken(t)));
        if (extensions is not null) list.AddRange(extensions);
        var transportToken = transport switch { IceTransport.Udp => "UDP", IceTransport.Tcp => "TCP", _ => throw new ArgumentException("use the constructor for an extension transport", nameof(transport)) };
        var typeToken = type switch
        {
            IceCandidateType.Host => "host", IceCandidateType.ServerReflexive => "srflx", IceCandidateType.PeerReflexive => "prflx",
            IceCandidateType.Relayed => "relay", _ => throw new ArgumentException("use the constructor for an extension type", nameof(type)),
        };
        return new(foundation, componentId, transportToken, priority, address, port, typeToken, relatedAddress, relatedPort, list);
    }

    public string Foundation { get; }
    public int ComponentId { get; }
    /// <summary>The transport as written ("UDP", "udp", "TCP", or an extension token).</summary>
    public string TransportToken { get; }
    public IceTransport Transport => TransportToken.ToUpperInvariant() switch { "UDP" => IceTransport.Udp, "TCP" => IceTransport.Tcp, _ => IceTransport.Other };
    public uint Priority { get; }
    public IceConnectionAddress Address { get; }
    public int Port { get; }
    /// <summary>The candidate type as written ("host", "srflx", "prflx", "relay" or an extension token).</summary>
    public string TypeToken { get; }
    public IceCandidateType Type => TypeToken.ToLowerInvariant() switch
    {
        "host" => IceCandidateType.Host, "srflx" => IceCandidateType.ServerReflexive, "prflx" => IceCandidateType.PeerReflexive,
        "relay" => IceCandidateType.Relayed, _ => IceCandidateType.Other,
    };
    public IceConnectionAddress? RelatedAddress { get; }
    public int? RelatedPort { get; }
    /// <summary>Every cand-extension in order, including tcptype.</summary>
    public IReadOnlyList<IceExtensionAttribute> Extensions { get; }

    /// <summary>RFC 6544 tcptype, if present.</summary>
    public IceTcpType? TcpType
    {
        get
        {
            foreach (var e in Extensions)
                if (e.Name.Equals("tcptype", StringComparison.OrdinalIgnoreCase))
                    return e.Value.ToLowerInvariant() switch { "active" => IceTcpType.Active, "passive" => IceTcpType.Passive, "so" => IceTcpType.SimultaneousOpen, _ => null };
            return null;
        }
    }

    /// <summary>The value of the first extension named <paramref name="name"/> (e.g. "generation", "ufrag", "network-id").</summary>
    public string? GetExtension(string name)
    {
        foreach (var e in Extensions) if (e.Name.Equals(name, StringComparison.OrdinalIgnoreCase)) return e.Value;
        return null;
    }

    public static string TcpTypeToken(IceTcpType type) => type switch
    {
        IceTcpType.Active => "active", IceTcpType.Passive => "passive", _ => "so",
    };

    /// <summary>The RFC 8839 attribute: "candidate:foundation component transport priority address port typ type …".</summary>
    public string Format() => "candidate:" + FormatValue();

    /// <summary>The SDP line: "a=candidate:…".</summary>
    public string FormatLine() => "a=" + Format();

    /// <summary>The attribute value without "candidate:" (the form werift-ice's toSdp() and aioice's to_sdp() emit).</summary>
    public string FormatValue()
    {
        var b = new StringBuilder(96);
        b.Append(Foundation).Append(' ').Append(ComponentId.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(TransportToken)
            .Append(' ').Append(Priority.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(Address.Text)
            .Append(' ').Append(Port.ToString(CultureInfo.InvariantCulture)).Append(" typ ").Append(TypeToken);
        if (RelatedAddress is { } ra) b.Append(" raddr ").Append(ra.Text);
        if (RelatedPort is { } rp) b.Append(" rport ").Append(rp.ToString(CultureInfo.InvariantCulture));
        foreach (var e in Extensions) b.Append(' ').Append(e.Name).Append(' ').Append(e.Value);
        return b.ToString();
    }

    public override string ToString() => Format();

    /// <summary>Parses "a=candidate:…", "candidate:…" or the bare value (werift-ice form). Never throws for bad input.</summary>
    public static bool TryParse(string? line, out IceCandidate? candidate, out IceSdpError? error) =>
        IceCandidateParser.TryParse(line, out candidate, out error);

    /// <summary>Like <see cref="TryParse"/> but throws <see cref="FormatException"/> with the error text.</summary>
    public static IceCandidate Parse(string line) =>
        TryParse(line, out var c, out var e) ? c! : throw new FormatException(e!.ToString());
}
