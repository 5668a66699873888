using System.Net;
using IceSpec.Captures.Analysis;

namespace IceSpec.Captures.Diagnosis;

/// <summary>
/// One message as one capture saw it. The same message may be seen by several captures (the sender's, a router's, the
/// receiver's: <c>diagnose a.pcap b.pcap</c>); <see cref="Time"/> is on the diagnosis clock (the first capture's, the
/// others shifted by the offset the transaction IDs give, see <see cref="SessionEvidence"/>).
/// </summary>
public sealed class Sighting
{
    public required string Capture { get; init; }
    public required CapturedMessage Captured { get; init; }
    /// <summary>The STUN fields (integrity checked with the credentials); null for ChannelData and classic STUN.</summary>
    public StunEvent? Stun { get; init; }
    public required DateTime Time { get; init; }

    public FrameRef Ref => new(Capture, Captured.Frame);
    public IPEndPoint Source => Captured.Source;
    public IPEndPoint Destination => Captured.Destination;
    public string Transport => Captured.Transport;

    /// <summary>Captured on the host that sent it (the IP TTL is still initial): the message left its sender.</summary>
    public bool AtSender => Captured.AtSender;

    public override string ToString() => $"{Ref} {Stun?.Label ?? Captured.Kind.ToString()} {Source} → {Destination}";
}

/// <summary>A non-STUN UDP datagram (application data) as one capture saw it.</summary>
public sealed record DataSighting(string Capture, CapturedDatagram Datagram, DateTime Time)
{
    public FrameRef Ref => new(Capture, Datagram.Frame);
}

/// <summary>An ICMP error about a UDP datagram (<see cref="CapturedUnreachable"/>) as one capture saw it.</summary>
public sealed record UnreachableSighting(string Capture, CapturedUnreachable Error, DateTime Time)
{
    public FrameRef Ref => new(Capture, Error.Frame);
}

/// <summary>
/// Every sighting of one transaction (RFC 8489 §6: one transaction ID) in every capture: the request's transmissions
/// (retransmissions included) and the responses, in time order.
/// </summary>
public sealed class EvidenceTransaction(TransactionKey id)
{
    public TransactionKey Id { get; } = id;
    public List<Sighting> Requests { get; } = [];
    public List<Sighting> Responses { get; } = [];

    /// <summary>The request's first sighting (the sender's own, when a capture was taken there).</summary>
    public Sighting Request => Requests.FirstOrDefault(r => r.AtSender) ?? Requests[0];

    /// <summary>
    /// An ICE check (RFC 8445 §7.2.2) whose USERNAME is RFRAG:LFRAG, two non-empty ufrags (one that is not is reported by
    /// analyze as <c>username-not-remote-local</c>; it names no agent to diagnose).
    /// </summary>
    public bool IsIceCheck => Requests.Count > 0 && Requests[0].Stun!.IsIceCheck && Ufrags(Requests[0].Stun!.Username!) is not null;

    /// <summary>For a check: the sender's ufrag (the part of USERNAME after the colon, RFC 8445 §7.2.2), else null.</summary>
    public string? SenderUfrag => IsIceCheck ? Ufrags(Requests[0].Stun!.Username!)!.Value.Sender : null;

    /// <summary>For a check: the receiver's ufrag (before the colon), else null.</summary>
    public string? ReceiverUfrag => IsIceCheck ? Ufrags(Requests[0].Stun!.Username!)!.Value.Receiver : null;

    /// <summary>RFRAG:LFRAG split, or null when it is not two non-empty parts.</summary>
    public static (string Receiver, string Sender)? Ufrags(string username) =>
        username.Split(':') is [{ Length: > 0 } receiver, { Length: > 0 } sender] ? (receiver, sender) : null;
}

/// <summary>
/// An ICE agent, known by the ufrag its checks carry: where it sent checks from (<see cref="SentFrom"/>: every address
/// any capture saw; <see cref="HostAddresses"/>: those seen on its own host), the captures taken on its host, and the
/// roles its checks claimed, in order.
/// </summary>
public sealed class IceAgentEvidence(string ufrag)
{
    public string Ufrag { get; } = ufrag;
    public HashSet<IPEndPoint> SentFrom { get; } = [];
    public HashSet<IPEndPoint> HostAddresses { get; } = [];
    public HashSet<string> HomeCaptures { get; } = new(StringComparer.Ordinal);
    public List<string> Roles { get; } = [];
    public string Role => Roles.Count == 0 ? "unknown" : Roles[^1];
}

/// <summary>One diagnosed capture: its label, path, frame count, the clock offset applied, and the streaming analysis of it.</summary>
public sealed record CaptureEvidence(string Label, string Path, int Frames, string? Error, TimeSpan Offset, AnalysisReport Analysis);
