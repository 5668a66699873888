using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace IceSpec.Turn.Server;

/// <summary>What the server makes of a NONCE a request carries.</summary>
public enum TurnNonceStatus : byte
{
    Valid,
    /// <summary>Not one of ours, altered, issued to another client address, or past its expiry: answer 438 with a new NONCE (RFC 8489 §9.2.4).</summary>
    Stale,
}

/// <summary>
/// Stateless nonces with an expiry (RFC 8489 §9.2.4, §9.2.2): no table to grow, nothing to leak. A nonce is
/// <c>"obMatJos2"</c> + the 24 security-feature bits in base64 (the RFC 8489 §9.2 nonce cookie) + the expiry (hex
/// milliseconds of the core's clock) + a MAC (HMAC-SHA256, 12 bytes in hex) over the features, the expiry and the client's
/// IP address under a per-process secret. A nonce replayed from another address, altered, or expired is stale.
/// </summary>
public sealed class TurnNonceIssuer
{
    /// <summary>RFC 8489 §9.2: the nonce cookie that says the server speaks RFC 8489 and carries security feature bits.</summary>
    public const string Cookie = "obMatJos2";

    /// <summary>RFC 8489 §18.1 security feature bit 0: Password algorithms.</summary>
    public const int FeaturePasswordAlgorithms = 0x800000;

    private const int MacLength = 12;
    private const int ExpiryHexLength = 12;
    private const int FeaturesLength = 4;
    private readonly byte[] _secret;

    public TurnNonceIssuer(ReadOnlySpan<byte> secret, TimeSpan lifetime, bool passwordAlgorithms)
    {
        if (secret.Length < 16) throw new ArgumentException("The nonce secret needs at least 16 bytes.", nameof(secret));
        if (lifetime <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(lifetime));
        _secret = secret.ToArray();
        Lifetime = lifetime;
        Features = passwordAlgorithms ? FeaturePasswordAlgorithms : 0;
    }

    public TimeSpan Lifetime { get; }

    /// <summary>The security feature bits this server sets (RFC 8489 §9.2).</summary>
    public int Features { get; }

    public bool PasswordAlgorithms => (Features & FeaturePasswordAlgorithms) != 0;

    public static int Length => Cookie.Length + FeaturesLength + ExpiryHexLength + MacLength * 2;

    public string Issue(TimeSpan now, in TurnEndpoint client)
    {
        var expiry = (ulong)Math.Max(0, (now + Lifetime).Ticks / TimeSpan.TicksPerMillisecond);
        Span<byte> features = stackalloc byte[3];
        features[0] = (byte)(Features >> 16);
        features[1] = (byte)(Features >> 8);
        features[2] = (byte)Features;
        Span<byte> mac = stackalloc byte[MacLength];
        ComputeMac(features, expiry, client, mac);
        return string.Concat(Cookie, Convert.ToBase64String(features), expiry.ToString("x12", System.Globalization.CultureInfo.InvariantCulture), Convert.ToHexStringLower(mac));
    }

    /// <summary>Checks a NONCE value (UTF-8) against the client it came from; never throws.</summary>
    public TurnNonceStatus Check(ReadOnlySpan<byte> nonce, TimeSpan now, in TurnEndpoint client, out int features)
    {
        features = 0;
        if (nonce.Length != Length || !nonce.StartsWith(Encoding.ASCII.GetBytes(Cookie))) return TurnNonceStatus.Stale;
        var rest = nonce[Cookie.Length..];
        Span<char> chars = stackalloc char[FeaturesLength];
        for (var i = 0; i < FeaturesLength; i++) chars[i] = (char)rest[i];
        Span<byte> featureBytes = stackalloc byte[3];
        if (!Convert.TryFromBase64Chars(chars, featureBytes, out var written) || written != 3) return TurnNonceStatus.Stale;
        if (!TryParseHex(rest.Slice(FeaturesLength, ExpiryHexLength), out var expiry)) return TurnNonceStatus.Stale;
        Span<byte> received = stackalloc byte[MacLength];
        var macHex = rest.Slice(FeaturesLength + ExpiryHexLength, MacLength * 2);
        for (var i = 0; i < MacLength; i++)
        {
            if (!TryParseHex(macHex.Slice(i * 2, 2), out var b)) return TurnNonceStatus.Stale;
            received[i] = (byte)b;
        }
        Span<byte> expected = stackalloc byte[MacLength];
        ComputeMac(featureBytes, expiry, client, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, received)) return TurnNonceStatus.Stale;
        if ((ulong)Math.Max(0, now.Ticks / TimeSpan.TicksPerMillisecond) >= expiry) return TurnNonceStatus.Stale;
        features = (featureBytes[0] << 16) | (featureBytes[1] << 8) | featureBytes[2];
        return TurnNonceStatus.Valid;
    }

    private void ComputeMac(ReadOnlySpan<byte> features, ulong expiry, in TurnEndpoint client, Span<byte> destination)
    {
        Span<byte> input = stackalloc byte[3 + 8 + 1 + 16];
        features.CopyTo(input);
        BinaryPrimitives.WriteUInt64BigEndian(input[3..], expiry);
        input[11] = client.Family;
        BinaryPrimitives.WriteUInt64BigEndian(input[12..], client.High);
        BinaryPrimitives.WriteUInt64BigEndian(input[20..], client.Low);
        Span<byte> full = stackalloc byte[32];
        HMACSHA256.HashData(_secret, input, full);
        full[..destination.Length].CopyTo(destination);
    }

    private static bool TryParseHex(ReadOnlySpan<byte> hex, out ulong value)
    {
        value = 0;
        foreach (var c in hex)
        {
            int digit = c switch
            {
                >= (byte)'0' and <= (byte)'9' => c - '0',
                >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
                _ => -1,
            };
            if (digit < 0) return false;
            value = (value << 4) | (uint)digit;
        }
        return true;
    }
}
