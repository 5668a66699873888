using System.Buffers.Binary;
using IceSpec.Stun;

namespace IceSpec.Cli.Decoding;

/// <summary>
/// Runs every check the runtime has on one message — framing (<see cref="StunMessage.TryParse"/>), attribute formats
/// (<see cref="StunAttributeRegistry"/>), the spec's rules (<see cref="StunValidator"/>), FINGERPRINT and
/// MESSAGE-INTEGRITY(-SHA256) (<see cref="StunIntegrity"/>) — and keeps the answers in a <see cref="MessageReport"/>.
/// </summary>
public static class MessageInspector
{
    /// <summary>Loads turn.spec's generated registry (its module initializer registers TURN's attributes) before any
    /// message is checked, so TURN's comprehension-required attributes are understood, not reported as unknown.</summary>
    static MessageInspector() =>
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(IceSpec.Turn.TurnRegistry).Module.ModuleHandle);

    /// <param name="bytes">The message.</param>
    /// <param name="profile">A validator profile such as "ice-check", or null for the plain rules.</param>
    /// <param name="credential">The key to verify integrity with, or null.</param>
    public static MessageReport Inspect(byte[] bytes, string? profile, Credential? credential)
    {
        var status = StunMessage.TryParse(bytes, out var message);
        // RFC 5389 §12: without the magic cookie, a message may be an RFC 3489 one.
        if (status == StunParseStatus.BadMagicCookie && IceSpec.Captures.ClassicStun.IsClassic(bytes)) return ClassicMessageInspector.Inspect(bytes);
        var header = ReadHeader(bytes, status);
        if (status != StunParseStatus.Ok)
            return new MessageReport(bytes, header, status, ParseStatusText.Describe(status, bytes), [], profile, null, null, null);

        // The profile name comes from the command line (--profile accepts only StunValidator.Profiles); a name the spec
        // does not define gets the plain rules, as it always did.
        var valid = profile is not null && StunValidator.TryParseProfile(profile, out var handle)
            ? StunValidator.TryValidate(message, handle, out var violation)
            : StunValidator.TryValidate(message, out violation);
        // TURN's own rules (turn.spec: attribute formats and each request/response's attributes) for TURN methods.
        if (valid && IceSpec.Turn.TurnMethods.NameOf(message.Method) is not null)
            valid = IceSpec.Turn.TurnValidator.TryValidate(message, out violation);
        return new MessageReport(bytes, header, status, null, ReadAttributes(message), profile,
            valid ? null : violation, CheckFingerprint(message), CheckIntegrity(message, credential));
    }

    /// <summary>The header fields when they mean something: 20 bytes and the top two bits clear.</summary>
    private static MessageHeader? ReadHeader(ReadOnlySpan<byte> bytes, StunParseStatus status)
    {
        if (status is StunParseStatus.TruncatedHeader or StunParseStatus.NotStun) return null;
        var rawType = BinaryPrimitives.ReadUInt16BigEndian(bytes);
        var type = StunMessageType.Decode(rawType);
        var length = BinaryPrimitives.ReadUInt16BigEndian(bytes[StunHeader.LengthOffset..]);
        var transactionId = Convert.ToHexStringLower(bytes.Slice(StunHeader.TransactionIdOffset, StunHeader.TransactionIdLength));
        return new MessageHeader(rawType, StunMethods.NameOf(type.Method) ?? IceSpec.Turn.TurnMethods.NameOf(type.Method), type.Method, type.Class, length, transactionId);
    }

    private static List<AttributeReport> ReadAttributes(in StunMessage message)
    {
        var attributes = new List<AttributeReport>();
        foreach (var attribute in message.Attributes)
        {
            var value = attribute.Value;
            var hex = Convert.ToHexStringLower(value);
            attributes.Add(StunAttributeRegistry.TryGet(attribute.Type, out var info)
                ? new AttributeReport(attribute.Offset, attribute.Type, info.Name, info.Reserved, value.Length,
                    info.Describe(value, message.TransactionId), hex, info.IsValid(value))
                : new AttributeReport(attribute.Offset, attribute.Type, null, false, value.Length, hex.Length == 0 ? "(empty)" : hex, hex, null));
        }
        return attributes;
    }

    private static FingerprintReport CheckFingerprint(in StunMessage message)
    {
        var status = StunIntegrity.VerifyFingerprint(message);
        if (status != IntegrityStatus.Mismatch) return new FingerprintReport(status, null, null);
        var offset = message.FingerprintOffset;
        var received = BinaryPrimitives.ReadUInt32BigEndian(message.Buffer[(offset + StunHeader.AttributeHeaderLength)..]);
        return new FingerprintReport(status, received, StunIntegrity.ComputeFingerprint(message.Buffer[..offset]));
    }

    private static IntegrityReport CheckIntegrity(in StunMessage message, Credential? credential)
    {
        if (!message.HasMessageIntegrity && !message.HasMessageIntegritySha256)
            return new IntegrityReport(IntegrityOutcome.Missing, null, null, credential?.Description);
        if (credential is null) return new IntegrityReport(IntegrityOutcome.NoKey, null, null, null);

        IntegrityStatus? sha1 = message.HasMessageIntegrity ? StunIntegrity.VerifyMessageIntegrity(message, credential.Key) : null;
        IntegrityStatus? sha256 = message.HasMessageIntegritySha256 ? StunIntegrity.VerifyMessageIntegritySha256(message, credential.Key) : null;
        var verified = sha1 is null or IntegrityStatus.Valid && sha256 is null or IntegrityStatus.Valid;
        return new IntegrityReport(verified ? IntegrityOutcome.Verified : IntegrityOutcome.Failed, sha1, sha256, credential.Description);
    }
}
