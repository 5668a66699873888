using IceSpec.Conformance.Lab;

namespace IceSpec.Conformance.Scenarios;

/// <summary>
/// The lab's scenarios. Every agent gets the lab's STUN server; the relay scenarios also a TURN server. Type preferences
/// (RFC 8445 §5.1.2.2: host 126 > prflx 110 > srflx 100 > relay 0) and pair priorities (§6.1.2.3) make the most direct
/// pair that works the one checked and nominated first, which is what each prediction states.
/// </summary>
public static class ScenarioCatalog
{
    private static readonly HostSlot SiteOne = new(1, 1);
    private static readonly HostSlot SiteTwo = new(2, 1);

    public static readonly IReadOnlyList<Scenario> All =
    [
        new("no-nat", "No NAT: both hosts have public addresses",
            new LabTopology([new(NatType.None), new(NatType.None)]), SiteOne, SiteTwo, null,
            new(PairKind.Host, "RFC 8445 §5.1.2.2, §6.1.2.3",
                "Host candidates reach each other and have the highest type preference, so the host pair is checked first and nominated.")),
        new("one-nat", "One side behind a port-restricted NAT",
            new LabTopology([new(NatType.PortRestricted), new(NatType.None)]), SiteOne, SiteTwo, null,
            new(PairKind.Reflexive, "RFC 8445 §5.1.1.2, §7.2.5.3.1",
                "The NATed host's private address is unreachable; its checks to the public host open its mapping, which the public side learns as a server- or peer-reflexive candidate.")),
        new("both-full-cone", "Both sides behind full-cone NATs (endpoint-independent mapping and filtering)",
            new LabTopology([new(NatType.FullCone), new(NatType.FullCone)]), SiteOne, SiteTwo, null,
            new(PairKind.Reflexive, "RFC 8445 §5.1.1.2, RFC 4787 §4.1, §5",
                "Each server-reflexive candidate accepts packets from anyone: the srflx pair works at once.")),
        new("both-address-restricted", "Both sides behind address-restricted NATs (address-dependent filtering)",
            new LabTopology([new(NatType.AddressRestricted), new(NatType.AddressRestricted)]), SiteOne, SiteTwo, null,
            new(PairKind.Reflexive, "RFC 8445 §2.2, §7.2.5.3.1",
                "Each side's first check to the other's mapped address opens its own filter; the retransmitted or triggered checks then pass (hole punching).")),
        new("both-port-restricted", "Both sides behind port-restricted NATs (Linux masquerade behaviour)",
            new LabTopology([new(NatType.PortRestricted), new(NatType.PortRestricted)]), SiteOne, SiteTwo, null,
            new(PairKind.Reflexive, "RFC 8445 §2.2, §7.2.5.3.1",
                "Endpoint-independent mappings make the server-reflexive candidates valid for the peer; checks from both sides punch the address-and-port filters.")),
        new("symmetric-to-full-cone", "Symmetric NAT on the controlling side, full cone on the controlled side",
            new LabTopology([new(NatType.Symmetric), new(NatType.FullCone)]), SiteOne, SiteTwo, null,
            new(PairKind.Reflexive, "RFC 8445 §7.2.5.3.1, §7.3.1.3",
                "The symmetric side's srflx candidate is useless (a new mapping per destination), but its checks reach the full cone: the full-cone side learns a peer-reflexive candidate and answers it.")),
        new("both-symmetric-turn", "Both sides behind symmetric NATs, TURN over UDP",
            new LabTopology([new(NatType.Symmetric), new(NatType.Symmetric)]), SiteOne, SiteTwo, "udp",
            new(PairKind.Relay, "RFC 8445 §2.2, RFC 8656 §2",
                "No mapping seen by one peer is usable by the other; only a relayed candidate works.")),
        new("same-nat", "Both hosts behind the same NAT (no hairpinning needed)",
            new LabTopology([new(NatType.PortRestricted, Hosts: 2)]), SiteOne, new HostSlot(1, 2), null,
            new(PairKind.Host, "RFC 8445 §2.2, §5.1.2.2",
                "The hosts' own addresses are routed by their shared router: the host pair works and has the highest priority.")),
        new("udp-blocked-turn-tcp", "UDP blocked at the controlling site; only TCP to the TURN server passes",
            new LabTopology([new(NatType.PortRestricted, UdpBlocked: true), new(NatType.FullCone)]), SiteOne, SiteTwo, "tcp",
            new(PairKind.Relay, "RFC 8656 §3.1, RFC 8445 §5.1.1.2",
                "Nothing but TCP to the TURN server leaves the site: a relayed candidate allocated over TCP is the only way through.")),
        new("lossy-10", "No NAT, 10 % random packet loss on the public side",
            new LabTopology([new(NatType.None), new(NatType.None)], LossPercent: 10), SiteOne, SiteTwo, null,
            new(PairKind.Host, "RFC 8445 §14.3, RFC 8489 §6.2.1",
                "Checks are STUN transactions, retransmitted over UDP: the host pair still succeeds despite the loss.")),
    ];

    /// <summary>The scenario of that name, or null.</summary>
    public static Scenario? Find(string name) => All.FirstOrDefault(s => s.Name == name);
}
