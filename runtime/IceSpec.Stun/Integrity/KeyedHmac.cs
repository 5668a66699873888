using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using System.Threading;

namespace IceSpec.Stun;

/// <summary>
/// An HMAC (RFC 2104) whose key is processed once per credential and reused for every message. Two implementations:
/// <list type="bullet">
/// <item><see cref="PadStateHmac"/> (Linux, libcrypto.so.3, the library .NET's own crypto uses there): the SHA state
/// after the inner pad (key ⊕ ipad) and after the outer pad (key ⊕ opad) is computed once and kept; a message costs
/// copying the inner state, hashing the message, copying the outer state, hashing the inner digest — the compression
/// blocks of the message plus one, OpenSSL's SHA-NI code, plain calls and nothing allocated or freed. SHA-1 messages up
/// to 2 kB go block by block (SHA1_Transform, the padding done here): no context copies or buffering beyond that.</item>
/// <item><see cref="ManagedHmac"/> elsewhere, or with ICESPEC_MANAGED_HMAC=1: a kept .NET <see cref="IncrementalHash"/>.</item>
/// </list>
/// The measurements that chose this (OpenSSL HMAC_CTX re-initialised per message, .NET's IncrementalHash, HMACSHA1,
/// IncrementalHash.Clone) are in runtime/IceSpec.Stun.Benchmarks (HmacOptionsBenchmarks, RESULTS.md).
/// </summary>
internal abstract class KeyedHmac
{
    public static KeyedHmac Create(HashAlgorithmName algorithm, ReadOnlySpan<byte> key) =>
        PadStateHmac.IsAvailable ? new PadStateHmac(algorithm, key) : new ManagedHmac(algorithm, key.ToArray());

    /// <summary>Digest length in bytes (20 or 32).</summary>
    public abstract int Length { get; }

    /// <summary>
    /// HMAC of <paramref name="head"/> followed by <paramref name="rest"/> into the first <see cref="Length"/> bytes of
    /// <paramref name="destination"/>. Two parts, so that a message whose length field must differ is hashed without
    /// copying it: a patched copy of its 20-byte header, then the rest in place. Safe to call from many threads at once.
    /// </summary>
    public abstract void Compute(ReadOnlySpan<byte> head, ReadOnlySpan<byte> rest, Span<byte> destination);

    /// <summary>.NET's HMAC, one kept instance (a thread finding it taken makes its own and drops it after).</summary>
    internal sealed class ManagedHmac(HashAlgorithmName algorithm, byte[] key) : KeyedHmac
    {
        private IncrementalHash? _kept;

        public override int Length { get; } = algorithm == HashAlgorithmName.SHA256 ? 32 : 20;

        public override void Compute(ReadOnlySpan<byte> head, ReadOnlySpan<byte> rest, Span<byte> destination)
        {
            var hash = Interlocked.Exchange(ref _kept, null) ?? IncrementalHash.CreateHMAC(algorithm, key);
            hash.AppendData(head);
            if (!rest.IsEmpty) hash.AppendData(rest);
            hash.GetHashAndReset(destination);
            if (Interlocked.CompareExchange(ref _kept, hash, null) is not null) hash.Dispose();
        }
    }
}

/// <summary>
/// RFC 2104 HMAC over OpenSSL's SHA-1/SHA-256 with the two pad states kept (see <see cref="KeyedHmac"/>). The states are
/// OpenSSL's public <c>SHA_CTX</c> (96 bytes) and <c>SHA256_CTX</c> (112 bytes), plain structs that hold no pointer and
/// may be copied byte for byte; they live in this object (managed memory, nothing native to free), are written once in
/// the constructor and only read afterwards, so one instance serves any number of threads without locking.
/// </summary>
internal sealed unsafe partial class PadStateHmac : KeyedHmac
{
    private const string Library = "libcrypto.so.3";
    /// <summary>Room for either context (≥ sizeof(SHA256_CTX) = 112 = 28 × 4 bytes, the larger).</summary>
    private const int ContextSize = 128;
    /// <summary>RFC 2104 §2: B, the block size of SHA-1 and SHA-256.</summary>
    private const int BlockSize = 64;
    /// <summary>
    /// Up to this many message bytes the SHA calls skip the GC transition (<see cref="SuppressGCTransitionAttribute"/>:
    /// only for calls well under a microsecond; SHA-NI hashes 2 kB in about that). Longer messages (STUN over TCP may be
    /// 64 kB) take the ordinary calls.
    /// </summary>
    private const int FastCallLimit = 2048;
    /// <summary>SHA-1's chaining value h0..h4 (RFC 3174 §6.1): the first 20 bytes of OpenSSL's SHA_CTX; also the digest length.</summary>
    private const int Sha1ChainLength = 20;
    private const int Sha1Length = Sha1ChainLength;

