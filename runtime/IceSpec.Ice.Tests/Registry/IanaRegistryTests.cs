using IceSpec.Stun;
using IceSpec.Stun.Tests.Registry;

namespace IceSpec.Ice.Tests.Registry;

/// <summary>
/// The ICE attributes and error code against the IANA "STUN Parameters" registry (the transcription the STUN test reads,
/// runtime/IceSpec.Stun.Tests/Registry/iana-stun-registry.tsv). RFC 8445 §16's attributes and 487 are stated in
/// stun.spec (every STUN user decodes them); an attribute ice.spec itself declares is checked too.
/// </summary>
[Trait("Category", "unit")]
public sealed class IanaRegistryTests
{
    /// <summary>The attributes an ICE agent reads: stun.spec's and ice.spec's.</summary>
    private static IEnumerable<StunAttributeInfo> SpecAttributes => StunRegistry.Attributes.Concat(IceRegistry.Attributes);

    /// <summary>Every row IANA registers for ICE (RFC 8445) is in the specs with its code, name and reason phrase.</summary>
    [Fact]
    public void Every_registered_ice_code_is_in_the_specs()
    {
        var rows = IanaStunRegistry.Rows.Where(r => r.Reference == "RFC 8445").ToList();
        Assert.Equal(["PRIORITY", "USE-CANDIDATE", "ICE-CONTROLLED", "ICE-CONTROLLING"], rows.Where(r => r.Registry == "attribute").Select(r => r.Name));
        foreach (var row in rows.Where(r => r.Registry == "attribute"))
            Assert.True(SpecAttributes.Any(a => a.Type == row.Code && a.Name == row.Name), $"{row.Name} 0x{row.Code:X4} is not in stun.spec or ice.spec");
        var error = Assert.Single(rows, r => r.Registry == "error");
        Assert.Equal(error.Name, StunErrorCodes.ReasonPhrase(error.Code));
        Assert.Equal(StunErrorCodes.RoleConflict, error.Code);
    }

    /// <summary>What ice.spec declares itself (nothing today: its attributes live in stun.spec) has its registered code.</summary>
    [Fact]
    public void Every_attribute_of_IceSpec_has_its_registered_code() =>
        Assert.All(IceRegistry.Attributes, a => Assert.Equal(a.Name, IanaStunRegistry.Registered("attribute", a.Type)));
}
