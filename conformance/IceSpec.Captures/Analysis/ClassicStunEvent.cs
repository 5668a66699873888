using System.Buffers.Binary;
using System.Net;
using IceSpec.Stun;
using IceSpec.Stun.Classic;

namespace IceSpec.Captures.Analysis;

/// <summary>
/// The <see cref="StunEvent"/> of a classic STUN message (RFC 3489, <see cref="CapturedKind.ClassicStun"/>): its method and
/// class (RFC 3489 §11.1), its 16-byte transaction ID (32 hex digits, so it never pairs with an RFC 5389 one), USERNAME,
/// ERROR-CODE and the mapped address (MAPPED-ADDRESS, else XOR-MAPPED-ADDRESS). RFC 3489 has no ICE or TURN: such a
/// message only makes transactions. Its MESSAGE-INTEGRITY (§11.2.8, keyed with a Shared Secret password) is not verified.
/// </summary>
public static class ClassicStunEvent
{
    public static StunEvent Read(CapturedMessage captured)
    {
        var bytes = captured.Bytes;
        var type = StunMessageType.Decode(BinaryPrimitives.ReadUInt16BigEndian(bytes));
        var transactionId = bytes.AsSpan(StunHeader.CookieOffset, ClassicStun.TransactionIdLength);
        string? username = null;
        int? errorCode = null;
        IPEndPoint? mapped = null, xorMapped = null;
        var integrity = IntegrityCheck.Absent;
        foreach (var (_, attribute, value) in ClassicStun.Attributes(bytes))
        {
            switch (attribute)
            {
                case ClassicAttributeTypes.Username: username ??= System.Text.Encoding.UTF8.GetString(value); break;
                case ClassicAttributeTypes.MessageIntegrity: integrity = IntegrityCheck.NoKey; break;
                case ClassicAttributeTypes.ErrorCode when StunErrorCode.TryReadAsSent(value, out var code, out _): errorCode ??= code; break;
                case ClassicAttributeTypes.MappedAddress when mapped is null && ClassicStun.TryReadAddress(attribute, value, transactionId, out var address): mapped = address; break;
                case var _ when ClassicStun.IsXorAddress(attribute) && xorMapped is null && ClassicStun.TryReadAddress(attribute, value, transactionId, out var address): xorMapped = address; break;
            }
        }
        return new StunEvent
        {
            Captured = captured,
            Classic = true,
            Method = type.Method,
            Class = type.Class,
            TransactionId = TransactionKey.From(transactionId),
            Username = username,
            ErrorCode = errorCode,
            MappedAddress = mapped ?? xorMapped,
            Integrity = integrity,
        };
    }
}
