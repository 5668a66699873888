using System.Net;
using System.Text;
using IceSpec.Ice.Sdp;
using IceSpec.Stun;

namespace IceSpec.Ice.Tests.Agent;

/// <summary>ICE-TCP (RFC 6544) between two sans-IO agents on the simulated network's TCP model.</summary>
[Trait("Category", "unit")]
public sealed class AgentTcpTests
{
    private static readonly IPEndPoint ListenerA = IPEndPoint.Parse("192.0.2.1:7000");
    private static readonly IPEndPoint ListenerB = IPEndPoint.Parse("192.0.2.2:7000");

    private static IceAgentOptions Tcp(IceRole role, IceNomination nomination = IceNomination.Regular, IceTransports transports = IceTransports.Tcp) =>
        AgentPair.Options(role, nomination) with { Transports = transports };

    /// <summary>
    /// One side offers only its active candidate, the other only its passive one, so the roles of the connection are
    /// fixed: the active agent opens it (RFC 6544 §7.1), the passive agent learns the peer as peer-reflexive (§7.2) and
    /// answers on the accepted connection; both select the pair and carry data on it, in each ICE role.
    /// </summary>
    [Theory]
    [InlineData(IceNomination.Regular, true)]
    [InlineData(IceNomination.Regular, false)]
    [InlineData(IceNomination.Aggressive, true)]
    [InlineData(IceNomination.Aggressive, false)]
    public void Tcp_only_agents_connect_with_the_active_side_in_either_role(IceNomination nomination, bool controllingIsActive)
    {
        var pair = new AgentPair(Tcp(IceRole.Controlling, nomination), Tcp(IceRole.Controlled, nomination));
        pair.A.AddTcpListener("192.0.2.1", 7000);
        pair.B.AddTcpListener("192.0.2.2", 7000);
        var active = controllingIsActive ? pair.A : pair.B;
        var passive = controllingIsActive ? pair.B : pair.A;
        pair.GatherAndExchange(offered: (peer, c) => c.TcpType == (peer == active ? IceTcpType.Active : IceTcpType.Passive));

        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));
        var activePair = active.Agent.SelectedPair(0)!;
        var passivePair = passive.Agent.SelectedPair(0)!;
        Assert.Equal((IceTransport.Tcp, IceTcpType.Active, IceCandidateType.Host), (activePair.Local.Transport, activePair.Local.TcpType, activePair.Local.Type));
        Assert.Equal((IceTcpType.Passive, IceCandidateType.Host), (activePair.Remote.TcpType, activePair.Remote.Type));
        Assert.Equal(passive == pair.A ? ListenerA : ListenerB, activePair.Remote.Address);
        // The passive side's remote is the active side's connection, learned from its check (RFC 6544 §7.2, RFC 8445 §7.3.1.3).
        Assert.Equal((IceTransport.Tcp, IceTcpType.Passive), (passivePair.Local.Transport, passivePair.Local.TcpType));
        Assert.Equal((IceTransport.Tcp, IceTcpType.Active, IceCandidateType.PeerReflexive), (passivePair.Remote.Transport, passivePair.Remote.TcpType, passivePair.Remote.Type));
        Assert.Equal(activePair.Local.Address.Address, passivePair.Remote.Address.Address);
        Assert.Equal(passivePair.Remote.Address, activePair.TcpConnectionLocal); // the port the connection left from, not 9
        Assert.True(activePair.Nominated && passivePair.Nominated);

        var (atB, atA) = pair.Exchange("over tcp from A"u8.ToArray(), "over tcp from B"u8.ToArray());
        Assert.Equal("over tcp from A", Encoding.UTF8.GetString(atB!));
        Assert.Equal("over tcp from B", Encoding.UTF8.GetString(atA!));

        // Everything travelled on one connection, and nothing over UDP.
        Assert.Empty(pair.Network.Log);
        Assert.Single(pair.Network.TcpLog.Select(m => m.From.Port == ListenerA.Port || m.From.Port == ListenerB.Port ? (m.To, m.From) : (m.From, m.To)).Distinct());
        // Regular nomination: USE-CANDIDATE only once a pair is valid; aggressive: in every check of the controlling agent.
        var nominatorChecks = pair.A.EventsOf<IceCheckSent>().ToList();
        Assert.Contains(nominatorChecks, c => c.UseCandidate);
        Assert.Equal(nomination == IceNomination.Aggressive, nominatorChecks.TrueForAll(c => c.UseCandidate));
    }

    /// <summary>
    /// RFC 8489 §6.2.2: a check over TCP is sent once, never retransmitted, and its transaction times out after Ti
    /// (39.5 s), which fails the pair. The listener here accepts the connection but nothing answers on it.
    /// </summary>
    [Fact]
    public void A_check_over_tcp_is_sent_once_and_fails_after_Ti()
    {
        var pair = new AgentPair(Tcp(IceRole.Controlling), Tcp(IceRole.Controlled));
        pair.A.AddTcpListener("192.0.2.1", 7000);
        var silent = IPEndPoint.Parse("192.0.2.2:7999");
        pair.B.TcpListeners.Add(silent); // accepted by the network, unknown to B's agent: it drops what arrives
        pair.A.Agent.StartGathering(pair.Network.Now);
        pair.A.Agent.SetRemoteCredentials(pair.Network.Now, pair.B.Agent.LocalCredentials);
        Assert.True(pair.A.Agent.AddRemoteCandidate(pair.Network.Now, 0, IceCandidate.Parse("candidate:1 1 TCP 2105458943 192.0.2.2 7999 typ host tcptype passive")));
        pair.A.Agent.EndOfRemoteCandidates(pair.Network.Now);

        pair.Network.RunUntil(() => false, TimeSpan.FromSeconds(39));
        Assert.Single(pair.Network.TcpLog, m => m.To.Equals(silent) && IsRequest(m.Data));
        Assert.Equal(CandidatePairState.InProgress, pair.A.Agent.Pairs(0).Single().State);
        pair.Network.RunUntil(() => false, TimeSpan.FromSeconds(1));
        Assert.Single(pair.Network.TcpLog, m => m.To.Equals(silent) && IsRequest(m.Data));
        Assert.Equal(CandidatePairState.Failed, pair.A.Agent.Pairs(0).Single().State);
        Assert.Equal(IceConnectionState.Failed, pair.A.Agent.ConnectionState);
    }

    /// <summary>RFC 6544 §7.1: a refused connection fails that pair only; the pair to the other listener connects.</summary>
    [Fact]
    public void A_refused_connection_fails_only_its_pair()
    {
        var pair = new AgentPair(Tcp(IceRole.Controlling), Tcp(IceRole.Controlled));
        pair.A.AddTcpListener("192.0.2.1", 7000);
        var refused = pair.B.AddTcpListener("192.0.2.4", 7000); // added first: the higher other-pref (RFC 6544 §4.2), checked first
        pair.B.AddTcpListener("192.0.2.2", 7000);
        pair.Network.RefuseTcp = listener => listener.Equals(refused);
        pair.GatherAndExchange(offered: (peer, c) => c.TcpType == (peer == pair.A ? IceTcpType.Active : IceTcpType.Passive));

        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));
        Assert.Equal(ListenerB, pair.A.Agent.SelectedPair(0)!.Remote.Address);
        var failed = Assert.Single(pair.A.EventsOf<IcePairStateChanged>(), e => e.To == CandidatePairState.Failed);
        Assert.Equal(refused, failed.Pair.Remote.Address);
        Assert.Equal(CandidatePairState.InProgress, failed.From);
        Assert.DoesNotContain(pair.A.EventsOf<IceConnectionStateChanged>(), e => e.State == IceConnectionState.Failed);
        var (atB, _) = pair.Exchange("still here"u8.ToArray(), "yes"u8.ToArray());
        Assert.Equal("still here", Encoding.UTF8.GetString(atB!));
    }

    /// <summary>Every connection refused, every pair failed after end-of-candidates: the checklist and ICE fail (RFC 8445 §7.2.5.4).</summary>
    [Fact]
    public void Refused_connections_everywhere_fail_the_checklist()
    {
        var pair = new AgentPair(Tcp(IceRole.Controlling), Tcp(IceRole.Controlled));
        pair.A.AddTcpListener("192.0.2.1", 7000);
        pair.B.AddTcpListener("192.0.2.2", 7000);
        pair.Network.RefuseTcp = _ => true;
        pair.GatherAndExchange(offered: (peer, c) => c.TcpType == (peer == pair.A ? IceTcpType.Active : IceTcpType.Passive));

        Assert.True(pair.Network.RunUntil(() => pair.A.Agent.ConnectionState == IceConnectionState.Failed, TimeSpan.FromSeconds(5)));
        Assert.Equal(CheckListState.Failed, pair.A.Agent.GetCheckListState(0));
    }

    /// <summary>
    /// Both sides with UDP and TCP: candidates pair within their transport only (RFC 6544 §6.2), UDP host outranks TCP
    /// active outranks TCP passive (RFC 6544 §4.2 direction-prefs under RFC 8445's 65535), and UDP is selected.
    /// </summary>
    [Fact]
    public void A_mixed_udp_and_tcp_offer_selects_udp_by_priority()
    {
        var pair = new AgentPair(Tcp(IceRole.Controlling, transports: IceTransports.UdpAndTcp), Tcp(IceRole.Controlled, transports: IceTransports.UdpAndTcp));
        pair.A.AddSocket("192.0.2.1", 5000);
        pair.A.AddTcpListener("192.0.2.1", 7000);
        pair.B.AddSocket("192.0.2.2", 6000);
        pair.B.AddTcpListener("192.0.2.2", 7000);
        pair.GatherAndExchange();

        var local = pair.A.Agent.LocalCandidates(0);
        var udp = local.Single(c => c.Transport == IceTransport.Udp).Priority;
        var active = local.Single(c => c.TcpType == IceTcpType.Active);
        var passive = local.Single(c => c.TcpType == IceTcpType.Passive).Priority;
        Assert.True(udp > active.Priority && active.Priority > passive, $"udp {udp}, active {active.Priority}, passive {passive}");
        Assert.Equal(IceFormulas.CandidatePriority(IceFormulas.HostTypePreference, 6 * 8192 + 8191, 1), active.Priority);
        Assert.Equal(9, active.Address.Port);
        Assert.All(pair.A.Agent.Pairs(0), p => Assert.Equal(p.Local.Transport, p.Remote.Transport));
        Assert.Contains(pair.A.Agent.Pairs(0), p => p.Local.TcpType == IceTcpType.Active && p.Remote.TcpType == IceTcpType.Passive);
        Assert.DoesNotContain(pair.A.Agent.Pairs(0), p => p.Local.TcpType == IceTcpType.Passive && p.Remote.Type != IceCandidateType.PeerReflexive);

        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));
        Assert.Equal(IceTransport.Udp, pair.A.Agent.SelectedPair(0)!.Local.Transport);
        Assert.Equal(IceTransport.Udp, pair.B.Agent.SelectedPair(0)!.Local.Transport);
    }

    /// <summary>A TCP candidate (S-O included) is ignored by a UDP-only agent, a UDP one by a TCP-only agent.</summary>
    [Fact]
    public void Remote_candidates_of_a_transport_not_in_use_are_ignored()
    {
        var udpOnly = new IceAgent(AgentPair.Options(IceRole.Controlling));
        var tcpOnly = new IceAgent(Tcp(IceRole.Controlling));
        udpOnly.AddStream();
        tcpOnly.AddStream();
        var tcp = IceCandidate.Parse("candidate:1 1 TCP 2128609279 192.0.2.9 7000 typ host tcptype passive");
        var so = IceCandidate.Parse("candidate:1 1 TCP 2124414975 192.0.2.9 7001 typ host tcptype so");
        var udp = IceCandidate.Parse("candidate:1 1 UDP 2130706431 192.0.2.9 5000 typ host");
        Assert.False(udpOnly.AddRemoteCandidate(TimeSpan.Zero, 0, tcp));
        Assert.True(udpOnly.AddRemoteCandidate(TimeSpan.Zero, 0, udp));
        Assert.False(tcpOnly.AddRemoteCandidate(TimeSpan.Zero, 0, udp));
        Assert.False(udpOnly.AddRemoteCandidate(TimeSpan.Zero, 0, so));
        Assert.True(tcpOnly.AddRemoteCandidate(TimeSpan.Zero, 0, so));
        Assert.True(tcpOnly.AddRemoteCandidate(TimeSpan.Zero, 0, tcp));
        Assert.Throws<InvalidOperationException>(() => udpOnly.AddTcpHostCandidates(0, 1, ListenerA));
        Assert.Throws<InvalidOperationException>(() => tcpOnly.AddHostCandidate(0, 1, ListenerA));
    }

    private static bool IsRequest(byte[] data) => StunMessage.TryParse(data, out var m) == StunParseStatus.Ok && m.Class == StunClass.Request;
}
