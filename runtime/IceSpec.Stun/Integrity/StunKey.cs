using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading;

namespace IceSpec.Stun;

/// <summary>
/// The key of one credential (RFC 8489 §9): the short-term password, or the long-term MD5/SHA-256 key. It keeps at most
/// one keyed HMAC state per algorithm (SHA-1 for MESSAGE-INTEGRITY, SHA-256 for MESSAGE-INTEGRITY-SHA256), made on first
/// use and reused for every message (<see cref="KeyedHmac"/>): the key pads are hashed once per credential, not per
/// message. With OpenSSL that state is 256 bytes of managed memory per algorithm (nothing native, nothing to dispose), so
/// a key costs at most ~0.6 kB; how many keys exist is bounded by whoever caches them (one per ICE credential in the
/// agent; the TURN server's users, and at most 10,000 REST keys). Safe to share between threads.
/// </summary>
public sealed class StunKey
{
    private readonly byte[] _key;
    private KeyedHmac? _sha1;
    private KeyedHmac? _sha256;

    public StunKey(ReadOnlySpan<byte> key) => _key = key.ToArray();

    public ReadOnlySpan<byte> Bytes => _key;

    /// <summary>A short-term credential: the key is the password after OpaqueString (RFC 8489 §9.1.1).</summary>
    public static StunKey ShortTerm(string password) => new(System.Text.Encoding.UTF8.GetBytes(PasswordPreparation.OpaqueString(password)));

    /// <summary>
    /// A long-term credential (RFC 8489 §9.2.2): MD5(username ":" OpaqueString(realm) ":" OpaqueString(password)), or SHA-256 of the same
    /// with PASSWORD-ALGORITHM SHA-256. <paramref name="preparation"/> picks RFC 8489's OpaqueString or RFC 5389's SASLprep (§15.4).
    /// </summary>
    public static StunKey LongTerm(string username, string realm, string password,
        StunPasswordAlgorithm algorithm = StunPasswordAlgorithm.Md5, PasswordPreparation.Profile preparation = PasswordPreparation.Profile.OpaqueString)
    {
        var prepared = PasswordPreparation.Prepare(password, preparation);
        var realmPrepared = preparation == PasswordPreparation.Profile.OpaqueString ? PasswordPreparation.OpaqueString(realm) : realm;
        var input = System.Text.Encoding.UTF8.GetBytes(username + ":" + realmPrepared + ":" + prepared);
        return new StunKey(algorithm == StunPasswordAlgorithm.Sha256 ? SHA256.HashData(input) : MD5.HashData(input));
    }

    /// <summary>HMAC-SHA1 for a MESSAGE-INTEGRITY at <paramref name="attributeOffset"/> whose value is <paramref name="valueLength"/> bytes.</summary>
    public void ComputeSha1(ReadOnlySpan<byte> message, int attributeOffset, int valueLength, Span<byte> destination) =>
        Compute(ref _sha1, HashAlgorithmName.SHA1, message, attributeOffset, valueLength, destination);

    /// <summary>HMAC-SHA256 (32 bytes) for a MESSAGE-INTEGRITY-SHA256 at <paramref name="attributeOffset"/>.</summary>
    public void ComputeSha256(ReadOnlySpan<byte> message, int attributeOffset, int valueLength, Span<byte> destination) =>
        Compute(ref _sha256, HashAlgorithmName.SHA256, message, attributeOffset, valueLength, destination);

    /// <summary>
    /// RFC 8489 §14.5: the HMAC covers the message up to the attribute, with the header's length field set as if the
    /// integrity attribute were the last one (attributes after it excluded, it included). No copy of the message: when
    /// the length field already has that value (a message being built, or one whose integrity attribute is last) the
    /// covered bytes are hashed as they are; otherwise a copy of the 20-byte header with the length patched, then the
    /// rest in place.
    /// </summary>
    [SkipLocalsInit]
    private void Compute(ref KeyedHmac? slot, HashAlgorithmName algorithm, ReadOnlySpan<byte> message, int attributeOffset, int valueLength, Span<byte> destination)
    {
        var coveredLength = (ushort)(attributeOffset + StunHeader.AttributeHeaderLength + valueLength - StunHeader.Length);
        var hmac = slot ?? Keyed(ref slot, algorithm);
        if (BinaryPrimitives.ReadUInt16BigEndian(message[StunHeader.LengthOffset..]) == coveredLength)
        {
            hmac.Compute(message[..attributeOffset], default, destination);
            return;
        }
        Span<byte> header = stackalloc byte[StunHeader.Length];
        message[..StunHeader.Length].CopyTo(header);
        BinaryPrimitives.WriteUInt16BigEndian(header[StunHeader.LengthOffset..], coveredLength);
        hmac.Compute(header, message[StunHeader.Length..attributeOffset], destination);
    }

    /// <summary>The key's HMAC state for <paramref name="algorithm"/>, made on first use; a race makes two and keeps one.</summary>
    private KeyedHmac Keyed(ref KeyedHmac? slot, HashAlgorithmName algorithm) =>
        Interlocked.CompareExchange(ref slot, KeyedHmac.Create(algorithm, _key), null) ?? slot!;
}
