using IceSpec.Stun;

namespace IceSpec.Cli.Decoding;

/// <summary>The 20-byte header as read, whether or not the rest of the message parsed.</summary>
public sealed record MessageHeader(ushort RawType, string? MethodName, ushort Method, StunClass Class, int Length, string TransactionId);

/// <summary>One attribute: <see cref="Name"/> is null when no loaded spec defines the type; <see cref="Valid"/> is null when there is no format to check.</summary>
public sealed record AttributeReport(
    int Offset, ushort Type, string? Name, bool Reserved, int Length, string Value, string Hex, bool? Valid)
{
    public bool IsComprehensionRequired => StunRanges.IsComprehensionRequired(Type);

    /// <summary>Known and not merely reserved (RFC 8489 §14: what a receiver "understands").</summary>
    public bool Understood => Name is not null && !Reserved;
}

/// <summary>FINGERPRINT (RFC 8489 §14.7): the check's outcome, and both CRCs when they could be compared.</summary>
public sealed record FingerprintReport(IntegrityStatus Status, uint? Received, uint? Computed);

/// <summary>The combined outcome of the message-integrity checks.</summary>
public enum IntegrityOutcome
{
    /// <summary>Every integrity attribute present matched the key.</summary>
    Verified,
    /// <summary>Some integrity attribute did not match (or had a wrong length).</summary>
    Failed,
    /// <summary>The message has integrity attributes but no key was given.</summary>
    NoKey,
    /// <summary>The message has neither MESSAGE-INTEGRITY nor MESSAGE-INTEGRITY-SHA256.</summary>
    Missing,
}

/// <summary>MESSAGE-INTEGRITY and MESSAGE-INTEGRITY-SHA256 (RFC 8489 §14.5, §14.6) checked with <see cref="KeyDescription"/>; per-attribute results are null when not checked.</summary>
public sealed record IntegrityReport(IntegrityOutcome Outcome, IntegrityStatus? MessageIntegrity, IntegrityStatus? MessageIntegritySha256, string? KeyDescription);

/// <summary>
/// Everything the tool found out about one message, computed once and rendered as text or JSON.
/// When the framing did not parse, only <see cref="Header"/> (if 20 bytes were there) and <see cref="StatusMessage"/> are set.
/// A classic message (RFC 3489, <see cref="Classic"/>) has a 32-digit transaction ID, no violation and no FINGERPRINT report.
/// </summary>
public sealed record MessageReport(
    byte[] Bytes,
    MessageHeader? Header,
    StunParseStatus Status,
    string? StatusMessage,
    IReadOnlyList<AttributeReport> Attributes,
    string? Profile,
    StunViolation? Violation,
    FingerprintReport? Fingerprint,
    IntegrityReport? Integrity)
{
    public bool Parsed => Status == StunParseStatus.Ok;

    /// <summary>An RFC 3489 message (no magic cookie), read by <see cref="ClassicMessageInspector"/>.</summary>
    public bool Classic { get; init; }

    /// <summary>Parsed, broke no rule, carries no bad FINGERPRINT, and — when a key was given — verified. A classic message
    /// passes when it parsed: nothing else is checked on it.</summary>
    public bool Passed => Classic ? Parsed :
        Parsed && Violation is null &&
        Fingerprint?.Status is IntegrityStatus.Valid or IntegrityStatus.Missing &&
        Integrity is { } integrity && (integrity.KeyDescription is null || integrity.Outcome == IntegrityOutcome.Verified);
}
