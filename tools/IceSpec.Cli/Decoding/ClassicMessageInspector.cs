using System.Buffers.Binary;
using IceSpec.Captures;
using IceSpec.Stun;
using IceSpec.Stun.Classic;

namespace IceSpec.Cli.Decoding;

/// <summary>
/// A <see cref="MessageReport"/> for a classic STUN message (RFC 3489, see <see cref="ClassicStun"/>): header, and each
/// attribute named and read as RFC 3489 §11.2 defines it (spec/classic.spec). Nothing of RFC 8489 is checked: no spec rules, no FINGERPRINT
/// (RFC 3489 has none). RFC 3489's MESSAGE-INTEGRITY (§11.2.8: HMAC-SHA1 keyed with the password of a Shared Secret
/// exchange) is not verified: a message that has one is reported "no key".
/// </summary>
public static class ClassicMessageInspector
{
    /// <param name="bytes">A message <see cref="ClassicStun.IsClassic"/> accepted.</param>
    public static MessageReport Inspect(byte[] bytes)
    {
        var rawType = BinaryPrimitives.ReadUInt16BigEndian(bytes);
        var type = StunMessageType.Decode(rawType);
        var transactionId = bytes.AsMemory(StunHeader.CookieOffset, ClassicStun.TransactionIdLength);
        var header = new MessageHeader(rawType, ClassicMethods.NameOf(type.Method), type.Method, type.Class,
            BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(StunHeader.LengthOffset)), Convert.ToHexStringLower(transactionId.Span));
        var attributes = ClassicStun.Attributes(bytes).Select(a =>
        {
            var hex = Convert.ToHexStringLower(a.Value);
            return new AttributeReport(a.Offset, a.Type, ClassicStun.AttributeName(a.Type), false, a.Value.Length,
                ClassicStun.Describe(a.Type, a.Value, transactionId.Span), hex, ClassicStun.IsValid(a.Type, a.Value, transactionId.Span));
        }).ToList();
        var integrity = attributes.Any(a => a.Type == ClassicAttributeTypes.MessageIntegrity) ? IntegrityOutcome.NoKey : IntegrityOutcome.Missing;
        return new MessageReport(bytes, header, StunParseStatus.Ok, null, attributes, null, null, null,
            new IntegrityReport(integrity, null, null, null)) { Classic = true };
    }
}
