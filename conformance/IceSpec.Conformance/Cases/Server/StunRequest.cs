using System.Security.Cryptography;
using IceSpec.Stun;

namespace IceSpec.Conformance.Cases.Server;

/// <summary>Writes attributes into a message being built (the generated typed <c>AddX</c> accessors).</summary>
public delegate void AttributeWriter(ref StunMessageBuilder builder);

/// <summary>The long-term credential of one exchange (RFC 8489 §9.2): what the server's 401 gave, and the key.</summary>
public sealed record LongTermCredential(string Username, string Realm, string Nonce, StunKey Key);

/// <summary>Hand-made requests: any method, attributes, credentials, FINGERPRINT — malformed ones included.</summary>
public static class StunRequest
{
    private const int MaxLength = 1500;

    public static byte[] NewTransactionId() => RandomNumberGenerator.GetBytes(StunHeader.TransactionIdLength);

    /// <summary>
    /// A request of <paramref name="method"/>: <paramref name="attributes"/>, then with <paramref name="credential"/>
    /// USERNAME, REALM, NONCE and MESSAGE-INTEGRITY (§9.2.3.2), then <paramref name="afterIntegrity"/> (attributes a
    /// receiver must ignore, §9), then FINGERPRINT when asked.
    /// </summary>
    public static byte[] Build(ushort method, byte[] transactionId, AttributeWriter? attributes = null, LongTermCredential? credential = null,
        bool fingerprint = false, AttributeWriter? afterIntegrity = null, StunClass messageClass = StunClass.Request)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(method, messageClass), transactionId);
        attributes?.Invoke(ref builder);
        if (credential is not null)
        {
            builder.AddUsername(credential.Username);
            builder.AddRealm(credential.Realm);
            builder.AddNonce(credential.Nonce);
            builder.AddMessageIntegrity(credential.Key);
        }
        afterIntegrity?.Invoke(ref builder);
        if (fingerprint) builder.AddFingerprint();
        return builder.Written.ToArray();
    }
}
