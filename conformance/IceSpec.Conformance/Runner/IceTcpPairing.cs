using IceSpec.Conformance.Adapter;

namespace IceSpec.Conformance.Runner;

/// <summary>Whether two drivers can have an ICE-TCP pair at all, from their capabilities (ice-tcp, ice-tcp-active, ice-tcp-passive).</summary>
public static class IceTcpPairing
{
    /// <summary>
    /// Null when one side's active candidates can reach the other's passive ones (RFC 6544 §6.2: an active candidate pairs
    /// with a passive one only; "ice-tcp" has both); else why not: a side without ICE-TCP, or two sides that both only
    /// connect out or both only accept.
    /// </summary>
    public static string? Missing(DriverSpec controlling, DriverSpec controlled)
    {
        if (new[] { controlling, controlled }.FirstOrDefault(d => !d.Supports("ice-tcp-active") && !d.Supports("ice-tcp-passive")) is { } without)
            return $"{without.Name} does not support ice-tcp";
        var pairs = (controlling.Supports("ice-tcp-active") && controlled.Supports("ice-tcp-passive"))
            || (controlled.Supports("ice-tcp-active") && controlling.Supports("ice-tcp-passive"));
        return pairs ? null : $"{controlling.Name} and {controlled.Name} have no active-passive TCP pair (RFC 6544 §6.2): neither accepts the connections the other opens";
    }
}
