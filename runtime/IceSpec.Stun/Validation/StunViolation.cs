namespace IceSpec.Stun;

/// <summary>
/// A rule of the spec a message breaks: which rule, the RFC citation the spec attaches to it, and the attribute
/// involved (0 when none). The strings are constants of the generated validator, so reporting allocates nothing.
/// </summary>
public readonly record struct StunViolation(string Rule, string Citation, string Description, ushort AttributeType)
{
    public override string ToString() =>
        AttributeType == 0 ? $"{Rule}: {Description} ({Citation})" : $"{Rule}: {Description} [0x{AttributeType:X4}] ({Citation})";
}
