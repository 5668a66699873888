using System.Net;
using IceSpec.Stun;
using IceSpec.Stun.Client;
using IceSpec.Turn.Client;

namespace IceSpec.Turn.Tests.Client;

/// <summary>The sans-IO Binding transaction on a virtual clock (RFC 8489 §6.2, §6.3).</summary>
[Trait("Category", "unit")]
public sealed class StunBindingTransactionTests
{
    private static readonly IPEndPoint Mapped = IPEndPoint.Parse("192.0.2.1:32853");

    private static (StunBindingTransaction Transaction, byte[] Request) Started(StunTransport transport = StunTransport.Unreliable)
    {
        var transaction = new StunBindingTransaction(transport, software: "test");
        transaction.Start(TimeSpan.Zero);
        Assert.True(transaction.TryPollTransmit(out var request));
        return (transaction, request.ToArray());
    }

    private static byte[] Response(byte[] request, StunClass cls, FakeTurnServer.Attributes attributes) =>
        FakeTurnServer.Build(request, cls, key: null, attributes);

    [Fact]
    public void The_request_is_a_Binding_request_with_SOFTWARE_and_FINGERPRINT()
    {
        var (_, request) = Started();
        var parsed = FakeTurnServer.Parse(request);
        Assert.Equal(new StunMessageType(StunMethods.Binding, StunClass.Request), parsed.Type);
        Assert.Equal("test", parsed.GetSoftwareString());
        Assert.Equal(IntegrityStatus.Valid, StunIntegrity.VerifyFingerprint(parsed));
        Assert.True(StunValidator.TryValidate(parsed, out _));
    }

    [Fact]
    public void A_success_gives_the_mapped_address_rtt_software_and_RFC_5780_attributes()
    {
        var (transaction, request) = Started();
        var origin = IPEndPoint.Parse("198.51.100.1:3478");
        var other = IPEndPoint.Parse("198.51.100.2:3479");
        var response = Response(request, StunClass.Success, (ref StunMessageBuilder b) =>
        {
            b.AddXorMappedAddress(new StunAddress(Mapped));
            b.AddResponseOrigin(new StunAddress(origin));
            b.AddOtherAddress(new StunAddress(other));
        });
        Assert.True(transaction.HandlePacket(TimeSpan.FromMilliseconds(12.5), response));
        Assert.Equal(StunBindingOutcome.Succeeded, transaction.Outcome);
        var result = transaction.Result!;
        Assert.Equal(Mapped, result.MappedAddress);
        Assert.Equal(TimeSpan.FromMilliseconds(12.5), result.RoundTripTime);
        Assert.Equal("fake", result.Software);
        Assert.Equal(origin, result.ResponseOrigin);
        Assert.Equal(other, result.OtherAddress);
        Assert.Null(transaction.PollTimeout());
    }

    [Fact]
    public void Another_transaction_and_a_bad_fingerprint_are_discarded()
    {
        var (transaction, request) = Started();
        var other = (byte[])request.Clone();
        other[10] ^= 1;
        Assert.False(transaction.HandlePacket(TimeSpan.Zero, Response(other, StunClass.Success, (ref StunMessageBuilder b) => b.AddXorMappedAddress(new StunAddress(Mapped)))));

        var corrupted = Response(request, StunClass.Success, (ref StunMessageBuilder b) => b.AddXorMappedAddress(new StunAddress(Mapped)));
        corrupted[^1] ^= 1;
        Assert.False(transaction.HandlePacket(TimeSpan.Zero, corrupted));
        Assert.Equal(2, transaction.Discarded);
        Assert.Contains("FINGERPRINT", transaction.LastDiscardReason);
        Assert.Equal(StunBindingOutcome.Pending, transaction.Outcome);
    }

    [Fact]
    public void A_success_without_XOR_MAPPED_ADDRESS_fails_with_the_rule()
    {
        var (transaction, request) = Started();
        Assert.True(transaction.HandlePacket(TimeSpan.Zero, Response(request, StunClass.Success, (ref StunMessageBuilder b) => b.AddMappedAddress(new StunAddress(Mapped)))));
        Assert.Equal(StunBindingOutcome.Failed, transaction.Outcome);
        Assert.Contains("RFC 8489 §6.3.1.1", transaction.Error!.Message);
    }

    [Fact]
    public void A_300_carries_the_alternate_server()
    {
        var (transaction, request) = Started();
        var alternate = IPEndPoint.Parse("192.0.2.50:3478");
        transaction.HandlePacket(TimeSpan.Zero, Response(request, StunClass.Error, (ref StunMessageBuilder b) =>
        {
            b.AddErrorCode(300, "Try Alternate");
            b.AddAlternateServer(new StunAddress(alternate));
        }));
        Assert.Equal(StunBindingOutcome.Failed, transaction.Outcome);
        Assert.Equal(300, transaction.Error!.ErrorCode);
        Assert.Equal(alternate, transaction.Error.AlternateServer);
    }

    [Fact]
    public void Over_UDP_the_request_is_retransmitted_then_the_transaction_times_out()
    {
        var (transaction, _) = Started();
        var sends = new List<double> { 0 };
        while (transaction.PollTimeout() is { } next)
        {
            transaction.HandleTimeout(next);
            while (transaction.TryPollTransmit(out _)) sends.Add(next.TotalMilliseconds);
        }
        Assert.Equal(new double[] { 0, 500, 1500, 3500, 7500, 15500, 31500 }, sends);
        Assert.Equal(StunBindingOutcome.TimedOut, transaction.Outcome);
        Assert.True(transaction.Error!.TimedOut);
        Assert.Equal(7, transaction.Transmissions);
    }

    [Fact]
    public void Over_TCP_the_request_is_sent_once()
    {
        var (transaction, _) = Started(StunTransport.Reliable);
        Assert.Equal(TimeSpan.FromMilliseconds(39500), transaction.PollTimeout());
        transaction.HandleTimeout(TimeSpan.FromMilliseconds(39500));
        Assert.False(transaction.TryPollTransmit(out _));
        Assert.Equal(StunBindingOutcome.TimedOut, transaction.Outcome);
    }
}
