using System.Net;
using CsCheck;

namespace IceSpec.Stun.Tests.Codec;

/// <summary>Build → parse round-trips: whatever typed values go in come out, integrity and fingerprint verify.</summary>
[Trait("Category", "unit")]
public sealed class RoundTripPropertyTests
{
    private sealed record Input(
        byte[] TransactionId, string Username, string Password, uint Priority, ulong TieBreaker, bool Controlling,
        bool UseCandidate, string Software, byte[] Address, ushort Port, int ErrorCode, bool Sha256);

    private static readonly Gen<string> Text = Gen.String[Gen.Char['a', 'z'], 1, 40].Select(Gen.String[Gen.Char['\u00e0', '\u00ff'], 0, 5], (a, b) => a + b);

    private static readonly Gen<Input> Inputs =
        from transactionId in Gen.Byte.Array[12]
        from username in Text
        from password in Gen.String[Gen.Char['!', '~'], 1, 30]
        from priority in Gen.UInt
        from tieBreaker in Gen.ULong
        from controlling in Gen.Bool
        from useCandidate in Gen.Bool
        from software in Text
        from address in Gen.OneOf(Gen.Byte.Array[4], Gen.Byte.Array[16])
        from port in Gen.UShort
        from errorCode in Gen.Int[300, 699]
        from sha256 in Gen.Bool
        select new Input(transactionId, username, password, priority, tieBreaker, controlling, useCandidate, software, address, port, errorCode, sha256);

    [Fact]
    public void Ice_check_request_round_trips() => Inputs.Sample(input =>
    {
        var key = StunKey.ShortTerm(input.Password);
        var buffer = new byte[512];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), input.TransactionId);
        builder.AddSoftware(input.Software);
        builder.AddUsername(input.Username);
        builder.AddPriority(input.Priority);
        if (input.Controlling) builder.AddIceControlling(input.TieBreaker); else builder.AddIceControlled(input.TieBreaker);
        if (input.UseCandidate && input.Controlling) builder.AddUseCandidate();
        builder.AddMessageIntegrity(key); // RFC 8445 §7.2.2: ICE checks carry MESSAGE-INTEGRITY
        if (input.Sha256) builder.AddMessageIntegritySha256(key); // allowed after it (RFC 8489 §14.5), and preferred by receivers
        builder.AddFingerprint();

        var result = StunMessageChecker.Check(builder.Written, key, out var message, StunValidator.Profile.IceCheck);
        Assert.Equal(StunCheckOutcome.Valid, result.Outcome);
        Assert.Equal(input.TransactionId, message.TransactionId.ToArray());
        Assert.Equal(input.Software, message.GetSoftwareString());
        Assert.Equal(input.Username, message.GetUsernameString());
        Assert.True(message.TryGetPriority(out var priority) && priority == input.Priority);
        ulong tieBreaker = 0;
        Assert.True(input.Controlling ? message.TryGetIceControlling(out tieBreaker) : message.TryGetIceControlled(out tieBreaker));
        Assert.Equal(input.TieBreaker, tieBreaker);
        Assert.Equal(input.UseCandidate && input.Controlling, message.HasUseCandidate());
    });

    [Fact]
    public void Responses_round_trip() => Inputs.Sample(input =>
    {
        var endPoint = new IPEndPoint(new IPAddress(input.Address), input.Port);
        var buffer = new byte[512];
        var success = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Success), input.TransactionId);
        success.AddXorMappedAddress(new StunAddress(endPoint));
        success.AddMappedAddress(new StunAddress(endPoint));
        success.AddFingerprint();
        Assert.Equal(StunCheckOutcome.Valid, StunMessageChecker.Check(success.Written, null, out var message).Outcome);
        Assert.True(message.TryGetXorMappedAddress(out var xorMapped));
        Assert.True(message.TryGetMappedAddress(out var mapped));
        Assert.Equal(endPoint, xorMapped.ToEndPoint());
        Assert.Equal(endPoint, mapped.ToEndPoint());

        var error = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Error), input.TransactionId);
        error.AddErrorCode(input.ErrorCode, input.Software);
        error.AddUnknownAttributes([0x7F00, (ushort)input.Port]);
        Assert.Equal(StunCheckOutcome.Valid, StunMessageChecker.Check(error.Written, null, out message).Outcome);
        Assert.True(message.TryGetErrorCode(out var code, out var reason));
        Assert.Equal(input.ErrorCode, code);
        Assert.Equal(input.Software, System.Text.Encoding.UTF8.GetString(reason));
        Assert.True(message.TryGetUnknownAttributes(out var unknown));
        Assert.Equal(2, unknown.Count);
        Assert.Equal(input.Port, unknown[1]);
    });

    [Fact]
    public void Random_bytes_never_throw() => Gen.Byte.Array[0, 120].Sample(bytes =>
    {
        StunMessageChecker.Check(bytes, StunKey.ShortTerm("x"), out _);
        StunMessageChecker.Check(bytes, null, out _, StunValidator.Profile.IceCheck);
    }, iter: 20000);

    [Fact]
    public void Random_attributes_after_a_valid_header_never_throw() => Gen.Byte.Array[0, 100].Select(b => b.Length - b.Length % 4 is var n ? b[..n] : b).Sample(body =>
    {
        var bytes = new byte[20 + body.Length];
        bytes[1] = 0x01;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2), (ushort)body.Length);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(4), StunHeader.MagicCookie);
        body.CopyTo(bytes, 20);
        StunMessageChecker.Check(bytes, StunKey.ShortTerm("x"), out _, StunValidator.Profile.IceCheck);
    }, iter: 20000);

    [Fact]
    public void Address_equality_and_hashing_use_the_whole_address()
    {
        var a = new StunAddress(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 3478));
        var b = new StunAddress(new IPEndPoint(IPAddress.Parse("10.0.0.2"), 3478));
        Assert.NotEqual(a, b);
        Assert.NotEqual(a.GetHashCode(), b.GetHashCode());
        Assert.Equal(a, new StunAddress(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 3478)));
        Assert.Equal(a.GetHashCode(), new StunAddress(new IPEndPoint(IPAddress.Parse("10.0.0.1"), 3478)).GetHashCode());
    }
}
