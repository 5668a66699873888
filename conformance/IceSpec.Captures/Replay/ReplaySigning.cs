using IceSpec.Captures.Credentials;
using IceSpec.Stun;

namespace IceSpec.Captures.Replay;

/// <summary>
/// How a replayed request is signed and named: with the capture's own credentials (the key <see cref="MessageKeys"/>
/// picks for it), or — against an ICE agent started for the replay — with that agent's password and USERNAME rewritten
/// to <c>AGENTUFRAG:SIDEUFRAG</c> (RFC 8445 §7.2.2: a check's USERNAME is the receiver's ufrag, a colon, the sender's;
/// its MESSAGE-INTEGRITY uses the receiver's password).
/// </summary>
public sealed class ReplaySigning
{
    private readonly MessageKeys? _captured;
    private readonly (string Ufrag, ResolvedKey Key)? _agent;

    private ReplaySigning(MessageKeys? captured, (string, ResolvedKey)? agent) => (_captured, _agent) = (captured, agent);

    public static ReplaySigning WithCaptureCredentials(CaptureCredentials credentials) => new(new MessageKeys(credentials), null);

    public static ReplaySigning ForIceAgent(string agentUfrag, string agentPassword) =>
        new(null, (agentUfrag, new ResolvedKey(StunKey.ShortTerm(agentPassword), $"short-term key of the started agent's ufrag {agentUfrag}")));

    /// <summary>The key to sign <paramref name="captured"/> with (null: none known) and the USERNAME to put in it (null: keep the captured one).</summary>
    public (ResolvedKey? Key, string? Username) For(byte[] captured)
    {
        StunMessage.TryParse(captured, out var message);
        if (_agent is not { } agent) return (_captured!.Resolve(message), null);
        var username = message.GetUsernameString();
        var colon = username?.IndexOf(':') ?? -1;
        return (agent.Key, colon < 0 ? null : agent.Ufrag + username![colon..]);
    }
}
