using System.Net;
using IceSpec.Stun;

namespace IceSpec.Captures.Diagnosis.Rules;

/// <summary>
/// One NAT mapping seen in the traffic (RFC 4787 §4.1: "the NAT binds an internal X:x to an external X':x' for packets
/// to Y:y"): the host socket <see cref="Local"/> (X:x), the destination <see cref="Destination"/> (Y:y), the external
/// address the packets to it carried (<see cref="Mapped"/>, X':x'), when, the frame that shows it and how it was seen.
/// <see cref="How"/>: <c>xor-mapped</c>: the XOR-MAPPED-ADDRESS of a response the host received (RFC 8489 §14.2: what the responder saw);
/// <c>seen-outside</c>: the request itself, captured beyond the NAT (a transit capture, the receiver's host) with its
/// translated source.
/// </summary>
public sealed record MappingSeen(string Transport, IPEndPoint Local, IPEndPoint Destination, IPEndPoint Mapped, DateTime Time,
    FrameRef Frame, string How, string? Agent, bool ToServer = false)
{
    public bool Translated => !Mapped.Equals(Local);

    /// <summary>"towards the STUN/TURN server 203.0.113.1:3478" or "towards 198.51.100.10:4748".</summary>
    public string Towards => ToServer ? $"towards the STUN/TURN server {Destination} (its server-reflexive address)" : $"towards {Destination}";
}

/// <summary>
/// A check of agent <see cref="Agent"/> that arrived at its peer's host from <see cref="Source"/> (the agent's NAT's
/// mapping towards that peer), as the peer's own capture shows it (RFC 8445 §7.3.1.3: the source the responder sees).
/// </summary>
public sealed record CheckArrival(string Agent, string Receiver, IPEndPoint Source, IPEndPoint Destination, DateTime Time, FrameRef Frame);

/// <summary>
/// The mappings of a diagnosis' captures, read from the messages, with no judgement: from inside (responses'
/// XOR-MAPPED-ADDRESS at the requesting host), from beyond the NAT (the same request seen elsewhere with a translated
/// source), and from the peer's side (checks arriving at its host).
/// </summary>
public sealed class NatMappings
{
    public IReadOnlyList<MappingSeen> Seen { get; }
    public IReadOnlyList<CheckArrival> Arrivals { get; }

    private NatMappings(List<MappingSeen> seen, List<CheckArrival> arrivals)
    {
        Seen = seen;
        Arrivals = arrivals;
    }

    public static NatMappings Read(SessionEvidence evidence)
    {
        var agentOf = new Dictionary<IPEndPoint, string>();
        foreach (var agent in evidence.Agents)
            foreach (var host in agent.HostAddresses) agentOf.TryAdd(host, agent.Ufrag);
        var seen = new List<MappingSeen>();
        foreach (var transaction in evidence.Transactions.Values)
        {
            // The request as it left its host: captured there (initial TTL), not carried inside a TURN message.
            var sent = transaction.Requests.FirstOrDefault(r => r.AtSender && r.Captured.Relay is null);
            if (sent is null) continue;
            var agent = agentOf.GetValueOrDefault(sent.Source);
            // Not a check: a Binding or Allocate to a STUN/TURN server, whose answer is the server-reflexive candidate (RFC 8445 §5.1.1.1).
            var toServer = !transaction.IsIceCheck;
            // RFC 8489 §14.2: XOR-MAPPED-ADDRESS "indicates a reflexive transport address of the client" — what the
            // responder saw as the request's source, i.e. the NAT's mapping towards the responder.
            foreach (var response in transaction.Responses)
                if (response.Capture == sent.Capture && response.Captured.Relay is null && response.Stun is { Class: StunClass.Success, MappedAddress: { } mapped }
                    && response.Destination.Equals(sent.Source) && response.Source.Equals(sent.Destination))
                {
                    seen.Add(new MappingSeen(sent.Transport, sent.Source, sent.Destination, mapped, response.Time, response.Ref, "xor-mapped", agent, toServer));
                    break;
                }
            // The same request beyond the NAT: its source there is the mapping (one per capture).
            foreach (var beyond in transaction.Requests.Where(r => r.Capture != sent.Capture && !r.AtSender && r.Captured.Relay is null)
                         .GroupBy(r => r.Capture).Select(g => g.First()))
                seen.Add(new MappingSeen(sent.Transport, sent.Source, sent.Destination, beyond.Source, beyond.Time, beyond.Ref, "seen-outside", agent, toServer));
        }
        seen.Sort((a, b) => a.Time.CompareTo(b.Time));

        var arrivals = new List<CheckArrival>();
        foreach (var sighting in evidence.Sightings)
        {
            if (sighting.Stun is not { IsIceCheck: true } stun || sighting.AtSender) continue;
            if (stun.Username!.Split(':') is not [var receiver, var sender]) continue;
            if (!evidence.IsHome(sighting.Capture, receiver)) continue;
            // A check relayed to the receiver's TURN allocation (a Data indication or ChannelData) carries, as its source,
            // the address the TURN server saw: the sender's mapping towards the relay.
            arrivals.Add(new CheckArrival(sender, receiver, sighting.Source, sighting.Destination, sighting.Time, sighting.Ref));
        }
        return new NatMappings(seen, arrivals);
    }
}
