namespace IceSpec.Stun.Tests.Registry;

/// <summary>
/// The spec's codes against the IANA "STUN Parameters" registry, transcribed by hand into iana-stun-registry.tsv
/// (not generated from the spec): a typo in spec/stun.spec fails here.
/// </summary>
[Trait("Category", "unit")]
public sealed class IanaRegistryTests
{
    private static IReadOnlyList<IanaStunRegistry.Row> Rows => IanaStunRegistry.Rows;

    private static string? Registered(string registry, int code) => IanaStunRegistry.Registered(registry, code);

    [Fact]
    public void Every_attribute_of_the_spec_has_its_registered_code()
    {
        Assert.NotEmpty(StunRegistry.Attributes);
        foreach (var attribute in StunRegistry.Attributes)
        {
            var registered = Registered("attribute", attribute.Type);
            Assert.True(registered is not null, $"{attribute.Name} 0x{attribute.Type:X4} is not in the IANA registry");
            // IANA lists RFC 3489's codes as "Reserved; was X"; it also lists 0x0003 that way although RFC 5780 defines CHANGE-REQUEST.
            var expected = attribute.Reserved || attribute.Name == "CHANGE-REQUEST" ? "Reserved-was-" + attribute.Name : attribute.Name;
            Assert.Equal(expected, registered);
        }
    }

    /// <summary>spec/classic.spec (RFC 3489 §11.2) against IANA, which keeps RFC 3489's codes: still in use, or "Reserved; was X".</summary>
    [Fact]
    public void Every_classic_attribute_has_its_rfc3489_code_in_the_registry()
    {
        Assert.Equal(11, IceSpec.Stun.Classic.ClassicRegistry.Attributes.Count);   // RFC 3489 §11.2.1 – §11.2.11
        foreach (var attribute in IceSpec.Stun.Classic.ClassicRegistry.Attributes)
        {
            var registered = Registered("attribute", attribute.Type);
            Assert.True(registered == attribute.Name || registered == "Reserved-was-" + attribute.Name,
                $"classic {attribute.Name} 0x{attribute.Type:X4}: IANA has {registered ?? "nothing"}");
            Assert.StartsWith("RFC 3489 §11.2.", attribute.Citation, StringComparison.Ordinal);
            Assert.Same(attribute, IceSpec.Stun.Classic.ClassicRegistry.Find(attribute.Type));
        }
    }

    /// <summary>classic.spec is standalone: its codes are RFC 8489's too (RESPONSE-ADDRESS is reserved there), so it must
    /// not register with the runtime, or a STUN message would "understand" RFC 3489's attributes. Which module initializer
    /// of the assembly runs last is not specified, so the registry's contents alone cannot show it: no initializer may exist.</summary>
    [Fact]
    public void Classic_attributes_do_not_replace_the_stun_ones_in_the_runtime_registry()
    {
        Assert.DoesNotContain(typeof(IceSpec.Stun.Classic.ClassicRegistry).GetMethods(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic),
            m => m.IsDefined(typeof(System.Runtime.CompilerServices.ModuleInitializerAttribute), false));
        Assert.Contains(typeof(StunRegistry).GetMethods(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.NonPublic),
            m => m.IsDefined(typeof(System.Runtime.CompilerServices.ModuleInitializerAttribute), false));
        foreach (var attribute in IceSpec.Stun.Classic.ClassicRegistry.Attributes)
        {
            Assert.True(StunAttributeRegistry.TryGet(attribute.Type, out var info));
            Assert.Equal(StunRegistry.Protocol, info.Protocol);
        }
        Assert.False(StunAttributeRegistry.IsUnderstood(IceSpec.Stun.Classic.ClassicAttributeTypes.ResponseAddress));
    }

    [Fact]
    public void Every_ice_and_nat_behaviour_attribute_is_in_the_spec()
    {
        string[] required =
        [
            "MAPPED-ADDRESS", "USERNAME", "MESSAGE-INTEGRITY", "ERROR-CODE", "UNKNOWN-ATTRIBUTES", "REALM", "NONCE",
            "MESSAGE-INTEGRITY-SHA256", "PASSWORD-ALGORITHM", "USERHASH", "XOR-MAPPED-ADDRESS", "PRIORITY", "USE-CANDIDATE",
            "PADDING", "RESPONSE-PORT", "PASSWORD-ALGORITHMS", "ALTERNATE-DOMAIN", "SOFTWARE", "ALTERNATE-SERVER", "FINGERPRINT",
            "ICE-CONTROLLED", "ICE-CONTROLLING", "RESPONSE-ORIGIN", "OTHER-ADDRESS",
        ];
        var names = StunRegistry.Attributes.Select(a => a.Name).ToHashSet();
        Assert.All(required, name => Assert.Contains(name, names));
        foreach (var name in required)
        {
            var row = Rows.Single(r => r.Registry == "attribute" && r.Name == name);
            Assert.Equal(row.Code, StunRegistry.Attributes.Single(a => a.Name == name).Type);
        }
    }

    [Fact]
    public void Method_codes_match()
    {
        Assert.Equal("Binding", Registered("method", StunMethods.Binding));
        Assert.Equal("Reserved-was-SharedSecret", Registered("method", StunMethods.SharedSecret));
        Assert.Equal("Binding", StunMethods.NameOf(0x001));
    }

    [Fact]
    public void Every_method_of_the_spec_has_its_registered_name()
    {
        var methods = IanaStunRegistry.Constants(typeof(StunMethods)).ToList();
        Assert.NotEmpty(methods);
        // IANA lists RFC 3489's SharedSecret as "Reserved; was SharedSecret".
        Assert.All(methods, m => Assert.Equal(m.Code == StunMethods.SharedSecret ? "Reserved-was-" + m.Name : m.Name, Registered("method", m.Code)));
    }

    /// <summary>Every error code of stun.spec — RFC 8489's and ICE's 487 Role Conflict (RFC 8445 §16.2) — with IANA's reason phrase.</summary>
    [Fact]
    public void Every_error_code_of_the_spec_has_its_registered_reason_phrase()
    {
        var codes = IanaStunRegistry.Constants(typeof(StunErrorCodes)).ToList();
        Assert.Contains(codes, c => c.Code == 487);
        Assert.All(codes, c => Assert.Equal(Registered("error", c.Code), StunErrorCodes.ReasonPhrase(c.Code)));
    }

    [Fact]
    public void Rfc5389_reason_phrase_for_401_is_kept() => Assert.Equal("Unauthorized", StunErrorCodes.FormerReasonPhrase(401));

    [Fact]
    public void Password_algorithms_match()
    {
        Assert.Equal("MD5", Registered("password-algorithm", (int)StunPasswordAlgorithm.Md5));
        Assert.Equal("SHA-256", Registered("password-algorithm", (int)StunPasswordAlgorithm.Sha256));
    }

    [Fact]
    public void Comprehension_ranges_follow_rfc8489_section_14() =>
        Assert.All(StunRegistry.Attributes, a => Assert.Equal(a.Type < 0x8000, a.IsComprehensionRequired));
}
