using System.Security.Cryptography;
using IceSpec.Stun;

namespace IceSpec.Captures.Replay;

/// <summary>
/// Makes a captured request new again for a live target: a fresh transaction ID (RFC 8489 §6.2: each new request gets
/// one), XOR'ed addresses re-encoded for it (§14.2: the XOR covers the transaction ID for IPv6), the NONCE the target
/// last handed out instead of the captured one (§9.2.4), the given <c>username</c> instead of the captured USERNAME
/// when given (an ICE agent started for the replay has a ufrag of its own), and MESSAGE-INTEGRITY(-SHA256) (§14.5,
/// §14.6) and FINGERPRINT (§14.7) computed again with the given <c>key</c> — or left out when there is no key.
/// </summary>
public static class RequestRewriter
{
    public static byte[] Rewrite(byte[] captured, StunKey? key, byte[]? nonce, string? username, out byte[] transactionId)
    {
        StunMessage.TryParse(captured, out var message);
        transactionId = RandomNumberGenerator.GetBytes(StunHeader.TransactionIdLength);
        var buffer = new byte[captured.Length + 128 + (username?.Length * 4 ?? 0)];
        var builder = new StunMessageBuilder(buffer, message.Type, transactionId);
        bool integrity = false, integritySha256 = false, fingerprint = false;
        foreach (var attribute in message.Attributes)
        {
            switch (attribute.Type)
            {
                case StunAttributeTypes.MessageIntegrity: integrity = true; continue;
                case StunAttributeTypes.MessageIntegritySha256: integritySha256 = true; continue;
                case StunAttributeTypes.Fingerprint: fingerprint = true; continue;
                case StunAttributeTypes.Nonce when nonce is not null: builder.Add(attribute.Type, nonce); continue;
                case StunAttributeTypes.Username when username is not null: builder.Add(attribute.Type, System.Text.Encoding.UTF8.GetBytes(username)); continue;
            }
            if (StunAttributeRegistry.TryGet(attribute.Type, out var info) && info.Format == "xor-address" &&
                StunAddress.TryRead(attribute.Value, xor: true, message.TransactionId, out var address))
            {
                var value = builder.Reserve(attribute.Type, address.EncodedLength);
                address.Write(value, xor: true, transactionId);
                continue;
            }
            builder.Add(attribute.Type, attribute.Value);
        }
        if (key is not null && integrity) builder.AddMessageIntegrity(key);
        if (key is not null && integritySha256) builder.AddMessageIntegritySha256(key);
        if (fingerprint) builder.AddFingerprint();
        return builder.Written.ToArray();
    }
}
