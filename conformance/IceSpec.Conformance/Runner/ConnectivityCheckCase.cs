using System.Net;
using IceSpec.Captures;
using IceSpec.Conformance.Cases;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Conformance.Runner;

/// <summary>
/// A wire case judged on a cell's pcaps: every connectivity check either agent sent — plain, in ChannelData or in a TURN
/// Send/Data indication — keeps the rules <c>stun.spec</c> states for "Binding request as ice-check" (checked by the
/// validator generated from them, <see cref="BindingRequestIceCheckView"/>).
/// </summary>
public static class ConnectivityCheckCase
{
    public static readonly CaseInfo Info = new(CaseInfo.MakeId(8445, "7.1.2", 1), 8445, "7.1.2", RequirementLevel.Must,
        "Every connectivity check carries what RFC 8445 requires",
        "RFC 8445 §7.2.2: a check MUST include USERNAME (RFRAG:LFRAG) and MESSAGE-INTEGRITY; §7.1.1: it MUST contain PRIORITY; " +
        "§7.1.3: the controlling agent MUST include ICE-CONTROLLING, the controlled agent ICE-CONTROLLED; §7.1.2: the controlled " +
        "agent MUST NOT include USE-CANDIDATE. Judged on every check in both agents' pcaps.");

    /// <summary>Passed when every check seen keeps the rules, failed on the first that does not or when no check is seen.</summary>
    /// <param name="pcaps">Both agents' captures.</param>
    /// <param name="servers">The STUN/TURN server's endpoints (IPv4, and IPv6 in a lab with IPv6): plain Binding requests to them gather candidates, they are not checks.</param>
    public static (CaseOutcome Outcome, string Detail) Judge(IEnumerable<string> pcaps, params IPEndPoint[] servers)
    {
        var checks = 0;
        foreach (var pcap in pcaps.Where(File.Exists))
        {
            CaptureResult capture;
            try
            {
                capture = CaptureFile.Read(pcap);
            }
            catch (CaptureException e)
            {
                return (CaseOutcome.Failed, $"cannot read {Path.GetFileName(pcap)}: {e.Message}");
            }
            foreach (var captured in capture.Messages)
            {
                var payload = Carried(captured, servers);
                if (payload.IsEmpty || StunMessage.TryParse(payload.Span, out var message) != StunParseStatus.Ok) continue;
                if (message.Method != StunMethods.Binding || message.Class != StunClass.Request) continue;
                checks++;
                if (!BindingRequestIceCheckView.TryFrom(message, out _, out var violation))
                    return (CaseOutcome.Failed, $"{Path.GetFileName(pcap)} frame {captured.Frame}, {captured.Source} → {captured.Destination}: {violation}");
            }
        }
        return checks == 0
            ? (CaseOutcome.Failed, "no connectivity check in the pcaps")
            : (CaseOutcome.Passed, $"{checks} checks (counted in each pcap that saw them) keep the rules");
    }

    /// <summary>
    /// The bytes that may be a check: a plain STUN message not addressed to the server, the payload of ChannelData
    /// (RFC 8656 §12.4), or the DATA of a Send or Data indication (RFC 8656 §11).
    /// </summary>
    private static ReadOnlyMemory<byte> Carried(CapturedMessage captured, IPEndPoint[] servers)
    {
        if (captured.Kind == CapturedKind.ChannelData)
            return captured.Bytes.AsMemory(4, Math.Min(captured.DataLength ?? 0, captured.Bytes.Length - 4));
        if (StunMessage.TryParse(captured.Bytes, out var message) != StunParseStatus.Ok) return default;
        if (message.Class == StunClass.Indication && message.Method is TurnMethods.Send or TurnMethods.Data)
            return message.TryGetData(out var data) ? data.ToArray() : default;
        return servers.Contains(captured.Destination) ? default : captured.Bytes;
    }
}
