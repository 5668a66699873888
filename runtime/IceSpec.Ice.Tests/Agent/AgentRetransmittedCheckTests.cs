using System.Net;
using System.Security.Cryptography;
using IceSpec.Stun;

namespace IceSpec.Ice.Tests.Agent;

/// <summary>
/// A retransmitted check (the peer's same transaction, RFC 8489 §6.2.1) on the virtual clock: the agent answers it again
/// (RFC 8489 §6.3.1) but it changes no state — its first transmission already retriggered the pair (RFC 8445 §7.3.1.4),
/// so the agent does not cancel the triggered check and start yet another one. Under loss a peer with a short RTO
/// (werift's 50 ms) retransmits often, and each copy used to cancel the agent's check in flight.
/// </summary>
[Trait("Category", "unit")]
public sealed class AgentRetransmittedCheckTests
{
    private static readonly IPEndPoint SocketA = IPEndPoint.Parse("192.0.2.1:5000");
    private static readonly IPEndPoint SocketB = IPEndPoint.Parse("192.0.2.2:6000");

    [Fact]
    public void A_retransmitted_check_is_answered_again_but_does_not_retrigger_the_pair()
    {
        var pair = new AgentPair(AgentPair.Options(IceRole.Controlling), AgentPair.Options(IceRole.Controlled));
        pair.A.AddSocket(SocketA.Address.ToString(), SocketA.Port);
        pair.B.AddSocket(SocketB.Address.ToString(), SocketB.Port);
        pair.Network.Drop = (_, _, _) => true;   // nothing arrives: this test plays B's checks to A
        pair.GatherAndExchange();
        Assert.True(pair.Network.RunUntil(() => CheckIdsFromA(pair).Count == 1, TimeSpan.FromSeconds(1)));  // A's check is In-Progress

        var check = CheckFromB(pair);
        pair.A.Agent.HandlePacket(pair.Network.Now, SocketA, SocketB, check);
        // RFC 8445 §7.3.1.4: the In-Progress check is cancelled and a new one (a new transaction) is sent.
        Assert.True(pair.Network.RunUntil(() => CheckIdsFromA(pair).Count == 2, TimeSpan.FromSeconds(1)));

        pair.A.Agent.HandlePacket(pair.Network.Now, SocketA, SocketB, check);   // the same bytes again: a retransmission
        pair.Network.RunUntil(() => false, TimeSpan.FromSeconds(2));

        Assert.Equal(2, AnswersFromA(pair, check));
        var ids = CheckIdsFromA(pair);
        Assert.True(ids.Count == 2, $"the retransmission retriggered the pair: A started {ids.Count} check transactions, not 2");
    }

    /// <summary>A check from B to A as the controlled peer sends it: USERNAME A:B, PRIORITY, ICE-CONTROLLED, A's password.</summary>
    private static byte[] CheckFromB(AgentPair pair)
    {
        var buffer = new byte[512];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), RandomNumberGenerator.GetBytes(12));
        builder.AddUsername($"{pair.A.Agent.LocalCredentials.Ufrag}:{pair.B.Agent.LocalCredentials.Ufrag}");
        builder.AddPriority(1845501695);
        builder.AddIceControlled(42);
        builder.AddMessageIntegrity(StunKey.ShortTerm(pair.A.Agent.LocalCredentials.Password));
        builder.AddFingerprint();
        return buffer.AsSpan(0, builder.Length).ToArray();
    }

    /// <summary>The transaction IDs of A's checks to B, each once (a retransmission reuses its transaction's).</summary>
    private static List<string> CheckIdsFromA(AgentPair pair) => [.. pair.Network.Log
        .Where(p => p.From.Equals(SocketA) && p.To.Equals(SocketB) && StunMessage.TryParse(p.Data, out var m) == StunParseStatus.Ok && m.Class == StunClass.Request)
        .Select(p => Convert.ToHexString(p.Data.AsSpan(8, 12))).Distinct()];

    private static int AnswersFromA(AgentPair pair, byte[] request) => pair.Network.Log
        .Count(p => p.From.Equals(SocketA) && p.To.Equals(SocketB) && StunMessage.TryParse(p.Data, out var m) == StunParseStatus.Ok
                    && m.Class == StunClass.Success && p.Data.AsSpan(8, 12).SequenceEqual(request.AsSpan(8, 12)));
}
