using System.Buffers.Binary;
using System.Buffers.Text;
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
/// <c>"obMatJos2"</c> + the 24 security-feature bits in base64 (the RFC 8489 §9.2 nonce cookie) + base64url of the
/// expiry (32-bit seconds of the core's clock) and a MAC (HMAC-SHA256 truncated to 7 bytes) over the features, the
/// expiry and the client's IP address under a per-process secret: 28 characters, so that the 401 to a minimal Allocate
/// (28 bytes) is at most 3× its size with a realm of up to 8 characters. A nonce replayed from another address, altered, or expired is stale.
/// </summary>
public sealed class TurnNonceIssuer
{
    /// <summary>RFC 8489 §9.2: the nonce cookie that says the server speaks RFC 8489 and carries security feature bits.</summary>
    public const string Cookie = "obMatJos2";

    /// <summary>RFC 8489 §18.1 security feature bit 0: Password algorithms.</summary>
    public const int FeaturePasswordAlgorithms = 0x800000;

    /// <summary>
    /// 56 bits: a nonce is only valid from one address for its lifetime, so forging one takes 2^56 online guesses (at the
    /// default unauthenticated-rate of 100/s per source, 22 million years), and a forged nonce still needs the user's key.
    /// </summary>
    private const int MacLength = 7;
    /// <summary>The expiry in seconds of the core's clock, 32 bits (136 years).</summary>
    private const int ExpiryLength = 4;
    /// <summary>
    /// Expiry and MAC, 11 bytes, in unpadded base64url (RFC 4648 §5): 15 characters. The last one carries 2 unused bits;
    /// <see cref="Base64Url"/> refuses them set, so a nonce has one spelling.
    /// </summary>
    private static readonly int TokenLength = Base64Url.GetEncodedLength(ExpiryLength + MacLength);
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

    /// <summary>28 characters: every 401 carries one, so it is kept short (issue 13: the 401 is what a spoofed request reflects).</summary>
    public static int Length => Cookie.Length + FeaturesLength + TokenLength;

    public string Issue(TimeSpan now, in TurnEndpoint client)
    {
        var expiry = (ulong)Math.Max(0, (now + Lifetime).Ticks / TimeSpan.TicksPerSecond);
        Span<byte> features = stackalloc byte[3];
        features[0] = (byte)(Features >> 16);
        features[1] = (byte)(Features >> 8);
        features[2] = (byte)Features;
        Span<byte> token = stackalloc byte[ExpiryLength + MacLength];
        WriteExpiry(expiry, token);
        ComputeMac(features, expiry, client, token[ExpiryLength..]);
        return string.Concat(Cookie, Convert.ToBase64String(features), Base64Url.EncodeToString(token));
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
        Span<byte> token = stackalloc byte[ExpiryLength + MacLength];
        if (Base64Url.DecodeFromUtf8(rest[FeaturesLength..], token, out _, out var decoded) != System.Buffers.OperationStatus.Done || decoded != token.Length)
            return TurnNonceStatus.Stale;
        var expiry = ReadExpiry(token);
        Span<byte> expected = stackalloc byte[MacLength];
        ComputeMac(featureBytes, expiry, client, expected);
        if (!CryptographicOperations.FixedTimeEquals(expected, token[ExpiryLength..])) return TurnNonceStatus.Stale;
        if ((ulong)Math.Max(0, now.Ticks) >= expiry * TimeSpan.TicksPerSecond) return TurnNonceStatus.Stale;
        features = (featureBytes[0] << 16) | (featureBytes[1] << 8) | featureBytes[2];
        return TurnNonceStatus.Valid;
    }

    private static void WriteExpiry(ulong expiry, Span<byte> destination)
    {
        for (var i = 0; i < ExpiryLength; i++) destination[i] = (byte)(expiry >> (8 * (ExpiryLength - 1 - i)));
    }

    private static ulong ReadExpiry(ReadOnlySpan<byte> source)
    {
        ulong expiry = 0;
        for (var i = 0; i < ExpiryLength; i++) expiry = (expiry << 8) | source[i];
        return expiry;
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
}
