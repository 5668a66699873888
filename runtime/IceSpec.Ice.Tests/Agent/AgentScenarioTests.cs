using IceSpec.Ice.Sdp;
using System.Net;
using System.Text;
using IceSpec.Stun;

namespace IceSpec.Ice.Tests.Agent;

/// <summary>Role conflicts, consent, restart, trickle, lite, NATs: two agents on one virtual clock.</summary>
[Trait("Category", "unit")]
public sealed class AgentScenarioTests
{
    private static AgentPair HostPair(IceAgentOptions a, IceAgentOptions b, int seed = 7)
    {
        var pair = new AgentPair(a, b, seed);
        pair.A.AddSocket("192.0.2.1", 5000);
        pair.B.AddSocket("192.0.2.2", 6000);
        return pair;
    }

    [Theory]
    [InlineData(IceRole.Controlling, 1)]
    [InlineData(IceRole.Controlling, 2)]
    [InlineData(IceRole.Controlled, 3)]
    [InlineData(IceRole.Controlled, 4)]
    public void A_role_conflict_is_resolved_by_the_tie_breakers(IceRole both, int seed)
    {
        var pair = HostPair(AgentPair.Options(both), AgentPair.Options(both), seed);
        pair.GatherAndExchange();
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(10)));

        Assert.NotEqual(pair.A.Agent.Role, pair.B.Agent.Role);
        // RFC 8445 §7.3.1.1: the agent with the larger tie-breaker ends up controlling.
        var winner = pair.A.Agent.TieBreaker > pair.B.Agent.TieBreaker ? pair.A : pair.B;
        Assert.Equal(IceRole.Controlling, winner.Agent.Role);
        var switched = pair.A.EventsOf<IceRoleChanged>().Concat(pair.B.EventsOf<IceRoleChanged>()).ToList();
        Assert.Single(switched);
        // Exactly one 487 went over the wire, or one agent switched on seeing the other's request.
        var conflicts = pair.Network.Log.Count(p => StunMessage.TryParse(p.Data, out var m) == StunParseStatus.Ok && m.TryGetErrorCode(out var code, out _) && code == 487);
        Assert.InRange(conflicts, 0, 2);
        Assert.Equal("x", Encoding.UTF8.GetString(pair.Exchange("x"u8.ToArray(), "y"u8.ToArray()).AtB!));
    }

    [Fact]
    public void Consent_expires_30_seconds_after_the_peer_stops_answering()
    {
        var pair = HostPair(AgentPair.Options(IceRole.Controlling), AgentPair.Options(IceRole.Controlled));
        pair.GatherAndExchange();
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));
        pair.Network.RunUntil(() => false, TimeSpan.FromSeconds(20));
        Assert.True(AgentPair.Connected(pair.A), "consent checks answered keep the pair alive");

        var cutAt = pair.Network.Now;
        pair.Network.Drop = (from, _, _) => from.Address.Equals(IPAddress.Parse("192.0.2.2"));
        Assert.True(pair.Network.RunUntil(() => pair.A.Agent.ConnectionState == IceConnectionState.Disconnected, TimeSpan.FromSeconds(60)));
        var after = pair.Network.Now - cutAt;
        // RFC 7675 §5.1: 30 s after the last answered check (which came up to 6 s before the cut).
        Assert.InRange(after.TotalSeconds, 24, 30.5);
        Assert.False(pair.A.Agent.Send(pair.Network.Now, 0, 1, "late"u8));
    }

    [Fact]
    public void Keepalives_are_binding_indications_when_no_data_flows()
    {
        var pair = HostPair(AgentPair.Options(IceRole.Controlling) with { ConsentFreshness = false }, AgentPair.Options(IceRole.Controlled) with { ConsentFreshness = false });
        pair.GatherAndExchange();
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));
        var start = pair.Network.Now;
        pair.Network.RunUntil(() => false, TimeSpan.FromSeconds(31));
        var indications = pair.Network.Log.Where(p => p.At > start && p.From.Port == 5000 && StunMessage.TryParse(p.Data, out var m) == StunParseStatus.Ok
            && m.Class == StunClass.Indication && m.HasFingerprint && !m.HasMessageIntegrity).ToList();
        // RFC 8445 §11: Tr = 15 s.
        Assert.Equal(2, indications.Count);
        Assert.InRange((indications[1].At - indications[0].At).TotalSeconds, 14.9, 15.1);
    }

    [Fact]
    public void Ice_restart_brings_new_credentials_and_a_new_selected_pair_while_data_keeps_flowing()
    {
        var pair = HostPair(AgentPair.Options(IceRole.Controlling), AgentPair.Options(IceRole.Controlled));
        pair.GatherAndExchange();
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));
        var oldA = pair.A.Agent.LocalCredentials;
        var oldB = pair.B.Agent.LocalCredentials;

        pair.A.Agent.Restart(pair.Network.Now);
        Assert.Equal(IceConnectionState.Checking, pair.A.Agent.ConnectionState);
        Assert.True(pair.A.Agent.Send(pair.Network.Now, 0, 1, "during restart"u8), "RFC 8445 §9.1.1.1: the old pair carries data meanwhile");
        pair.Describe(pair.A, pair.B);          // B sees new credentials: it restarts too (RFC 8445 §9.2)
        Assert.True(pair.Network.RunUntil(() => pair.B.EventsOf<IceRestarted>().Any(), TimeSpan.FromMilliseconds(1)));
        pair.Describe(pair.B, pair.A);
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));

        Assert.NotEqual(oldA, pair.A.Agent.LocalCredentials);
        Assert.NotEqual(oldB, pair.B.Agent.LocalCredentials);
        Assert.Equal(pair.B.Agent.LocalCredentials, pair.A.Agent.RemoteCredentials);
        Assert.True(pair.A.Agent.SelectedPair(0)!.Nominated);
        Assert.Equal("after", Encoding.UTF8.GetString(pair.Exchange("after"u8.ToArray(), "b"u8.ToArray()).AtB!));
    }

    [Fact]
    public void Trickled_candidates_arriving_late_still_connect_and_the_checklist_waits_for_end_of_candidates()
    {
        var pair = HostPair(AgentPair.Options(IceRole.Controlling), AgentPair.Options(IceRole.Controlled));
        pair.A.Agent.StartGathering(TimeSpan.Zero);
        pair.B.Agent.StartGathering(TimeSpan.Zero);
        // Credentials first, no candidates: nothing to check yet, and no failure without end-of-candidates (RFC 8838 §8).
        pair.A.Agent.SetRemoteCredentials(TimeSpan.Zero, pair.B.Agent.LocalCredentials);
        pair.B.Agent.SetRemoteCredentials(TimeSpan.Zero, pair.A.Agent.LocalCredentials);
        pair.Network.RunUntil(() => false, TimeSpan.FromSeconds(3));
        Assert.Equal(IceConnectionState.Checking, pair.A.Agent.ConnectionState);

        // B's candidate trickles in 3 s late; A's never does: B learns A as peer-reflexive from A's checks (RFC 8445 §7.3.1.3).
        pair.A.Agent.AddRemoteCandidate(pair.Network.Now, 0, pair.B.Agent.LocalCandidates(0)[0].Candidate);
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));
        Assert.Equal(IceCandidateType.PeerReflexive, pair.B.Agent.SelectedPair(0)!.Remote.Type);
    }

    [Fact]
    public void A_peer_reflexive_candidate_learned_early_is_replaced_when_the_peer_signals_it()
    {
        var pair = HostPair(AgentPair.Options(IceRole.Controlling), AgentPair.Options(IceRole.Controlled));
        pair.A.Agent.StartGathering(TimeSpan.Zero);
        pair.B.Agent.StartGathering(TimeSpan.Zero);
        pair.Describe(pair.B, pair.A);                        // A checks at once; B knows only A's credentials
        pair.B.Agent.SetRemoteCredentials(TimeSpan.Zero, pair.A.Agent.LocalCredentials);
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));
        Assert.Equal(IceCandidateType.PeerReflexive, pair.B.Agent.SelectedPair(0)!.Remote.Type);

        pair.B.Agent.AddRemoteCandidate(pair.Network.Now, 0, pair.A.Agent.LocalCandidates(0)[0].Candidate);
        pair.Network.RunUntil(() => false, TimeSpan.FromMilliseconds(1));
        var selected = pair.B.Agent.SelectedPair(0)!;
        Assert.Equal(IceCandidateType.Host, selected.Remote.Type);
        Assert.Equal(pair.A.Agent.LocalCandidates(0)[0].Candidate.Foundation, selected.Remote.Candidate.Foundation);
        Assert.Single(pair.B.Agent.RemoteCandidates(0));
        Assert.Equal(IceCandidateType.Host, pair.B.EventsOf<IceSelectedPairChanged>().Last().Pair.Remote.Type);
    }

    [Fact]
    public void Data_from_a_peer_that_connected_before_this_agent_read_its_description_is_delivered()
    {
        var pair = HostPair(AgentPair.Options(IceRole.Controlling), AgentPair.Options(IceRole.Controlled));
        pair.A.Agent.StartGathering(TimeSpan.Zero);
        pair.B.Agent.StartGathering(TimeSpan.Zero);
        pair.Describe(pair.B, pair.A);   // B has not read A's description yet, but answers A's checks (RFC 8445 §7.3)
        Assert.True(pair.Network.RunUntil(() => AgentPair.Connected(pair.A), TimeSpan.FromSeconds(5)));
        Assert.Equal(IceConnectionState.New, pair.B.Agent.ConnectionState);
        Assert.True(pair.A.Agent.Send(pair.Network.Now, 0, 1, "early"u8));
        Assert.True(pair.Network.RunUntil(() => pair.B.EventsOf<IceDataReceived>().Any(), TimeSpan.FromSeconds(1)));

        // A stranger's datagram is still dropped.
        pair.B.Agent.HandlePacket(pair.Network.Now, IPEndPoint.Parse("192.0.2.2:6000"), IPEndPoint.Parse("192.0.2.99:1"), "spoofed"u8);
        pair.Network.RunUntil(() => false, TimeSpan.FromMilliseconds(10));
        Assert.Single(pair.B.EventsOf<IceDataReceived>());

        pair.Describe(pair.A, pair.B);
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_checklist_fails_only_after_end_of_candidates()
    {
        var pair = HostPair(AgentPair.Options(IceRole.Controlling) with { CheckRequestCount = 2 }, AgentPair.Options(IceRole.Controlled));
        pair.Network.Drop = (_, _, _) => true;
        pair.GatherAndExchange();
        Assert.True(pair.Network.RunUntil(() => pair.A.Agent.Pairs(0).All(p => p.State == CandidatePairState.Failed), TimeSpan.FromSeconds(60)));
        Assert.Equal(IceConnectionState.Failed, pair.A.Agent.ConnectionState);

        var trickling = HostPair(AgentPair.Options(IceRole.Controlling) with { CheckRequestCount = 2 }, AgentPair.Options(IceRole.Controlled));
        trickling.Network.Drop = (_, _, _) => true;
        trickling.A.Agent.StartGathering(TimeSpan.Zero);
        trickling.A.Agent.SetRemoteCredentials(TimeSpan.Zero, trickling.B.Agent.LocalCredentials);
        trickling.A.Agent.AddRemoteCandidate(TimeSpan.Zero, 0, IceCandidate.Parse("candidate:1 1 UDP 2130706431 192.0.2.2 6000 typ host"));
        trickling.Network.RunUntil(() => false, TimeSpan.FromSeconds(60));
        Assert.All(trickling.A.Agent.Pairs(0), p => Assert.Equal(CandidatePairState.Failed, p.State));
        Assert.Equal(IceConnectionState.Checking, trickling.A.Agent.ConnectionState);
        trickling.A.Agent.EndOfRemoteCandidates(trickling.Network.Now);
        Assert.Equal(IceConnectionState.Failed, trickling.A.Agent.ConnectionState);
    }

    [Fact]
    public void Candidates_trickled_after_end_of_candidates_are_ignored_until_a_restart()
    {
        // RFC 8838 §14: "After an agent has received an end-of-candidates indication, it MUST ignore any newly received
        // candidates for that data stream or data session."
        var pair = HostPair(AgentPair.Options(IceRole.Controlling), AgentPair.Options(IceRole.Controlled));
        pair.A.Agent.StartGathering(TimeSpan.Zero);
        pair.A.Agent.SetRemoteCredentials(TimeSpan.Zero, pair.B.Agent.LocalCredentials);
        pair.A.Agent.EndOfRemoteCandidates(TimeSpan.Zero);
        var late = IceCandidate.Parse("candidate:1 1 UDP 2130706431 192.0.2.2 6000 typ host");
        Assert.False(pair.A.Agent.AddRemoteCandidate(TimeSpan.Zero, 0, late));
        Assert.Empty(pair.A.Agent.RemoteCandidates(0));

        // A restart (RFC 8445 §9) is a new ICE session: its candidates count again.
        pair.A.Agent.Restart(TimeSpan.Zero);
        pair.A.Agent.SetRemoteCredentials(TimeSpan.Zero, new IceCredentials("rstr", "restartedpassword0123456"));
        Assert.True(pair.A.Agent.AddRemoteCandidate(TimeSpan.Zero, 0, late));
    }

    [Fact]
    public void A_full_agent_facing_a_lite_agent_controls_and_the_lite_agent_never_checks()
    {
        // A is configured controlled, but RFC 8445 §6.1.1 makes the full agent controlling when the peer is lite.
        var pair = HostPair(AgentPair.Options(IceRole.Controlled), new IceAgentOptions { Lite = true });
        pair.A.Agent.StartGathering(TimeSpan.Zero);
        pair.B.Agent.StartGathering(TimeSpan.Zero);
        pair.Describe(pair.B, pair.A, lite: true);
        pair.Describe(pair.A, pair.B);
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));
        Assert.Equal(IceRole.Controlling, pair.A.Agent.Role);
        Assert.Equal(IceRole.Controlled, pair.B.Agent.Role);
        Assert.DoesNotContain(pair.Network.Log, p => p.From.Port == 6000 && StunMessage.TryParse(p.Data, out var m) == StunParseStatus.Ok && m.Class == StunClass.Request);
        Assert.Equal("lite", Encoding.UTF8.GetString(pair.Exchange("lite"u8.ToArray(), "full"u8.ToArray()).AtB!));
    }

    [Fact]
    public void Behind_a_nat_the_peer_learns_a_peer_reflexive_candidate_and_the_stun_server_gives_a_server_reflexive_one()
    {
        var stun = IPEndPoint.Parse("198.51.100.1:3478");
        var pair = new AgentPair(AgentPair.Options(IceRole.Controlling) with { StunServers = [stun] }, AgentPair.Options(IceRole.Controlled));
        pair.Network.StunServer = stun;
        pair.Network.Nats.Add(new SimulatedNat("10.0.0.", IPAddress.Parse("203.0.113.1")));
        pair.A.AddSocket("10.0.0.2", 5000);
        pair.B.AddSocket("192.0.2.2", 6000);
        pair.GatherAndExchange();

        var srflx = pair.A.Agent.LocalCandidates(0).Single(c => c.Type == IceCandidateType.ServerReflexive);
        Assert.Equal(IPAddress.Parse("203.0.113.1"), srflx.Address.Address);
        Assert.Equal(IPEndPoint.Parse("10.0.0.2:5000"), srflx.Base);
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(10)));
        var atB = pair.B.Agent.SelectedPair(0)!;
        Assert.Equal(IPAddress.Parse("203.0.113.1"), atB.Remote.Address.Address);
        Assert.Equal("ok", Encoding.UTF8.GetString(pair.Exchange("ok"u8.ToArray(), "ok too"u8.ToArray()).AtB!));
    }

    [Fact]
    public void A_silent_stun_server_holds_gathering_for_3_5_seconds_not_39_5()
    {
        var silent = IPEndPoint.Parse("198.51.100.1:3478");
        var pair = new AgentPair(AgentPair.Options(IceRole.Controlling) with { StunServers = [silent] }, AgentPair.Options(IceRole.Controlled));
        pair.A.AddSocket("192.0.2.1", 5000);
        pair.Network.Drop = (_, to, _) => to.Equals(silent);
        pair.A.Agent.StartGathering(TimeSpan.Zero);
        Assert.True(pair.Network.RunUntil(() => pair.A.Agent.GatheringState == CandidateGatheringState.Complete, TimeSpan.FromSeconds(60)));
        Assert.Equal(TimeSpan.FromSeconds(3.5), pair.Network.Now);
        Assert.Equal(3, pair.Network.Log.Count(p => p.To.Equals(silent)));
        Assert.Single(pair.A.EventsOf<IceServerFailed>());
        Assert.Single(pair.A.EventsOf<IceGatheringComplete>());
    }

    [Fact]
    public void Garbage_and_forged_checks_get_errors_or_are_dropped_without_harm()
    {
        var pair = HostPair(AgentPair.Options(IceRole.Controlling), AgentPair.Options(IceRole.Controlled));
        pair.GatherAndExchange();
        var attacker = IPEndPoint.Parse("192.0.2.66:7000");
        var socket = IPEndPoint.Parse("192.0.2.2:6000");
        foreach (var junk in new[] { Array.Empty<byte>(), new byte[] { 0, 1 }, new byte[20], Convert.FromHexString("000100082112A442000000000000000000000000") })
            pair.B.Agent.HandlePacket(pair.Network.Now, socket, attacker, junk);
        // A check with the right ufrag but the wrong password: 401 (RFC 8489 §9.1.3), no peer-reflexive candidate.
        var forged = new byte[200];
        var builder = new StunMessageBuilder(forged, new StunMessageType(StunMethods.Binding, StunClass.Request), new byte[12]);
        builder.AddUsername(pair.B.Agent.LocalCredentials.Ufrag + ":evil");
        builder.AddPriority(1);
        builder.AddIceControlling(1);
        builder.AddMessageIntegrity(StunKey.ShortTerm("wrong password"));
        builder.AddFingerprint();
        pair.B.Agent.HandlePacket(pair.Network.Now, socket, attacker, forged.AsSpan(0, builder.Length));
        var answer = default(IceTransmit);
        while (pair.B.Agent.TryPollTransmit(out var transmit)) if (transmit.Destination.Equals(attacker)) answer = transmit;
        Assert.NotNull(answer.Destination);
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(answer.Data.Span, out var response));
        Assert.True(response.TryGetErrorCode(out var code, out _));
        Assert.Equal(401, code);
        Assert.DoesNotContain(pair.B.Agent.RemoteCandidates(0), c => c.Address.Equals(attacker));
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));
    }

}
