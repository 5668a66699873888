using System.Net;
using IceSpec.Captures;
using IceSpec.Stun;

namespace IceSpec.Conformance.Runner;

/// <summary>
/// Whether a call without a data path (a browser and a peer without a data channel) recovered by itself after a mid-call
/// fault, read from the wire: RFC 7675 §5.1 keeps consent fresh by Binding requests on the selected pair, so when each
/// agent's own capture shows one of its checks to the other answered with success well after the fault, both
/// directions work again — what the final datagrams show for a call with a data path.
/// </summary>
public static class MidCallConsent
{
    /// <summary>
    /// How long after the fault a check's answer counts: past RFC 7675 §5.1's basic 5 s consent period, so that it is not
    /// a transaction still in flight from before the fault.
    /// </summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(5);

    /// <summary>
    /// "controlling.pcap frame 812 (+12.4 s, …), controlled.pcap frame 790 (+11.9 s, …)": the first check each agent sent
    /// between <paramref name="fault"/> + <see cref="Settle"/> and <paramref name="until"/> and answered with success;
    /// null when either agent has none (or its capture cannot be read).
    /// </summary>
    /// <param name="controllingPcap">The controlling agent's capture, taken on its host.</param>
    /// <param name="controlledPcap">The controlled agent's capture, taken on its host.</param>
    /// <param name="fault">When the fault was applied.</param>
    /// <param name="until">When the observation ended (later checks may be an ICE restart's).</param>
    /// <param name="servers">The STUN/TURN server's endpoints: a Binding request to them gathers candidates, it is no check.</param>
    public static string? Evidence(string controllingPcap, string controlledPcap, DateTimeOffset fault, DateTimeOffset until, IReadOnlyCollection<IPEndPoint> servers)
    {
        var controlling = FirstAnswered(controllingPcap, fault, until, servers);
        var controlled = FirstAnswered(controlledPcap, fault, until, servers);
        return controlling is null || controlled is null ? null
            : $"each agent's checks answered after the fault: {Path.GetFileName(controllingPcap)} {controlling}, {Path.GetFileName(controlledPcap)} {controlled}";
    }

    private static string? FirstAnswered(string pcap, DateTimeOffset fault, DateTimeOffset until, IReadOnlyCollection<IPEndPoint> servers)
    {
        CaptureResult capture;
        try
        {
            capture = CaptureFile.Read(pcap);
        }
        catch (CaptureException)
        {
            return null;
        }
        var from = fault.UtcDateTime + Settle;
        var requests = new Dictionary<string, (CapturedMessage Sent, IPEndPoint To)>();
        // The decoder also lists the Binding messages relayed in ChannelData and Send/Data indications (their Relay set),
        // between the relayed address and the peer: a check through a relayed candidate is read like one on the wire.
        foreach (var captured in capture.Messages)
        {
            if (captured.Kind != CapturedKind.Stun || StunMessage.TryParse(captured.Bytes, out var message) != StunParseStatus.Ok
                || message.Method != StunMethods.Binding) continue;
            var id = Convert.ToHexString(message.TransactionId);
            if (message.Class == StunClass.Request)
            {
                // Sent by this agent (its host's initial TTL: the capture is taken on its host; a check of the peer's
                // arrives with a router's decrement), to the peer, within the window.
                if (captured.AtSender && captured.Time >= from && captured.Time <= until.UtcDateTime && !servers.Contains(captured.Destination))
                    requests.TryAdd(id, (captured, captured.Destination));
            }
            else if (message.Class == StunClass.Success && requests.TryGetValue(id, out var request) && captured.Source.Equals(request.To))
                return $"frame {request.Sent.Frame} (+{(request.Sent.Time - fault.UtcDateTime).TotalSeconds:0.0} s, {request.Sent.Source} → {request.To}, answered in frame {captured.Frame})";
        }
        return null;
    }
}
