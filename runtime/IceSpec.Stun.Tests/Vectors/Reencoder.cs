namespace IceSpec.Stun.Tests.Vectors;

/// <summary>
/// Rebuilds a parsed message attribute by attribute from its typed values (generated accessors), with the padding
/// byte the original used, and recomputes MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT with the key.
/// </summary>
internal static class Reencoder
{
    public static byte[] Rebuild(ReadOnlySpan<byte> original, StunKey key)
    {
        Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(original, out var message));
        var buffer = new byte[original.Length + 64];
        var builder = new StunMessageBuilder(buffer, message.Type, message.TransactionId);
        foreach (var attribute in message.Attributes)
        {
            var padding = PaddingByte(original, attribute);
            switch (attribute.Type)
            {
                case StunAttributeTypes.Software:
                    Assert.True(message.TryGetSoftware(out var software));
                    builder.AddSoftware(System.Text.Encoding.UTF8.GetString(software), padding);
                    break;
                case StunAttributeTypes.Username:
                    Assert.True(message.TryGetUsername(out var username));
                    builder.AddUsername(System.Text.Encoding.UTF8.GetString(username), padding);
                    break;
                case StunAttributeTypes.Realm:
                    builder.AddRealm(message.GetRealmString()!, padding);
                    break;
                case StunAttributeTypes.Nonce:
                    builder.AddNonce(message.GetNonceString()!, padding);
                    break;
                case StunAttributeTypes.Priority:
                    Assert.True(message.TryGetPriority(out var priority));
                    builder.AddPriority(priority);
                    break;
                case StunAttributeTypes.IceControlled:
                    Assert.True(message.TryGetIceControlled(out var controlled));
                    builder.AddIceControlled(controlled);
                    break;
                case StunAttributeTypes.XorMappedAddress:
                    Assert.True(message.TryGetXorMappedAddress(out var mapped));
                    builder.AddXorMappedAddress(new StunAddress(mapped.ToEndPoint()));
                    break;
                case StunAttributeTypes.Userhash:
                    Assert.True(message.TryGetUserhash(out var userhash));
                    builder.AddUserhash(userhash);
                    break;
                case StunAttributeTypes.PasswordAlgorithm:
                    Assert.True(message.TryGetPasswordAlgorithm(out var algorithm));
                    builder.AddPasswordAlgorithm(new PasswordAlgorithmEntry(algorithm.Algorithm, algorithm.Parameters));
                    break;
                case StunAttributeTypes.MessageIntegrity:
                    builder.AddMessageIntegrity(key);
                    break;
                case StunAttributeTypes.MessageIntegritySha256:
                    builder.AddMessageIntegritySha256(key, attribute.Value.Length);
                    break;
                case StunAttributeTypes.Fingerprint:
                    builder.AddFingerprint();
                    break;
                default:
                    Assert.Fail($"the re-encoder does not know attribute 0x{attribute.Type:X4}");
                    break;
            }
        }
        return builder.Written.ToArray();
    }

    /// <summary>The value of the padding bytes after an attribute (0 when it has none).</summary>
    private static byte PaddingByte(ReadOnlySpan<byte> message, StunAttribute attribute)
    {
        var end = attribute.Offset + StunHeader.AttributeHeaderLength + attribute.Value.Length;
        return attribute.Value.Length % 4 == 0 ? (byte)0 : message[end];
    }
}
