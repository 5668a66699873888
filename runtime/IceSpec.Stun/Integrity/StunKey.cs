using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Threading;

namespace IceSpec.Stun;

/// <summary>
/// The key of one credential (RFC 8489 §9): the short-term password, or the long-term MD5/SHA-256 key. It keeps a keyed
/// HMAC state per algorithm and reuses it: .NET's one-shot HMAC re-derives the key pads every call (~1 µs for a small
/// message here); a kept <see cref="IncrementalHash"/> costs about half. Safe to share between threads: a thread takes the
/// kept state, or makes its own if another thread holds it.
/// </summary>
public sealed class StunKey
{
    private readonly byte[] _key;
    private IncrementalHash? _sha1;
    private IncrementalHash? _sha256;

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
    /// Each call into .NET's HMAC crosses into the native library (OpenSSL on Linux), and that crossing, not the
    /// SHA rounds, dominates for STUN-sized messages (~120 ns per AppendData here). So the covered bytes go in with
    /// one AppendData: as they are when the length field already has the right value (a message being built, or one
    /// whose integrity attribute is last), else from a stack copy with the length field patched.
    /// </remarks>
    [SkipLocalsInit]
    private void Compute(ref IncrementalHash? slot, HashAlgorithmName algorithm, ReadOnlySpan<byte> message, int attributeOffset, int valueLength, Span<byte> destination)
    {
        var coveredLength = (ushort)(attributeOffset + StunHeader.AttributeHeaderLength + valueLength - StunHeader.Length);
        var hmac = Interlocked.Exchange(ref slot, null) ?? IncrementalHash.CreateHMAC(algorithm, _key);
        if (BinaryPrimitives.ReadUInt16BigEndian(message[StunHeader.LengthOffset..]) == coveredLength)
        {
            hmac.AppendData(message[..attributeOffset]);
        }
        else if (attributeOffset <= StackCopyLimit)
        {
            Span<byte> copy = stackalloc byte[StackCopyLimit];
            message[..attributeOffset].CopyTo(copy);
            BinaryPrimitives.WriteUInt16BigEndian(copy[StunHeader.LengthOffset..], coveredLength);
            hmac.AppendData(copy[..attributeOffset]);
        }
        else
        {
            Span<byte> header = stackalloc byte[StunHeader.Length];
            message[..StunHeader.Length].CopyTo(header);
            BinaryPrimitives.WriteUInt16BigEndian(header[StunHeader.LengthOffset..], coveredLength);
            hmac.AppendData(header);
            hmac.AppendData(message[StunHeader.Length..attributeOffset]);
        }
        hmac.GetHashAndReset(destination);
        if (Interlocked.CompareExchange(ref slot, hmac, null) is not null) hmac.Dispose();
    }
}
