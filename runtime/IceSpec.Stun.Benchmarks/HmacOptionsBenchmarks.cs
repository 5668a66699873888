using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using IceSpec.TestVectors;

namespace IceSpec.Stun.Benchmarks;

/// <summary>
/// The ways to compute one MESSAGE-INTEGRITY (HMAC-SHA1 over the 76 bytes it covers in the RFC 5769 §2.1 request) with a
/// key kept per credential, measured side by side: what .NET 10 offers, OpenSSL's HMAC_CTX (the previous runtime code),
/// and the kept pad states over OpenSSL's SHA-1 that <c>KeyedHmac</c> uses now. Also the 20-byte comparison a verifier
/// does after it. Every method checks its MAC against the vector in GlobalSetup. Figures: RESULTS.md.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchmarkConfig))]
public partial class HmacOptionsBenchmarks
{
    private byte[] _key = null!;
    private byte[] _covered = null!;
    private byte[] _expected = null!;
    private readonly byte[] _mac = new byte[32];
    private readonly byte[] _other = new byte[20];

    private IncrementalHash _incremental = null!;
    private IncrementalHash _cloneTemplate = null!;
    private HMACSHA1 _hmacSha1 = null!;
    private byte[] _ipad = null!, _opad = null!;
    private HmacCtx _hmacCtx = null!;
    private KeyedHmac _padState = null!;
    private PadStateWithTransition _padStateWithTransition = null!;

