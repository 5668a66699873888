using IceSpec.Ice.Sdp;
using System.Net;

namespace IceSpec.Ice.Tests.Agent;

/// <summary>Two agents on a <see cref="SimulatedNetwork"/> with an in-test signalling channel.</summary>
internal sealed class AgentPair
{
    public AgentPair(IceAgentOptions left, IceAgentOptions right, int seed = 7, int streams = 1, int components = 1)
    {
        Network = new SimulatedNetwork(seed);
        var random = new Random(seed);
        A = Network.Add("A", new IceAgent(left with { Random = b => random.NextBytes(b) }));
        B = Network.Add("B", new IceAgent(right with { Random = b => random.NextBytes(b) }));
        for (var s = 0; s < streams; s++)
        {
            A.Agent.AddStream(components);
            B.Agent.AddStream(components);
        }
    }

    public SimulatedNetwork Network { get; }
    public SimulatedPeer A { get; }
    public SimulatedPeer B { get; }

    public static IceAgentOptions Options(IceRole role, IceNomination nomination = IceNomination.Regular) =>
        new() { Role = role, Nomination = nomination };

    /// <summary>
    /// Gathers on both sides and gives each the other's full description (no trickle); <paramref name="offered"/>, when
    /// given, picks which of a side's candidates it signals.
    /// </summary>
    public void GatherAndExchange(bool aLite = false, bool bLite = false, Func<SimulatedPeer, IceLocalCandidate, bool>? offered = null)
    {
        A.Agent.StartGathering(Network.Now);
        B.Agent.StartGathering(Network.Now);
        Assert.True(Network.RunUntil(() => A.Agent.GatheringState == CandidateGatheringState.Complete && B.Agent.GatheringState == CandidateGatheringState.Complete, TimeSpan.FromSeconds(60)));
        Describe(A, B, aLite, offered is null ? null : c => offered(A, c));
        Describe(B, A, bLite, offered is null ? null : c => offered(B, c));
    }

    /// <summary>Sends <paramref name="from"/>'s credentials and candidates to <paramref name="to"/>, then end-of-candidates.</summary>
    public void Describe(SimulatedPeer from, SimulatedPeer to, bool lite = false, Func<IceLocalCandidate, bool>? offered = null)
    {
        to.Agent.SetRemoteCredentials(Network.Now, from.Agent.LocalCredentials, lite);
        for (var s = 0; s < from.Agent.StreamCount; s++)
            foreach (var candidate in from.Agent.LocalCandidates(s).Where(c => c.Type != IceCandidateType.PeerReflexive && (offered is null || offered(c))))
                to.Agent.AddRemoteCandidate(Network.Now, s, candidate.Candidate);
        to.Agent.EndOfRemoteCandidates(Network.Now);
    }

    public bool BothConnected(TimeSpan limit) => Network.RunUntil(() => Connected(A) && Connected(B), limit);

    public static bool Connected(SimulatedPeer peer) =>
        peer.Agent.ConnectionState is IceConnectionState.Connected or IceConnectionState.Completed;

    /// <summary>Sends each way and returns what arrived (stream 0, component 1).</summary>
    public (byte[]? AtB, byte[]? AtA) Exchange(byte[] aToB, byte[] bToA)
    {
        var receivedBefore = (A.EventsOf<IceDataReceived>().Count(), B.EventsOf<IceDataReceived>().Count());
        Assert.True(A.Agent.Send(Network.Now, 0, 1, aToB));
        Assert.True(B.Agent.Send(Network.Now, 0, 1, bToA));
        Network.RunUntil(() => B.EventsOf<IceDataReceived>().Count() > receivedBefore.Item2 && A.EventsOf<IceDataReceived>().Count() > receivedBefore.Item1, TimeSpan.FromSeconds(1));
        return (B.EventsOf<IceDataReceived>().Skip(receivedBefore.Item2).FirstOrDefault()?.Data.ToArray(),
                A.EventsOf<IceDataReceived>().Skip(receivedBefore.Item1).FirstOrDefault()?.Data.ToArray());
    }

    public static IPEndPoint EndPoint(string text) => IPEndPoint.Parse(text);
}
