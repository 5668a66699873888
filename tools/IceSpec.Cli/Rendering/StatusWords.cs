using IceSpec.Cli.Decoding;
using IceSpec.Stun;

namespace IceSpec.Cli.Rendering;

/// <summary>The words both renderers use for outcomes, so text and JSON say the same thing.</summary>
public static class StatusWords
{
    /// <summary>"request", "indication", "success", "error".</summary>
    public static string ClassId(StunClass cls) => cls switch
    {
        StunClass.Request => "request",
        StunClass.Indication => "indication",
        StunClass.Success => "success",
        StunClass.Error => "error",
        _ => cls.ToString(),
    };

    /// <summary>How people say the class after the method: "Binding request", "Binding success response".</summary>
    public static string ClassPhrase(StunClass cls) => cls switch
    {
        StunClass.Success => "success response",
        StunClass.Error => "error response",
        _ => ClassId(cls),
    };

    /// <summary>The method's name, or its code when no loaded spec names it.</summary>
    public static string Method(MessageHeader header) => header.MethodName ?? $"method 0x{header.Method:X3}";

    public static string Check(IntegrityStatus status) => status switch
    {
        IntegrityStatus.Valid => "valid",
        IntegrityStatus.Missing => "missing",
        IntegrityStatus.BadLength => "bad length",
        IntegrityStatus.Mismatch => "mismatch",
        IntegrityStatus.NotLast => "not last",
        _ => status.ToString(),
    };

    public static string Integrity(IntegrityOutcome outcome) => outcome switch
    {
        IntegrityOutcome.Verified => "verified",
        IntegrityOutcome.Failed => "failed",
        IntegrityOutcome.NoKey => "no key",
        IntegrityOutcome.Missing => "missing",
        _ => outcome.ToString(),
    };

    /// <summary>"unknown 0x7F00 (comprehension-required)" for a type no loaded spec defines.</summary>
    public static string AttributeName(AttributeReport attribute) =>
        attribute.Name is null
            ? $"unknown 0x{attribute.Type:X4} ({(attribute.IsComprehensionRequired ? "comprehension-required" : "comprehension-optional")})"
            : attribute.Reserved ? attribute.Name + " (reserved)" : attribute.Name;

    public static string Validity(bool? valid) => valid switch
    {
        true => "ok",
        false => "malformed",
        null => "unchecked",
    };
}
