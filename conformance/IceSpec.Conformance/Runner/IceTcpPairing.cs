using IceSpec.Conformance.Adapter;

namespace IceSpec.Conformance.Runner;

/// <summary>Whether an ICE-TCP cell runs for two drivers, from their capabilities (ice-tcp, ice-tcp-active, ice-tcp-passive).</summary>
public static class IceTcpPairing
{
    /// <summary>
    /// Null when the cell runs: both sides have ICE-TCP active and passive ("ice-tcp"), or one side has active candidates
    /// only ("ice-tcp-active") and the other accepts connections ("ice-tcp" or "ice-tcp-passive"): RFC 6544 §6.2 pairs an
    /// active candidate with a passive one only. Else why not. (A passive-only side against a full one stays unsupported,
    /// as before "ice-tcp-active" existed.)
    /// </summary>
    public static string? Missing(DriverSpec controlling, DriverSpec controlled)
    {
        if (controlling.Supports("ice-tcp") && controlled.Supports("ice-tcp")) return null;
        if (ActiveOnly(controlling) && ActiveOnly(controlled))
            return $"{controlling.Name} and {controlled.Name} have active TCP candidates only: no active-passive pair (RFC 6544 §6.2)";
        if (ActiveOnly(controlling) || ActiveOnly(controlled))
        {
            var other = ActiveOnly(controlling) ? controlled : controlling;
            return other.Supports("ice-tcp-passive") ? null : $"{other.Name} does not support ice-tcp";
        }
        return $"{(controlling.Supports("ice-tcp") ? controlled : controlling).Name} does not support ice-tcp";
    }

    private static bool ActiveOnly(DriverSpec driver) => driver.Supports("ice-tcp-active") && !driver.Supports("ice-tcp-passive");
}
