using IceSpec.Captures.Replay;
using IceSpec.Stun;

namespace IceSpec.Cli.Replay;

/// <summary>
/// What the replayed side's requests say about it: ICE connectivity checks (every check carries ICE-CONTROLLING or
/// ICE-CONTROLLED, RFC 8445 §7.1.3) from ufrag <see cref="IceUfrag"/> (the part after the colon of USERNAME, §7.2.2), or
/// STUN/TURN requests of long-term user <see cref="TurnUsername"/> in <see cref="Realm"/> (RFC 8489 §9.2), and over
/// which transports they went.
/// </summary>
internal sealed record ReplayedSide(bool IsIce, bool Controlling, string? IceUfrag, string? TurnUsername, string? Realm, IReadOnlySet<string> Transports)
{
    public static ReplayedSide Of(IReadOnlyList<ReplayStep> steps)
    {
        bool? controlling = null;
        string? ufrag = null, username = null, realm = null;
        foreach (var step in steps)
        {
            StunMessage.TryParse(step.Request, out var message);
            var name = message.GetUsernameString();
            if (controlling is null && (message.TryGetAttribute(StunAttributeTypes.IceControlling, out _) || message.TryGetAttribute(StunAttributeTypes.IceControlled, out _)))
            {
                controlling = message.TryGetAttribute(StunAttributeTypes.IceControlling, out _);
                var colon = name?.IndexOf(':') ?? -1;
                if (colon > 0) ufrag = name![(colon + 1)..];
            }
            else if (username is null && name is not null)
            {
                (username, realm) = (name, message.GetRealmString());
            }
        }
        return new ReplayedSide(controlling is not null, controlling ?? false, ufrag, username, realm, steps.Select(s => s.Transport).ToHashSet());
    }
}