    public static readonly bool IsAvailable = Probe();

    private readonly bool _sha256;
    /// <summary>The inner state (after key ⊕ ipad) at 0, the outer (after key ⊕ opad) at <see cref="ContextSize"/>.</summary>
    private readonly byte[] _states = new byte[2 * ContextSize];

    public PadStateHmac(HashAlgorithmName algorithm, ReadOnlySpan<byte> key)
    {
        _sha256 = algorithm == HashAlgorithmName.SHA256 ? true : algorithm == HashAlgorithmName.SHA1 ? false
            : throw new ArgumentException($"Unsupported HMAC algorithm {algorithm}.", nameof(algorithm));
        Length = _sha256 ? 32 : 20;
        // RFC 2104 §2: a key longer than B is hashed first; then it is zero-padded to B bytes.
        Span<byte> padded = stackalloc byte[BlockSize];
        padded.Clear();
        if (key.Length > BlockSize)
        {
            if (_sha256) SHA256.HashData(key, padded);
            else SHA1.HashData(key, padded);
        }
        else key.CopyTo(padded);
        Span<byte> pad = stackalloc byte[BlockSize];
        fixed (byte* states = _states)
        fixed (byte* p = pad)
        {
            for (var i = 0; i < BlockSize; i++) pad[i] = (byte)(padded[i] ^ 0x36);   // ipad
            Start(states, p);
            for (var i = 0; i < BlockSize; i++) pad[i] = (byte)(padded[i] ^ 0x5c);   // opad
            Start(states + ContextSize, p);
        }
        CryptographicOperations.ZeroMemory(padded);
        CryptographicOperations.ZeroMemory(pad);
    }

    public override int Length { get; }

    private void Start(byte* context, byte* pad)
    {
        var ok = _sha256 ? SHA256_Init(context) & SHA256_Update(context, pad, BlockSize) : SHA1_Init(context) & SHA1_Update(context, pad, BlockSize);
        if (ok != 1) throw new CryptographicException("OpenSSL SHA init failed.");
    }

