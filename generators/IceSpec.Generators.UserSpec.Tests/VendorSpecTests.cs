using Acme.Stun;
using IceSpec.Stun;

namespace IceSpec.Generators.UserSpec.Tests;

/// <summary>Everything here is generated from acme.spec; the test writes no codec code of its own.</summary>
[Trait("Category", "unit")]
public sealed class VendorSpecTests
{
    private static readonly byte[] SessionId = Enumerable.Range(0, 16).Select(i => (byte)(0xA0 + i)).ToArray();

    private static byte[] Build(bool withSession = true, bool withHops = false)
    {
        var buffer = new byte[256];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), new byte[12]);
        builder.AddUsername("user:peer");
        if (withSession) builder.AddAcmeSessionId(SessionId);
        builder.AddAcmeFlags(0xDEADBEEF);
        builder.AddAcmeRoute(new AcmeRouteValue(3, 0, 1200, "edge-7"u8));
        if (withHops) builder.AddAcmeHops([3478, 5349]);
        builder.AddFingerprint();
        return builder.Written.ToArray();
    }

    [Fact]
    public void Generated_accessors_round_trip_the_vendor_attributes()
    {
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(Build(), out var message));
        Assert.True(message.TryGetAcmeSessionId(out var session));
        Assert.Equal(SessionId, session.ToArray());
        Assert.True(message.TryGetAcmeFlags(out var flags));
        Assert.Equal(0xDEADBEEFu, flags);
        Assert.True(message.TryGetAcmeRoute(out var route));
        Assert.Equal(3, route.Hops);
        Assert.Equal(1200, route.Metric);
        Assert.Equal("edge-7", System.Text.Encoding.UTF8.GetString(route.Label));
        Assert.Equal(0xC0DE, AcmeAttributeTypes.AcmeSessionId);
    }

    [Fact]
    public void Generated_writer_rejects_a_value_of_the_wrong_size()
    {
        var buffer = new byte[64];
        var error = Assert.Throws<ArgumentException>(() =>
        {
            var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), new byte[12]);
            builder.AddAcmeSessionId(new byte[15]);
        });
        Assert.Contains("ACME-SESSION-ID must be bytes 16", error.Message);
    }

    [Fact]
    public void Generated_rules_apply_with_the_imported_stun_attributes()
    {
        StunMessage.TryParse(Build(), out var good);
        Assert.True(AcmeValidator.TryValidate(good, AcmeValidator.Profile.Acme, out _));

        StunMessage.TryParse(Build(withSession: false), out var missing);
        Assert.False(AcmeValidator.TryValidate(missing, AcmeValidator.Profile.Acme, out var violation));
        Assert.Equal("BindingRequestAcme.Requires.AcmeSessionId", violation.Rule);

        StunMessage.TryParse(Build(withHops: true), out var forbidden);
        Assert.False(AcmeValidator.TryValidate(forbidden, AcmeValidator.Profile.Acme, out violation));
        Assert.Equal("BindingRequestAcme.Forbids.AcmeHops", violation.Rule);
    }

    [Fact]
    public void The_vendor_attributes_are_registered_with_the_runtime()
    {
        Assert.True(StunAttributeRegistry.TryGet(0xC0E0, out var route));
        Assert.Equal("ACME-ROUTE", route.Name);
        Assert.Equal("acme", route.Protocol);
        Assert.Equal("{Hops=3, Reserved=0, Metric=1200, Label=\"edge-7\"}", DescribeRoute());

        // A comprehension-required attribute is understood once its spec is loaded: not a 420 any more.
        var buffer = new byte[64];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), new byte[12]);
        builder.AddAcmeCritical(7);
        StunMessage.TryParse(builder.Written, out var message);
        Assert.True(StunValidator.TryValidate(message, out _));
    }

    private static string DescribeRoute()
    {
        StunMessage.TryParse(Build(), out var message);
        Assert.True(message.TryGetAttribute(AcmeAttributeTypes.AcmeRoute, out var raw));
        StunAttributeRegistry.TryGet(AcmeAttributeTypes.AcmeRoute, out var info);
        return info.Describe(raw, message.TransactionId);
    }
}
