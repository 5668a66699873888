using System.Net.Sockets;
using IceSpec.Conformance.Lab;
using IceSpec.Stun;
using IceSpec.Stun.Client;

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
    /// <summary>Declared before <see cref="All"/>: static fields initialize in order.</summary>
    private static readonly ScenarioPrediction SymmetricToFullCone = new(PairKind.Reflexive, "RFC 8445 §7.2.5.3.1, §7.3.1.3",
        "The symmetric side's srflx candidate is useless (a new mapping per destination), but its checks reach the full cone: the full-cone side learns a peer-reflexive candidate and answers it.");

    /// <summary>
    /// How long a cell of the lossy scenarios whose text reckons with a whole transaction may take to connect when the run
    /// names no --timeout: an unanswered UDP STUN transaction with RFC 8489 §6.2.1's defaults, run to its end by the
    /// spec's own client transaction machine (Rc requests, RTO doubling, then Rm·RTO: 39.5 s), plus 5 s for the first
    /// checks. With the 20 s default only 6 requests of a nomination fit, and under 30 % loss all 6 round trips are lost
    /// 1.8 % of the time (0.51^6), not the 0.9 % the scenario states (0.51^7).
    /// </summary>
    public static readonly TimeSpan LossyConnectTimeout = UnansweredUdpTransaction() + TimeSpan.FromSeconds(5);

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
        // RFC 4787 §4.1: an address-and-port-dependent mapping gives each destination its own external port, so the
        // srflx candidate (the mapping towards the STUN server) is not where the peer's checks must go, and the
        // filter (§5) drops what the other side sends to it; RFC 8445 §2: "a relayed candidate" is then the only way.
        new("both-symmetric-no-turn", "Both sides behind symmetric NATs, no TURN server: ICE must fail",
            new LabTopology([new(NatType.Symmetric), new(NatType.Symmetric)]), SiteOne, SiteTwo, null,
            new(PairKind.None, "RFC 4787 §4.1, §5, RFC 8445 §2",
                "Each side's mapping depends on the destination and its filter drops whatever its checks did not open: no host, server- or peer-reflexive pair can work and there is no relayed candidate, so neither agent selects a pair.")),
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
        // A check is one transaction of up to Rc = 7 requests (RFC 8489 §6.2.1); each crosses the lossy namespace once
        // and so does its answer, so one round trip gets through with (1 - p)^2 and the transaction fails with
        // (1 - (1 - p)^2)^7: p = 20 % → 0.36^7 = 0.08 %, p = 30 % → 0.51^7 = 0.9 %.
        new("lossy-20", "No NAT, 20 % random packet loss on the public side",
            new LabTopology([new(NatType.None), new(NatType.None)], LossPercent: 20), SiteOne, SiteTwo, null,
            new(PairKind.Host, "RFC 8445 §14.3, RFC 8489 §6.2.1",
                "A round trip gets through with 0.8² = 64 %; a 7-request transaction fails with 0.36^7 ≈ 0.08 %: the host pair still succeeds (a nomination is one more transaction).")) { ConnectTimeout = LossyConnectTimeout },
        new("lossy-30", "No NAT, 30 % random packet loss on the public side",
            new LabTopology([new(NatType.None), new(NatType.None)], LossPercent: 30), SiteOne, SiteTwo, null,
            new(PairKind.Host, "RFC 8445 §14.3, RFC 8489 §6.2.1",
                "A round trip gets through with 0.7² = 49 %; a 7-request transaction fails with 0.51^7 ≈ 0.9 % (99.1 % succeed): the host pair still succeeds, rarely after a retried nomination.")) { ConnectTimeout = LossyConnectTimeout },
        // Mid-call faults: after the call is up and the datagrams went both ways, the fault, then the observation.
        new("nat-timeout-idle", "Symmetric ↔ full cone, NAT UDP timeout 10 s, no data for 25 s mid-call",
            new LabTopology([new(NatType.Symmetric), new(NatType.FullCone)], UdpConntrackTimeout: 10), SiteOne, SiteTwo, null,
            SymmetricToFullCone,
            new(MidCallFault.Idle, TimeSpan.FromSeconds(25), MidCallExpectation.DataFlows, "RFC 7675 §5.1, RFC 8445 §11",
                "consent checks every 5 s (±20 %) pass through the NATs more often than their 10 s UDP timeout and keep the mappings; " +
                "RFC 8445 §11 keepalives alone (Tr ≥ 15 s) would not, and a symmetric NAT gives the next packet a new port the peer does not know")),
        new("nat-mapping-deleted", "Symmetric ↔ full cone, every NAT mapping deleted mid-call (conntrack -F)",
            new LabTopology([new(NatType.Symmetric), new(NatType.FullCone)]), SiteOne, SiteTwo, null,
            SymmetricToFullCone,
            new(MidCallFault.NatMappingsDeleted, TimeSpan.FromSeconds(36), MidCallExpectation.ConsentFails, "RFC 7675 §5.1, RFC 4787 §4.1",
                "the symmetric NAT maps the controlling agent's next packet to a new random port; the controlled agent's consent checks and data " +
                "still go to the old one and are dropped, so its consent expires within 30 s and it must report the loss (ICE restart is the way back, RFC 8445 §9)",
                RestartAfter: true)),
        new("turn-restart", "Both symmetric, TURN over UDP; the TURN server restarted mid-call",
            new LabTopology([new(NatType.Symmetric), new(NatType.Symmetric)]), SiteOne, SiteTwo, "udp",
            new(PairKind.Relay, "RFC 8445 §2.2, RFC 8656 §2", "No mapping seen by one peer is usable by the other; only a relayed candidate works."),
            new(MidCallFault.TurnServerRestarted, TimeSpan.FromSeconds(36), MidCallExpectation.ConsentFails, "RFC 7675 §5.1, RFC 8656 §7",
                "the restarted server has no allocation: the relayed candidates relay nothing, consent on the relayed pair expires within 30 s " +
                "and the agents must report it; a TURN client that notices (437 to its next request) may allocate again, but the call " +
                "comes back only with an ICE restart carrying the new relayed address (RFC 8445 §9)",
                RestartAfter: true)),
        // IPv6 (issue 15): the NATs translate IPv4 only; IPv6 is routed untranslated, as in most IPv6 networks.
        new("dual-stack", "Both hosts dual-stack: IPv4 behind port-restricted NATs, global IPv6 without NAT",
            new LabTopology([new(NatType.PortRestricted, Families: LabFamilies.DualStack), new(NatType.PortRestricted, Families: LabFamilies.DualStack)]),
            SiteOne, SiteTwo, null,
            new(PairKind.Host, "RFC 8445 §5.1.2.2, §6.1.2.3, §8.1.1, RFC 8421 §4",
                "The IPv6 host candidates reach each other untranslated. A host pair (type preference 126 on both sides) outranks every pair " +
                "through the IPv4 NATs (server-reflexive 100, peer-reflexive 110), whatever the local preferences, and RFC 8421 puts IPv6 " +
                "first among the hosts: the IPv6 host pair is checked first and is the highest-priority valid pair, so it is nominated.",
                AddressFamily.InterNetworkV6)),
        new("ipv6-only", "Both hosts IPv6-only: global addresses, no NAT, the servers reached over IPv6",
            new LabTopology([new(NatType.None, Families: LabFamilies.IPv6), new(NatType.None, Families: LabFamilies.IPv6)]), SiteOne, SiteTwo, null,
            new(PairKind.Host, "RFC 8445 §5.1.1.1, §6.1.2.2",
                "Both agents have IPv6 host candidates only; they reach each other directly and the host pair has the highest priority.",
                AddressFamily.InterNetworkV6)),
        new("family-mismatch-turn", "IPv4-only host behind a NAT, IPv6-only host; a dual-stack TURN server over UDP",
            new LabTopology([new(NatType.PortRestricted), new(NatType.None, Families: LabFamilies.IPv6)]), SiteOne, SiteTwo, "udp",
            new(PairKind.Relay, "RFC 8445 §6.1.2.2, RFC 8656 §7.1, §18.11",
                "Candidates pair only within an address family and the hosts share none: only a relayed candidate of the other family " +
                "makes a pair — an IPv6 relayed address the IPv4 host asks for with ADDITIONAL-ADDRESS-FAMILY, or the IPv4 one an IPv6 " +
                "host gets from an Allocate without REQUESTED-ADDRESS-FAMILY (IPv4 is the default family). A client that asks for its " +
                "own family only (REQUESTED-ADDRESS-FAMILY IPv6 from the IPv6 host) or gets no relay leaves no pair: ICE fails.")),
        // ICE-TCP (RFC 6544): the agents offer TCP candidates (host, active and passive); the cells need the capability ice-tcp.
        new("tcp-no-nat", "No NAT, ICE-TCP only: host TCP candidates, active and passive",
            new LabTopology([new(NatType.None), new(NatType.None)]), SiteOne, SiteTwo, null,
            new(PairKind.Host, "RFC 6544 §6.2, §7.1, §7.2",
                "Active pairs with passive only: whichever side's active candidate connects to the other's passive listener, the check and its answer travel on that connection, and nothing translates the addresses."))
        {
            Transports = "tcp",
        },
        new("udp-blocked-ice-tcp", "UDP blocked at the controlling site behind a port-restricted NAT (TCP passes); the controlled host is public",
            new LabTopology([new(NatType.PortRestricted, UdpBlocked: true, TcpOpen: true), new(NatType.None)]), SiteOne, SiteTwo, null,
            new(PairKind.Reflexive, "RFC 6544 §6.2, §7.1, §7.2, RFC 8445 §7.3.1.3",
                "No UDP leaves the blocked site and its NAT drops unsolicited inbound TCP: only its active candidate's connection to the public side's passive candidate works; the public side learns the NAT's mapping of that connection as a peer-reflexive active candidate."))
        {
            Transports = "udp,tcp",
        },
        new("udp-blocked-turn-tcp-relay", "UDP blocked at the controlling site (only TCP to the TURN server passes); ICE-TCP only; the controlling agent has a TCP allocation (RFC 6062); the controlled host is public",
            new LabTopology([new(NatType.PortRestricted, UdpBlocked: true), new(NatType.None)]), SiteOne, SiteTwo, "tcp",
            new(PairKind.Relay, "RFC 6544 §6.2, §7.1, RFC 6062 §4.3, §4.4",
                "The blocked site reaches nothing but the TURN server: its host TCP candidates cannot connect out, so its relayed TCP candidates are the way. Its relayed active candidate asks the server to Connect to the public side's passive candidate, or the public side's active candidate connects to its relayed passive address (ConnectionAttempt); a data connection bound with ConnectionBind then carries the checks and data."))
        {
            Transports = "tcp",
            TurnRelay = "tcp",
        },
        new("both-udp-blocked-turn-tcp-relay", "UDP blocked at both sites (only TCP to the TURN server passes); ICE-TCP only; both agents have a TCP allocation (RFC 6062)",
            new LabTopology([new(NatType.PortRestricted, UdpBlocked: true), new(NatType.PortRestricted, UdpBlocked: true)]), SiteOne, SiteTwo, "tcp",
            new(PairKind.Relay, "RFC 6544 §6.2, §7.1, RFC 6062 §4.3, §4.4, §5.2, §5.3",
                "Neither site reaches anything but the TURN server, so only relayed TCP candidates can pair: one side's relayed active candidate asks the server to Connect to the other's relayed passive address (§4.3), the server's connection to its own relayed address arrives there as a ConnectionAttempt (§4.4), and each side's data connection, bound with ConnectionBind, carries the checks and data (relay to relay through one server)."))
        {
            Transports = "tcp",
            TurnRelay = "tcp",
            TurnRelayOnBothSides = true,
        },
        // RFC 6544 §5.2, §7.2 through two Linux NATs: UDP blocked at both sites, no TURN, so no UDP pair and no relay. Each
        // NAT is endpoint-independent for TCP (snat persistent keeps the port) and drops unsolicited inbound SYNs before
        // conntrack confirms them (NatRules: no entry is left behind). The first side's SYN to the other's srflx S-O address
        // is dropped by the other NAT; the other side's own SYN leaves its NAT on the same port and arrives at the first NAT
        // as the reply of the first SYN's entry (conntrack SYN_SENT → SYN_SENT2), and the two ends complete a TCP
        // simultaneous open. The host passive and active candidates are private and unreachable across the NATs.
        new("tcp-so-through-nats", "UDP blocked at both sites behind port-restricted NATs (TCP passes), no TURN: only server reflexive S-O TCP candidates connect",
            new LabTopology([new(NatType.PortRestricted, UdpBlocked: true, TcpOpen: true), new(NatType.PortRestricted, UdpBlocked: true, TcpOpen: true)]), SiteOne, SiteTwo, null,
            new(PairKind.Reflexive, "RFC 6544 §4.2, §5.2, §6.2, §7.2, RFC 4787 §4.1",
                "Each agent learns its NAT's TCP mapping of its S-O port with a Binding over TCP (RFC 6544 §5.2) and signals it as a srflx S-O candidate (direction-pref 6, the highest reflexive one, §4.2); S-O pairs with S-O (§6.2). The NATs keep the port for every destination (endpoint-independent mapping), so each side's connect from its S-O port to the peer's srflx address leaves on the signalled mapping; the first SYN is dropped by the peer's filter, the peer's own SYN then arrives as the reply to it and the two SYNs make one connection (TCP simultaneous open, §7.2). Host candidates are private and UDP and TURN are absent: the srflx S-O pair is the only one that can work."))
        {
            Transports = "tcp",
            TcpSimultaneousOpen = true,
        },
        new("same-lan-mdns", "Both hosts on one LAN segment behind one NAT, host candidates offered as mDNS names",
            new LabTopology([new(NatType.PortRestricted, Hosts: 2, SharedLan: true)]), SiteOne, new HostSlot(1, 2), null,
            new(PairKind.Host, "draft-ietf-mmusic-mdns-ice-candidates §3.2, RFC 6762 §5, §6",
                "Each agent signals its host address as a UUID .local name; the other resolves it by a multicast query that the LAN carries to the owner, which answers: the host pair, at the resolved addresses, works and has the highest priority. A check that arrives before its name resolves teaches the same address as peer-reflexive (the draft's §5.3 example): the same host path."))
        {
            // draft-ietf-mmusic-mdns-ice-candidates §3.1.1: both drivers configured with mdns: true (capability mdns).
            Mdns = true,
        },
        new("same-lan-mdns-ipv6", "Both hosts IPv6-only on one LAN segment, host candidates offered as mDNS names (AAAA over ff02::fb)",
            new LabTopology([new(NatType.None, Hosts: 2, SharedLan: true, Families: LabFamilies.IPv6)]), SiteOne, new HostSlot(1, 2), null,
            new(PairKind.Host, "draft-ietf-mmusic-mdns-ice-candidates §3.1.1, §3.2, RFC 6762 §5, §6, §20",
                "Each agent signals its IPv6 host address as a UUID .local name; with no IPv4 on the LAN, the other can only resolve it by a multicast AAAA query to ff02::fb, which the LAN carries to the owner, which answers with its AAAA record: the IPv6 host pair works and has the highest priority. An agent whose mDNS speaks IPv4 only (or asks for A records only) cannot resolve the name, and its peer's checks teach it the address as peer-reflexive.",
                AddressFamily.InterNetworkV6))
        {
            // Issue 17: the same-lan-mdns check over IPv6 only — no A record and no 224.0.0.251 can carry the name.
            Mdns = true,
        },
        new("same-lan-mdns-dual-stack", "Both hosts dual-stack on one LAN segment behind one NAT, host candidates of both families offered as mDNS names",
            new LabTopology([new(NatType.PortRestricted, Hosts: 2, SharedLan: true, Families: LabFamilies.DualStack)]), SiteOne, new HostSlot(1, 2), null,
            new(PairKind.Host, "draft-ietf-mmusic-mdns-ice-candidates §3.1.1, §3.2, RFC 6762 §20, RFC 8421 §4",
                "Each agent signals one name per host address (an A name for IPv4, an AAAA name for IPv6); both resolve on the LAN, over 224.0.0.251 or ff02::fb. RFC 8421 puts IPv6 first among the host pairs: the IPv6 host pair is checked first and nominated.",
                AddressFamily.InterNetworkV6))
        {
            Mdns = true,
        },
    ];


    /// <summary>
    /// What a run takes when no scenario is named: every scenario without a mid-call fault and that is not predicted to
    /// fail. A fault cell holds the call up to a minute (the fault, then RFC 7675's 30 s), so the three fault scenarios
    /// add ~an hour over all 25 ordered pairs; a cell predicted to fail waits the whole cell timeout (20 s), ~8 min over
    /// 25 ordered pairs. They run when named, or with <c>--scenario all</c>. So do the IPv6 scenarios (issue 15: on demand;
    /// CI runs one dual-stack cell).
    /// </summary>
    public static IReadOnlyList<Scenario> Default => [.. All.Where(s => s.MidCall is null && s.Prediction.Kind != PairKind.None && !s.Topology.HasIPv6)];

    /// <summary>The scenario of that name, or null.</summary>
    public static Scenario? Find(string name) => All.FirstOrDefault(s => s.Name == name);

    /// <summary>When a Binding request transaction over UDP that nobody answers times out, with the machine's default settings.</summary>
    private static TimeSpan UnansweredUdpTransaction()
    {
        var transaction = new StunBindingTransaction(StunTransport.Unreliable);
        var now = TimeSpan.Zero;
        transaction.Start(now);
        while (transaction.PollTimeout() is { } next)
        {
            now = next;
            transaction.HandleTimeout(now);
        }
        return now;
    }
}
