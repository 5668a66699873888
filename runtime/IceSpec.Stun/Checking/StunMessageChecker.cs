namespace IceSpec.Stun;

/// <summary>What is wrong with a received message, if anything: one value per kind of fault.</summary>
public enum StunCheckOutcome : byte
{
    Valid,
    /// <summary>Framing (RFC 8489 §5, §14): see <see cref="StunCheckResult.ParseStatus"/>.</summary>
    Malformed,
    /// <summary>A rule of the spec is broken (order, value format, per-message rule): see <see cref="StunCheckResult.Violation"/>.</summary>
    RuleViolation,
    /// <summary>A comprehension-required attribute this process does not understand (RFC 8489 §14; answer 420).</summary>
    UnknownComprehensionRequired,
    /// <summary>FINGERPRINT present but wrong (RFC 8489 §14.7).</summary>
    FingerprintMismatch,
    /// <summary>A key was given but the message has no MESSAGE-INTEGRITY(-SHA256) (RFC 8489 §9.1.3: answer 400 for a request).</summary>
    IntegrityMissing,
    /// <summary>MESSAGE-INTEGRITY or MESSAGE-INTEGRITY-SHA256 does not match the key (RFC 8489 §9.1.3: answer 401).</summary>
    IntegrityMismatch,
}

/// <summary>The result of <see cref="StunMessageChecker.Check"/>; allocation-free.</summary>
public readonly record struct StunCheckResult(StunCheckOutcome Outcome, StunParseStatus ParseStatus, StunViolation Violation)
{
    public bool IsValid => Outcome == StunCheckOutcome.Valid;

    public override string ToString() => Outcome switch
    {
        StunCheckOutcome.Malformed => $"Malformed: {ParseStatus}",
        StunCheckOutcome.RuleViolation or StunCheckOutcome.UnknownComprehensionRequired => $"{Outcome}: {Violation}",
        _ => Outcome.ToString(),
    };
}

/// <summary>
/// Everything a receiver checks, in RFC 8489 order: framing (§5), the spec's rules (generated validator: order,
/// value formats, comprehension-required, per-message rules), FINGERPRINT (§14.7), then integrity with the key
/// when one is given (§9: MESSAGE-INTEGRITY-SHA256 preferred over MESSAGE-INTEGRITY when both are present).
/// Never throws on any input.
/// </summary>
public static class StunMessageChecker
{
    public static StunCheckResult Check(ReadOnlySpan<byte> buffer, StunKey? key, out StunMessage message, StunValidator.Profile? profile = null)
    {
        var status = StunMessage.TryParse(buffer, out message);
        if (status != StunParseStatus.Ok) return new(StunCheckOutcome.Malformed, status, default);

        var valid = profile is null ? StunValidator.TryValidate(message, out var violation) : StunValidator.TryValidate(message, profile.Value, out violation);
        if (!valid)
        {
            var outcome = violation.Rule == StunValidator.UnknownComprehensionRequiredRule ? StunCheckOutcome.UnknownComprehensionRequired : StunCheckOutcome.RuleViolation;
            return new(outcome, status, violation);
        }
        if (message.HasFingerprint && StunIntegrity.VerifyFingerprint(message) != IntegrityStatus.Valid)
            return new(StunCheckOutcome.FingerprintMismatch, status, default);
        if (key is null) return new(StunCheckOutcome.Valid, status, default);

        var integrity = message.HasMessageIntegritySha256
            ? StunIntegrity.VerifyMessageIntegritySha256(message, key)
            : StunIntegrity.VerifyMessageIntegrity(message, key);
        return integrity switch
        {
            IntegrityStatus.Valid => new(StunCheckOutcome.Valid, status, default),
            IntegrityStatus.Missing => new(StunCheckOutcome.IntegrityMissing, status, default),
            _ => new(StunCheckOutcome.IntegrityMismatch, status, default),
        };
    }
}
