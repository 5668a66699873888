using System.Net;
using System.Security.Cryptography;
using IceSpec.Stun;

namespace IceSpec.Ice.Tests.Agent;

/// <summary>
/// The agent as the STUN server of checks (RFC 8445 §7.3, RFC 8489 §6.3) and its answer to a 487 (RFC 8445 §7.2.5.1),
/// driven with crafted messages on the virtual clock.
/// </summary>
[Trait("Category", "unit")]
public sealed class AgentStunServerTests
{
    private static readonly IPEndPoint SocketA = IPEndPoint.Parse("192.0.2.1:5000");
    private static readonly IPEndPoint SocketB = IPEndPoint.Parse("192.0.2.2:6000");
    private static readonly IPEndPoint Stranger = IPEndPoint.Parse("192.0.2.99:4000");

    private static AgentPair Gathered()
    {
        var pair = new AgentPair(AgentPair.Options(IceRole.Controlling), AgentPair.Options(IceRole.Controlled));
        pair.A.AddSocket(SocketA.Address.ToString(), SocketA.Port);
        pair.B.AddSocket(SocketB.Address.ToString(), SocketB.Port);
        pair.B.Agent.StartGathering(TimeSpan.Zero);
        return pair;
    }

    /// <summary>A check to B as the controlling peer would send it: USERNAME B:peer, PRIORITY, ICE-CONTROLLING, B's password.</summary>
    private static byte[] CheckToB(AgentPair pair, bool fingerprint = true, ushort? extraAttribute = null)
    {
        var buffer = new byte[512];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), RandomNumberGenerator.GetBytes(12));
        builder.AddUsername(pair.B.Agent.LocalCredentials.Ufrag + ":peer");
        builder.AddPriority(1845501695);
        builder.AddIceControlling(42);
        if (extraAttribute is { } type) builder.Add(type, [0, 0, 0, 0]);
        builder.AddMessageIntegrity(StunKey.ShortTerm(pair.B.Agent.LocalCredentials.Password));
        if (fingerprint) builder.AddFingerprint();
        return buffer.AsSpan(0, builder.Length).ToArray();
    }

    private static List<byte[]> AnswersTo(AgentPair pair, byte[] request) => [.. pair.Network.Log
        .Where(p => p.From.Equals(SocketB) && p.To.Equals(Stranger) && p.Data.AsSpan(8, 12).SequenceEqual(request.AsSpan(8, 12)))
        .Select(p => p.Data)];

    [Fact]
    public void A_check_without_FINGERPRINT_is_silently_discarded()
    {
        var pair = Gathered();
        var without = CheckToB(pair, fingerprint: false);
        var with = CheckToB(pair);
        pair.B.Agent.HandlePacket(pair.Network.Now, SocketB, Stranger, without);
        pair.B.Agent.HandlePacket(pair.Network.Now, SocketB, Stranger, with);
        pair.Network.RunUntil(() => false, TimeSpan.FromMilliseconds(50));

        // RFC 8445 §7.3: "It MUST utilize the FINGERPRINT mechanism"; RFC 8489 §6.3: absent → silently discarded.
        Assert.Empty(AnswersTo(pair, without));
        Assert.Single(AnswersTo(pair, with));
    }

    [Fact]
    public void An_unknown_comprehension_required_attribute_gets_420_listing_it_with_integrity()
    {
        var pair = Gathered();
        var request = CheckToB(pair, extraAttribute: 0x7FEE);
        pair.B.Agent.HandlePacket(pair.Network.Now, SocketB, Stranger, request);
        pair.Network.RunUntil(() => false, TimeSpan.FromMilliseconds(50));

        var answer = Assert.Single(AnswersTo(pair, request));
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(answer, out var response));
        Assert.True(response.TryGetErrorCode(out var code, out _));
        Assert.Equal(StunErrorCodes.UnknownAttribute, code);
        Assert.True(response.TryGetUnknownAttributes(out var unknown));
        Assert.Equal(1, unknown.Count);
        Assert.Equal(0x7FEE, unknown[0]);
        // RFC 8489 §9.1.3: the request was authenticated, so the response carries MESSAGE-INTEGRITY with B's password.
        Assert.Equal(IntegrityStatus.Valid, StunIntegrity.VerifyMessageIntegrity(response, StunKey.ShortTerm(pair.B.Agent.LocalCredentials.Password)));
    }

    [Fact]
    public void After_a_487_the_agent_switches_role_changes_its_tie_breaker_and_checks_the_pair_again()
    {
        var pair = new AgentPair(AgentPair.Options(IceRole.Controlling), AgentPair.Options(IceRole.Controlled));
        pair.A.AddSocket(SocketA.Address.ToString(), SocketA.Port);
        pair.B.AddSocket(SocketB.Address.ToString(), SocketB.Port);
        pair.Network.Drop = (_, _, _) => true;   // the agents never hear each other: this test answers A's check
        pair.GatherAndExchange();
        Assert.True(pair.Network.RunUntil(() => ChecksFromA(pair).Count > 0, TimeSpan.FromSeconds(1)));
        var first = ChecksFromA(pair)[0];
        Assert.True(first.IceControlling is { } before && before == pair.A.Agent.TieBreaker);

        var buffer = new byte[256];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Error), first.TransactionId);
        builder.AddErrorCode(StunErrorCodes.RoleConflict, "Role Conflict");
        builder.AddMessageIntegrity(StunKey.ShortTerm(pair.B.Agent.LocalCredentials.Password));
        builder.AddFingerprint();
        pair.A.Agent.HandlePacket(pair.Network.Now, SocketA, SocketB, buffer.AsSpan(0, builder.Length));
        Assert.True(pair.Network.RunUntil(() => ChecksFromA(pair).Exists(c => c.IceControlled is not null), TimeSpan.FromSeconds(1)));

        Assert.Equal(IceRole.Controlled, pair.A.Agent.Role);
        var recheck = ChecksFromA(pair).First(c => c.IceControlled is not null);
        Assert.False(recheck.TransactionId.SequenceEqual(first.TransactionId));
        // RFC 8445 §7.2.5.1: "The agent MUST change the tiebreaker value."
        Assert.NotEqual(first.IceControlling, pair.A.Agent.TieBreaker);
        Assert.Equal(pair.A.Agent.TieBreaker, recheck.IceControlled);
    }

    private sealed record SentCheck(byte[] TransactionId, ulong? IceControlling, ulong? IceControlled);

    private static List<SentCheck> ChecksFromA(AgentPair pair)
    {
        var checks = new List<SentCheck>();
        foreach (var (_, from, _, data) in pair.Network.Log)
        {
            if (!from.Equals(SocketA) || StunMessage.TryParse(data, out var m) != StunParseStatus.Ok || m.Class != StunClass.Request) continue;
            checks.Add(new SentCheck(m.TransactionId.ToArray(), m.TryGetIceControlling(out var g) ? g : null, m.TryGetIceControlled(out var d) ? d : null));
        }
        return checks;
    }
}