    [GlobalSetup]
    public void Setup()
    {
        var request = Rfc5769.SampleRequest.Bytes;
        _key = System.Text.Encoding.UTF8.GetBytes(Rfc5769.ShortTermPassword);
        StunMessage.TryParse(request, out var parsed);
        var offset = parsed.MessageIntegrityOffset;
        _covered = request[..offset];
        BinaryPrimitives.WriteUInt16BigEndian(_covered.AsSpan(StunHeader.LengthOffset), (ushort)(offset + 24 - StunHeader.Length));
        _expected = request[(offset + 4)..(offset + 24)];
        _expected.CopyTo(_other);

        _incremental = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, _key);
        _cloneTemplate = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, _key);
        _hmacSha1 = new HMACSHA1(_key);
        _ipad = new byte[64];
        _opad = new byte[64];
        for (var i = 0; i < 64; i++)
        {
            var k = i < _key.Length ? _key[i] : (byte)0;
            (_ipad[i], _opad[i]) = ((byte)(k ^ 0x36), (byte)(k ^ 0x5c));
        }
        _hmacCtx = new HmacCtx(_key);
        _padState = KeyedHmac.Create(HashAlgorithmName.SHA1, _key);
        if (_padState is not PadStateHmac) throw new InvalidOperationException("KeyedHmac is not the OpenSSL pad-state implementation here.");
        _padStateWithTransition = new PadStateWithTransition(_ipad, _opad);

        foreach (var (name, run) in new (string, Func<int>)[]
                 {
                     ("IncrementalHashKept", IncrementalHashKept), ("HmacSha1Instance", HmacSha1Instance),
                     ("IncrementalHashClone", IncrementalHashClone), ("DotNetSha1OverCopiedPads", DotNetSha1OverCopiedPads),
                     ("OpenSslHmacCtx", OpenSslHmacCtx), ("PadStatesWithGcTransition", PadStatesWithGcTransition), ("PadStates", PadStates),
                 })
        {
            Array.Clear(_mac);
            run();
            if (!_mac.AsSpan(0, 20).SequenceEqual(_expected)) throw new InvalidOperationException($"{name}: wrong MAC");
        }
        if (!FixedTimeEquals() || !XorOrEquals()) throw new InvalidOperationException("comparison");
    }

    /// <summary>.NET: a kept IncrementalHash, AppendData + GetHashAndReset (three native calls).</summary>
    [Benchmark(Baseline = true)]
    public int IncrementalHashKept()
    {
        _incremental.AppendData(_covered);
        return _incremental.GetHashAndReset(_mac);
    }

    /// <summary>.NET: a kept HMACSHA1 instance, TryComputeHash.</summary>
    [Benchmark]
    public int HmacSha1Instance() => _hmacSha1.TryComputeHash(_covered, _mac, out var written) ? written : -1;

    /// <summary>.NET 10: a keyed IncrementalHash cloned per message (the clone is a new object and native context).</summary>
    [Benchmark]
    public int IncrementalHashClone()
    {
        using var clone = _cloneTemplate.Clone();
        clone.AppendData(_covered);
        return clone.GetHashAndReset(_mac);
    }

    /// <summary>
    /// RFC 2104 by hand over .NET's one-shot SHA1.HashData: .NET has no way to save a SHA-1 state, so the pads are
    /// hashed again each time and the message is copied behind the inner pad.
    /// </summary>
    [Benchmark]
    [SkipLocalsInit]
    public int DotNetSha1OverCopiedPads()
    {
        Span<byte> inner = stackalloc byte[64 + 256];
        _ipad.CopyTo(inner);
        _covered.CopyTo(inner[64..]);
        Span<byte> outer = stackalloc byte[64 + 20];
        _opad.CopyTo(outer);
        SHA1.HashData(inner[..(64 + _covered.Length)], outer[64..]);
        return SHA1.HashData(outer, _mac);
    }

    /// <summary>OpenSSL's HMAC_CTX kept per key, HMAC_Init_ex(NULL key) + Update + Final per message (the previous runtime).</summary>
    [Benchmark]
    public int OpenSslHmacCtx() => _hmacCtx.Compute(_covered, _mac);

    /// <summary>Kept pad states over OpenSSL's SHA1_*, ordinary P/Invoke calls (GC transition on each).</summary>
    [Benchmark]
    public int PadStatesWithGcTransition() => _padStateWithTransition.Compute(_covered, _mac);

    /// <summary>What the runtime does now: KeyedHmac (PadStateHmac), calls without the GC transition.</summary>
    [Benchmark]
    public int PadStates()
    {
        _padState.Compute(_covered, default, _mac);
        return 20;
    }

    /// <summary>The verifier's comparison: .NET's CryptographicOperations.FixedTimeEquals on 20 bytes.</summary>
    [Benchmark]
    public bool FixedTimeEquals() => CryptographicOperations.FixedTimeEquals(_expected, _other);

    /// <summary>The runtime's comparison (StunIntegrity): XOR of 8-byte words OR-ed together, one test at the end.</summary>
    [Benchmark]
    public bool XorOrEquals() => StunIntegrity.FixedTimeEquals(_expected, _other);

    [GlobalCleanup]
    public void Cleanup()
    {
        _incremental.Dispose();
        _cloneTemplate.Dispose();
        _hmacSha1.Dispose();
        _hmacCtx.Dispose();
    }

    private sealed unsafe partial class HmacCtx : IDisposable
    {
        private readonly IntPtr _context;

        public HmacCtx(byte[] key)
        {
            _context = HMAC_CTX_new();
            fixed (byte* k = key)
                if (HMAC_Init_ex(_context, k, key.Length, EVP_sha1(), IntPtr.Zero) != 1) throw new CryptographicException();
        }

        public int Compute(ReadOnlySpan<byte> data, Span<byte> destination)
        {
            uint length;
            fixed (byte* input = data)
            fixed (byte* output = destination)
                return (HMAC_Init_ex(_context, null, 0, IntPtr.Zero, IntPtr.Zero) & HMAC_Update(_context, input, (nuint)data.Length)
                        & HMAC_Final(_context, output, out length)) == 1 ? (int)length : -1;
        }

        public void Dispose() => HMAC_CTX_free(_context);

        [LibraryImport("libcrypto.so.3")] private static partial IntPtr HMAC_CTX_new();
        [LibraryImport("libcrypto.so.3")] private static partial void HMAC_CTX_free(IntPtr context);
        [LibraryImport("libcrypto.so.3")] private static partial int HMAC_Init_ex(IntPtr context, byte* key, int keyLength, IntPtr digest, IntPtr engine);
        [LibraryImport("libcrypto.so.3")] private static partial int HMAC_Update(IntPtr context, byte* data, nuint length);
        [LibraryImport("libcrypto.so.3")] private static partial int HMAC_Final(IntPtr context, byte* digest, out uint length);
        [LibraryImport("libcrypto.so.3")] private static partial IntPtr EVP_sha1();
    }

    private sealed unsafe partial class PadStateWithTransition
    {
        private readonly byte[] _states = new byte[256];

        public PadStateWithTransition(byte[] ipad, byte[] opad)
        {
            fixed (byte* s = _states)
            fixed (byte* i = ipad)
            fixed (byte* o = opad)
            {
                SHA1_Init(s); SHA1_Update(s, i, 64);
                SHA1_Init(s + 128); SHA1_Update(s + 128, o, 64);
            }
        }

        [SkipLocalsInit]
        public int Compute(ReadOnlySpan<byte> data, Span<byte> destination)
        {
            var work = stackalloc byte[128];
            var inner = stackalloc byte[20];
            fixed (byte* s = _states)
            fixed (byte* input = data)
            fixed (byte* output = destination)
            {
                Unsafe.CopyBlockUnaligned(work, s, 128);
                SHA1_Update(work, input, (nuint)data.Length);
                SHA1_Final(inner, work);
                Unsafe.CopyBlockUnaligned(work, s + 128, 128);
                SHA1_Update(work, inner, 20);
                return SHA1_Final(output, work);
            }
        }

        [LibraryImport("libcrypto.so.3")] private static partial int SHA1_Init(byte* context);
        [LibraryImport("libcrypto.so.3")] private static partial int SHA1_Update(byte* context, byte* data, nuint length);
        [LibraryImport("libcrypto.so.3")] private static partial int SHA1_Final(byte* digest, byte* context);
    }
}
