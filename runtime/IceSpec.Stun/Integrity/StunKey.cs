using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading;

namespace IceSpec.Stun;

/// <summary>
/// The key of one credential (RFC 8489 §9): the short-term password, or the long-term MD5/SHA-256 key. It keeps a keyed
/// HMAC state per algorithm and reuses it (<see cref="KeyedHmac"/>): re-deriving the key pads for every message costs
/// ~1 µs with .NET's one-shot HMAC here. Safe to share between threads: a thread takes the kept state, or makes its own
/// if another thread holds it.
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

    /// <summary>Messages whose covered part is at most this long are hashed from one stack copy (see <see cref="Compute"/>).</summary>
    private const int StackCopyLimit = 1536;

    /// <summary>
    /// RFC 8489 §14.5: the HMAC covers the message up to the attribute, with the header's length field set as if the
    /// integrity attribute were the last one (attributes after it excluded, it included).
    /// </summary>
    /// <remarks>
    /// Each call into the native HMAC costs more than the SHA rounds of a STUN-sized message, so the covered bytes go in
    /// with one call: as they are when the length field already has the right value (a message being built, or one
    /// whose integrity attribute is last), else from a stack copy with the length field patched.
    /// </remarks>
    [SkipLocalsInit]
    private void Compute(ref KeyedHmac? slot, HashAlgorithmName algorithm, ReadOnlySpan<byte> message, int attributeOffset, int valueLength, Span<byte> destination)
    {
        var coveredLength = (ushort)(attributeOffset + StunHeader.AttributeHeaderLength + valueLength - StunHeader.Length);
        var hmac = Interlocked.Exchange(ref slot, null) ?? KeyedHmac.Create(algorithm, _key);
        if (BinaryPrimitives.ReadUInt16BigEndian(message[StunHeader.LengthOffset..]) == coveredLength)
        {
            hmac.Compute(message[..attributeOffset], destination);
        }
        else if (attributeOffset <= StackCopyLimit)
        {
            Span<byte> copy = stackalloc byte[StackCopyLimit];
            message[..attributeOffset].CopyTo(copy);
            BinaryPrimitives.WriteUInt16BigEndian(copy[StunHeader.LengthOffset..], coveredLength);
            hmac.Compute(copy[..attributeOffset], destination);
        }
        else
        {
            var copy = message[..attributeOffset].ToArray(); // rare: a message over 1.5 kB (STUN over TCP)
            BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(StunHeader.LengthOffset), coveredLength);
            hmac.Compute(copy, destination);
        }
        if (Interlocked.CompareExchange(ref slot, hmac, null) is not null) hmac.Dispose();
    }
}
