using System.Collections.Concurrent;

namespace IceSpec.Stun;

/// <summary>Checks that an attribute value has the wire format its spec declares.</summary>
public delegate bool AttributeValueCheck(ReadOnlySpan<byte> value);

/// <summary>Renders an attribute value for people (the transaction ID un-XORs addresses).</summary>
public delegate string AttributeValueFormatter(ReadOnlySpan<byte> value, ReadOnlySpan<byte> transactionId);

/// <summary>What a spec says of one attribute type, registered by the generated code of each protocol (its module initializer).</summary>
public sealed record StunAttributeInfo(
    ushort Type, string Name, string Protocol, string Format, bool Reserved, string Citation,
    AttributeValueCheck IsValid, AttributeValueFormatter Describe)
{
    public bool IsComprehensionRequired => StunRanges.IsComprehensionRequired(Type);
}

/// <summary>
/// The attributes this process understands: those of spec/stun.spec and of every other generated protocol loaded
/// (a vendor spec in a user project registers its own). An unknown comprehension-required attribute is a 420 (RFC 8489 §14).
/// </summary>
public static class StunAttributeRegistry
{
    private static readonly ConcurrentDictionary<ushort, StunAttributeInfo> ByType = new();

    public static void Register(IEnumerable<StunAttributeInfo> attributes)
    {
        foreach (var attribute in attributes) ByType[attribute.Type] = attribute;
    }

    public static bool TryGet(ushort type, out StunAttributeInfo info) => ByType.TryGetValue(type, out info!);

    /// <summary>Known and not merely reserved: a reserved code (e.g. RFC 3489's RESPONSE-ADDRESS) is not understood.</summary>
    public static bool IsUnderstood(ushort type) => ByType.TryGetValue(type, out var info) && !info.Reserved;

    public static IReadOnlyCollection<StunAttributeInfo> All => ByType.Values.OrderBy(a => a.Type).ToArray();
}
