using IceSpec.Stun.Tests.Registry;

namespace IceSpec.Turn.Tests.Registry;

/// <summary>
/// turn.spec's codes against the IANA "STUN Parameters" registry (the same hand transcription as the STUN test,
/// runtime/IceSpec.Stun.Tests/Registry/iana-stun-registry.tsv): a typo in a TURN code or name fails here.
/// </summary>
[Trait("Category", "unit")]
public sealed class IanaRegistryTests
{
    [Fact]
    public void Every_attribute_of_turn_spec_has_its_registered_code_and_name()
    {
        Assert.NotEmpty(TurnRegistry.Attributes);
        Assert.All(TurnRegistry.Attributes, a => Assert.Equal(a.Name, IanaStunRegistry.Registered("attribute", a.Type)));
    }

    [Fact]
    public void Every_method_of_turn_spec_has_its_registered_code_and_name()
    {
        var methods = IanaStunRegistry.Constants(typeof(TurnMethods)).ToList();
        Assert.Equal(9, methods.Count); // RFC 8656 §17: 6, RFC 6062 §6.1: 3
        Assert.All(methods, m => Assert.Equal(m.Name, IanaStunRegistry.Registered("method", m.Code)));
        Assert.All(methods, m => Assert.Equal(m.Name, TurnMethods.NameOf((ushort)m.Code)));
    }

    [Fact]
    public void Every_error_code_of_turn_spec_has_its_registered_reason_phrase()
    {
        var codes = IanaStunRegistry.Constants(typeof(TurnErrorCodes)).ToList();
        Assert.Equal(10, codes.Count); // RFC 8656 §19: 8, RFC 6062 §6.3: 2
        Assert.All(codes, c => Assert.Equal(IanaStunRegistry.Registered("error", c.Code), TurnErrorCodes.ReasonPhrase(c.Code)));
    }

    /// <summary>Every TURN row IANA has (RFC 8656, RFC 6062) is in turn.spec, except those IANA lists as reserved.</summary>
    [Fact]
    public void Every_registered_turn_code_is_in_turn_spec()
    {
        var references = IanaStunRegistry.Rows
            .Where(r => r.Reference is "RFC 8656" or "RFC 6062" && !r.Name.StartsWith("Reserved", StringComparison.Ordinal))
            .ToList();
        Assert.NotEmpty(references);
        var attributes = TurnRegistry.Attributes.Select(a => a.Name).ToHashSet();
        var methods = IanaStunRegistry.Constants(typeof(TurnMethods)).Select(m => m.Name).ToHashSet();
        var errors = IanaStunRegistry.Constants(typeof(TurnErrorCodes)).Select(c => TurnErrorCodes.ReasonPhrase(c.Code) ?? "").ToHashSet();
        Assert.All(references, r => Assert.Contains(r.Name, r.Registry switch { "attribute" => attributes, "method" => methods, _ => errors }));
    }
}
