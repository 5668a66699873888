using IceSpec.Ice;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Fuzzing.Targets;

/// <summary>
/// STUN parse + validate + integrity (RFC 8489 §5, §14, §9): <see cref="StunMessageChecker.Check"/> without a key, with
/// RFC 5769's short-term key and with its long-term key (SASLprep, MD5), with the "ice-check" profile; the TURN and ICE
/// validators; each address and ERROR-CODE attribute read. The checker is documented never to throw.
/// </summary>
public sealed class StunTarget : FuzzTarget
{
    // RFC 5769 §2.1–§2.4 credentials, so the vectors of the seed corpus reach the integrity check and verify.
    private static readonly StunKey ShortTerm = StunKey.ShortTerm("VOkJxbRl1RmTxUk/WvJxBt");
    private static readonly StunKey LongTerm = StunKey.LongTerm("\u30DE\u30C8\u30EA\u30C3\u30AF\u30B9", "example.org",
        "The\u00ADM\u00AAtr\u2168", preparation: PasswordPreparation.Profile.SaslPrep);

    public override string Name => "stun";

    public override string Description => "STUN parse, validate, MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT (RFC 8489, RFC 5769 keys)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var plain = StunMessageChecker.Check(input, null, out var message);
        StunMessageChecker.Check(input, ShortTerm, out _);
        StunMessageChecker.Check(input, LongTerm, out _);
        StunMessageChecker.Check(input, ShortTerm, out _, StunValidator.Profile.IceCheck);
        if (plain.Outcome == StunCheckOutcome.Malformed) return;
        TurnValidator.TryValidate(message, out _);
        IceValidator.TryValidate(message, out _);
        foreach (var attribute in message.Attributes)
        {
            switch (attribute.Type)
            {
                case StunAttributeTypes.MappedAddress or StunAttributeTypes.ResponseAddress or StunAttributeTypes.ChangeRequest or StunAttributeTypes.SourceAddress or StunAttributeTypes.ChangedAddress
                    or StunAttributeTypes.AlternateServer or StunAttributeTypes.ResponseOrigin or StunAttributeTypes.OtherAddress: // RFC 3489 §11.2, RFC 5780 §7
                    StunAddress.TryRead(attribute.Value, false, message.TransactionId, out _);
                    break;
                case StunAttributeTypes.XorMappedAddress or TurnAttributeTypes.XorPeerAddress or TurnAttributeTypes.XorRelayedAddress: // XOR-MAPPED-ADDRESS, XOR-PEER-ADDRESS, XOR-RELAYED-ADDRESS
                    if (StunAddress.TryRead(attribute.Value, true, message.TransactionId, out var address))
                        _ = address.ToString();
                    break;
                case StunAttributeTypes.ErrorCode:
                    StunErrorCode.TryRead(attribute.Value, out _, out _);
                    break;
            }
        }
    }
}
