using System.Net;
using IceSpec.Stun;

namespace IceSpec.Turn.Tests.Client;

/// <summary>
/// Answers for the sans-IO client tests, built with the same generated accessors a server would use: 401/438
/// challenges, authenticated successes and errors. Only what a test asks for, in the order it asks.
/// </summary>
internal sealed class FakeTurnServer
{
    public const string Username = "alice";
    public const string Password = "secret";
    public const string Realm = "example.org";

    public StunKey Key { get; } = StunKey.LongTerm(Username, Realm, Password);

    public static byte[] Copy(ReadOnlyMemory<byte> message) => message.ToArray();

    public static StunMessage Parse(byte[] message)
    {
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(message, out var parsed));
        return parsed;
    }

    /// <summary>401 with REALM and NONCE (RFC 8489 §9.2.4), no integrity.</summary>
    public byte[] Unauthorized(byte[] request, string nonce) =>
        Build(request, StunClass.Error, key: null, (ref StunMessageBuilder b) =>
        {
            b.AddErrorCode(401, "Unauthorized");
            b.AddRealm(Realm.AsSpan());
            b.AddNonce(nonce.AsSpan());
        });

    /// <summary>438 with the new NONCE (RFC 8489 §9.2.4).</summary>
    public byte[] StaleNonce(byte[] request, string nonce) =>
        Build(request, StunClass.Error, key: null, (ref StunMessageBuilder b) =>
        {
            b.AddErrorCode(438, "Stale Nonce");
            b.AddRealm(Realm.AsSpan());
            b.AddNonce(nonce.AsSpan());
        });

    public byte[] AllocateSuccess(byte[] request, uint lifetime, IPEndPoint mapped, params IPEndPoint[] relayed) =>
        Build(request, StunClass.Success, Key, (ref StunMessageBuilder b) =>
        {
            foreach (var address in relayed) b.AddXorRelayedAddress(new StunAddress(address));
            b.AddLifetime(lifetime);
            b.AddXorMappedAddress(new StunAddress(mapped));
        });

    public byte[] RefreshSuccess(byte[] request, uint lifetime) =>
        Build(request, StunClass.Success, Key, (ref StunMessageBuilder b) => b.AddLifetime(lifetime));

    public byte[] Success(byte[] request, StunKey? key = null) => Build(request, StunClass.Success, key ?? Key, null);

    public byte[] Error(byte[] request, int code, string reason, Attributes? more = null) =>
        Build(request, StunClass.Error, Key, (ref StunMessageBuilder b) =>
        {
            b.AddErrorCode(code, reason.AsSpan());
            more?.Invoke(ref b);
        });

    public delegate void Attributes(ref StunMessageBuilder builder);

    public static byte[] Build(byte[] request, StunClass cls, StunKey? key, Attributes? attributes)
    {
        var parsed = Parse(request);
        var buffer = new byte[1500];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(parsed.Method, cls), parsed.TransactionId);
        attributes?.Invoke(ref builder);
        builder.AddSoftware("fake".AsSpan());
        if (key is not null) builder.AddMessageIntegrity(key);
        builder.AddFingerprint();
        return buffer[..builder.Length];
    }

    /// <summary>A Data indication from <paramref name="peer"/> (RFC 8656 §11.3).</summary>
    public static byte[] DataIndication(IPEndPoint peer, byte[] data)
    {
        var buffer = new byte[1500];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(TurnMethods.Data, StunClass.Indication), new byte[12]);
        builder.AddXorPeerAddress(new StunAddress(peer));
        builder.AddData(data);
        builder.AddFingerprint();
        return buffer[..builder.Length];
    }
}
