using System.Net;
using IceSpec.TestVectors;

namespace IceSpec.Stun.Tests.Codec;

/// <summary>The generated per-message views: they exist only for a message that keeps its rules.</summary>
[Trait("Category", "unit")]
public sealed class MessageViewTests
{
    [Fact]
    public void Ice_check_view_exposes_required_attributes_as_properties()
    {
        Assert.True(BindingRequestIceCheckView.TryParse(Rfc5769.SampleRequest.Bytes, out var check, out var status, out var violation),
            $"{status} {violation}");
        Assert.Equal("evtj:h6vY", System.Text.Encoding.UTF8.GetString(check.Username));
        Assert.Equal(0x6e0001ffu, check.Priority);
        Assert.True(check.TryGetIceControlled(out var tieBreaker));
        Assert.Equal(0x932ff9b151263b36ul, tieBreaker);
        Assert.False(check.TryGetIceControlling(out _));
        Assert.False(check.HasUseCandidate);
        Assert.True(check.TryGetSoftware(out var software));
        Assert.Equal("STUN test client", System.Text.Encoding.UTF8.GetString(software));
    }

    [Fact]
    public void Success_view_exposes_the_mapped_address()
    {
        Assert.True(BindingSuccessView.TryParse(Rfc5769.SampleIPv6Response.Bytes, out var success, out _, out _));
        Assert.Equal(new IPEndPoint(IPAddress.Parse("2001:db8:1234:5678:11:2233:4455:6677"), 32853), success.XorMappedAddress.ToEndPoint());
    }

    [Fact]
    public void View_of_the_wrong_kind_is_refused_with_the_reason()
    {
        Assert.False(BindingSuccessView.TryParse(Rfc5769.SampleRequest.Bytes, out _, out var status, out var violation));
        Assert.Equal(StunParseStatus.Ok, status);
        Assert.Equal("MessageType", violation.Rule);

        var buffer = new byte[64];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), new byte[12]);
        builder.AddPriority(5);
        Assert.False(BindingRequestIceCheckView.TryParse(builder.Written, out _, out _, out violation));
        Assert.Equal("BindingRequestIceCheck.Requires.Username", violation.Rule);
        Assert.StartsWith("RFC 8445 §7.2.2", violation.Citation);
    }
}