    [SkipLocalsInit]
    public override void Compute(ReadOnlySpan<byte> head, ReadOnlySpan<byte> rest, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Length, nameof(destination));
        if (!_sha256 && head.Length + rest.Length <= FastCallLimit)
        {
            ComputeSha1ByBlocks(head, rest, destination);
            return;
        }
        var work = stackalloc byte[ContextSize];
        var inner = stackalloc byte[32];
        int ok;
        fixed (byte* states = _states)
        fixed (byte* h = head)
        fixed (byte* r = rest)
        fixed (byte* d = destination)
        {
            Unsafe.CopyBlockUnaligned(work, states, ContextSize);
            if (head.Length + rest.Length <= FastCallLimit)
                ok = _sha256
                    ? SHA256_Update(work, h, (nuint)head.Length) & SHA256_Update(work, r, (nuint)rest.Length) & SHA256_Final(inner, work)
                    : SHA1_Update(work, h, (nuint)head.Length) & SHA1_Update(work, r, (nuint)rest.Length) & SHA1_Final(inner, work);
            else
                ok = _sha256
                    ? SHA256_UpdateLong(work, h, (nuint)head.Length) & SHA256_UpdateLong(work, r, (nuint)rest.Length) & SHA256_Final(inner, work)
                    : SHA1_UpdateLong(work, h, (nuint)head.Length) & SHA1_UpdateLong(work, r, (nuint)rest.Length) & SHA1_Final(inner, work);
            Unsafe.CopyBlockUnaligned(work, states + ContextSize, ContextSize);
            ok &= _sha256
                ? SHA256_Update(work, inner, 32) & SHA256_Final(d, work)
                : SHA1_Update(work, inner, 20) & SHA1_Final(d, work);
        }
        if (ok != 1) throw new CryptographicException("OpenSSL SHA failed.");
    }

    /// <summary>
    /// HMAC-SHA1 of a message up to <see cref="FastCallLimit"/> bytes (every STUN check) block by block: the kept pad
    /// states' chaining values (h0..h4, the first 20 bytes of a SHA_CTX) copied into a work context, the message's whole
    /// 64-byte blocks hashed in place by SHA1_Transform, its last bytes with the padding and the length (RFC 3174 §4:
    /// 0x80, zeros to 56 mod 64, the length in bits, the pad block counted, as 64 bits big-endian) in a block on the stack,
    /// then the outer hash's single block: the inner digest and its padding. The same compressions as SHA1_Update and
    /// SHA1_Final (two for a 76-byte check, one for the outer hash) without copying whole contexts, OpenSSL's buffering of
    /// partial blocks or the clearing of its buffer. The padding, the lengths and the one block that straddles
    /// <paramref name="head"/> and <paramref name="rest"/> are written before the first compression, and the inner digest
    /// is stored 16 bytes at once, so that the SHA code's 16-byte loads do not wait on narrower stores still in flight.
    /// RFC 5769's vectors and KeyedHmacTests (every padding boundary, every split) check it against .NET's HMAC.
    /// </summary>
    [SkipLocalsInit]
    private void ComputeSha1ByBlocks(ReadOnlySpan<byte> head, ReadOnlySpan<byte> rest, Span<byte> destination)
    {
        var total = head.Length + rest.Length;
        var whole = total & ~(BlockSize - 1);                  // bytes hashed as whole blocks
        var work = stackalloc byte[ContextSize];
        var last = stackalloc byte[2 * BlockSize];            // the inner hash's last one or two blocks
        var straddling = stackalloc byte[BlockSize];          // the whole block across head and rest, if there is one
        var outer = stackalloc byte[BlockSize];               // the outer hash's block
        fixed (byte* states = _states)
        fixed (byte* h = head)
        fixed (byte* r = rest)
        fixed (byte* d = destination)
        {
            var lastBlocks = Pad(last, total - whole, BlockSize + total);
            CopyFrom(last, whole, total - whole, h, head.Length, r);
            var straddleAt = head.Length & ~(BlockSize - 1);  // the block holding head's last byte straddles when rest goes on within it
            if (straddleAt != head.Length && straddleAt + BlockSize <= whole) CopyFrom(straddling, straddleAt, BlockSize, h, head.Length, r);
            Pad(outer, Sha1Length, BlockSize + Sha1Length);
            Unsafe.CopyBlockUnaligned(work, states, Sha1ChainLength);

            for (var at = 0; at < whole; at += BlockSize)
                SHA1_Transform(work, at + BlockSize <= head.Length ? h + at : at >= head.Length ? r + (at - head.Length) : straddling);
            SHA1_Transform(work, last);
            if (lastBlocks == 2) SHA1_Transform(work, last + BlockSize);

            Sha1Digest(work, outer);
            Unsafe.CopyBlockUnaligned(work, states + ContextSize, Sha1ChainLength);
            SHA1_Transform(work, outer);
            Sha1Digest(work, d);
        }
    }

    /// <summary>Bytes [<paramref name="from"/>, +<paramref name="count"/>) of head followed by rest, into <paramref name="to"/>.</summary>
    private static void CopyFrom(byte* to, int from, int count, byte* head, int headLength, byte* rest)
    {
        var fromHead = Math.Clamp(headLength - from, 0, count);
        Unsafe.CopyBlockUnaligned(to, head + from, (uint)fromHead);
        Unsafe.CopyBlockUnaligned(to + fromHead, rest + Math.Max(from - headLength, 0), (uint)(count - fromHead));
    }

    /// <summary>
    /// RFC 3174 §4's padding after the first <paramref name="kept"/> bytes of <paramref name="block"/> (copied in
    /// afterwards): 0x80, zeros, and <paramref name="hashedLength"/> in bits; returns the number of blocks it takes (1 or 2).
    /// The zeros are whole 16-byte stores over the block(s), made first: a <c>Span.Clear</c> of the gap (what this did
    /// until 2026-12-07) made the SHA code's loads of the block wait ~157 ns on an Intel Xeon (Emerald Rapids), where
    /// 16-byte stores cost 3 ns (runtime/IceSpec.Stun.Benchmarks/RESULTS.md, round 5).
    /// </summary>
    private static int Pad(byte* block, int kept, int hashedLength)
    {
        var blocks = kept < BlockSize - sizeof(ulong) ? 1 : 2;
        var end = blocks * BlockSize;
        for (var at = 0; at < end; at += Vector128<byte>.Count) Vector128<byte>.Zero.Store(block + at);
        block[kept] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(new Span<byte>(block + end - sizeof(ulong), sizeof(ulong)), (ulong)hashedLength * 8);
        return blocks;
    }

    /// <summary>The digest: h0..h4 (host-order 32-bit words in the SHA_CTX) big-endian, h0..h3 in one 16-byte store.</summary>
    private static void Sha1Digest(byte* context, byte* digest)
    {
        var words = Vector128.Load((uint*)context);
        (BitConverter.IsLittleEndian ? Vector128.Shuffle(words.AsByte(), ByteSwap) : words.AsByte()).Store(digest);
        BinaryPrimitives.WriteUInt32BigEndian(new Span<byte>(digest + 4 * sizeof(uint), sizeof(uint)), ((uint*)context)[4]);
    }

    private static readonly Vector128<byte> ByteSwap = Vector128.Create((byte)3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);

    private static bool Probe()
    {
        if (Environment.GetEnvironmentVariable("ICESPEC_MANAGED_HMAC") == "1" || !OperatingSystem.IsLinux()) return false;
        if (!NativeLibrary.TryLoad(Library, out var library)) return false;
        foreach (var name in (ReadOnlySpan<string>)["SHA1_Init", "SHA1_Update", "SHA1_Final", "SHA1_Transform", "SHA256_Init", "SHA256_Update", "SHA256_Final"])
            if (!NativeLibrary.TryGetExport(library, name, out _)) return false;
        return true;
    }

    // OpenSSL 3's SHA1_*/SHA256_* (declared deprecated in its headers, exported by libcrypto.so.3 for the whole 3.x ABI).
    // SHA1_Update(NULL-length) is a no-op returning 1. Calls on at most FastCallLimit bytes skip the GC transition.
    [LibraryImport(Library), SuppressGCTransition] private static partial int SHA1_Init(byte* context);
    [LibraryImport(Library), SuppressGCTransition] private static partial int SHA1_Update(byte* context, byte* data, nuint length);
    [LibraryImport(Library, EntryPoint = "SHA1_Update")] private static partial int SHA1_UpdateLong(byte* context, byte* data, nuint length);
    [LibraryImport(Library), SuppressGCTransition] private static partial int SHA1_Final(byte* digest, byte* context);
    /// <summary>One 64-byte block into the context's h0..h4 (OpenSSL: sha1_block_data_order, SHA-NI where the CPU has it).</summary>
    [LibraryImport(Library), SuppressGCTransition] private static partial void SHA1_Transform(byte* context, byte* block);
    [LibraryImport(Library), SuppressGCTransition] private static partial int SHA256_Init(byte* context);
    [LibraryImport(Library), SuppressGCTransition] private static partial int SHA256_Update(byte* context, byte* data, nuint length);
    [LibraryImport(Library, EntryPoint = "SHA256_Update")] private static partial int SHA256_UpdateLong(byte* context, byte* data, nuint length);
    [LibraryImport(Library), SuppressGCTransition] private static partial int SHA256_Final(byte* digest, byte* context);
}
