using System.Buffers.Binary;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using IceSpec.TestVectors;

namespace IceSpec.Stun.Benchmarks;

/// <summary>
/// The hot paths of an ICE agent on the RFC 5769 §2.1 Binding request (a connectivity check): parse, parse + verify as
/// a receiving agent does, and build. run-vs-libnice.sh compares them with libnice's validate and build and checks the
/// goals; RESULTS.md has the figures.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchmarkConfig))]
public class StunCodecBenchmarks
{
    private const uint Priority = 0x6e0001ff;
    private const ulong TieBreaker = 0x932ff9b151263b36;

    /// <summary>RFC 5769 §2.1 pads USERNAME with spaces, as libnice does (RFC 8489 §14 says zero).</summary>
    private const byte VectorPadding = 0x20;

    private static readonly StunMessageType BindingRequest = new(StunMethods.Binding, StunClass.Request);
    private static readonly byte[] Software = "STUN test client"u8.ToArray();
    private static readonly byte[] Username = "evtj:h6vY"u8.ToArray();

    private byte[] _request = null!;
    private byte[] _transactionId = null!;
    private readonly byte[] _buffer = new byte[256];

    /// <summary>One key per credential, kept across messages, as an agent keeps it per remote candidate's credentials.</summary>
    private StunKey _key = null!;

    private IncrementalHash _hmac = null!;
    private byte[] _macInput = null!;
    private readonly byte[] _mac = new byte[StunIntegrity.Sha1Length];

    [GlobalSetup]
    public void Setup()
    {
        _request = Rfc5769.SampleRequest.Bytes;
        _transactionId = _request[StunHeader.TransactionIdOffset..StunHeader.Length];
        _key = StunKey.ShortTerm(Rfc5769.ShortTermPassword);

        // What MESSAGE-INTEGRITY covers: the message before it, the length field ending at it (RFC 8489 §14.5).
        StunMessage.TryParse(_request, out var parsed);
        var integrityOffset = parsed.MessageIntegrityOffset;
        _macInput = _request[..integrityOffset];
        BinaryPrimitives.WriteUInt16BigEndian(_macInput.AsSpan(StunHeader.LengthOffset),
            (ushort)(integrityOffset + StunHeader.AttributeHeaderLength + StunIntegrity.Sha1Length - StunHeader.Length));
        _hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA1, _key.Bytes);

        // Prove the benchmarks do the real work before timing them.
        if (ParseOnly() != _request.Length - StunHeader.Length)
            throw new InvalidOperationException("ParseOnly: the RFC 5769 §2.1 request does not parse.");
        if (ParseVerify() != Priority + (uint)Username.Length)
            throw new InvalidOperationException("ParseVerify: the RFC 5769 §2.1 request does not verify, or USERNAME/PRIORITY are wrong.");
        var built = _buffer.AsSpan(0, Build());
        if (!built.SequenceEqual(_request))
            throw new InvalidOperationException(
                $"Build: the bytes differ from the RFC 5769 §2.1 vector.\n built:  {Convert.ToHexString(built)}\n vector: {Convert.ToHexString(_request)}");
        HmacSha1Only();
        if (!_mac.AsSpan().SequenceEqual(_request.AsSpan(integrityOffset + StunHeader.AttributeHeaderLength, StunIntegrity.Sha1Length)))
            throw new InvalidOperationException("HmacSha1Only: the MAC differs from the vector's MESSAGE-INTEGRITY.");
    }

    [GlobalCleanup]
    public void Cleanup() => _hmac.Dispose();

    /// <summary>Framing only: header checks and one walk over the attributes.</summary>
    [Benchmark]
    public int ParseOnly()
    {
        if (StunMessage.TryParse(_request, out var message) != StunParseStatus.Ok) return -1;
        return message.Length;
    }

    /// <summary>What a receiving agent does with a check (and what libnice's bench-validate times): framing, FINGERPRINT,
    /// MESSAGE-INTEGRITY with the kept key, then USERNAME and PRIORITY.</summary>
    [Benchmark]
    public long ParseVerify()
    {
        if (StunMessage.TryParse(_request, out var message) != StunParseStatus.Ok) return -1;
        if (StunIntegrity.VerifyFingerprint(message) != IntegrityStatus.Valid) return -2;
        if (StunIntegrity.VerifyMessageIntegrity(message, _key) != IntegrityStatus.Valid) return -3;
        if (!message.TryGetUsername(out var username)) return -4;
        if (!message.TryGetPriority(out var priority)) return -5;
        return priority + (uint)username.Length;
    }

    /// <summary>The §2.1 request into a reused buffer: SOFTWARE, PRIORITY, ICE-CONTROLLED, USERNAME, MESSAGE-INTEGRITY, FINGERPRINT.</summary>
    [Benchmark]
    public int Build()
    {
        var builder = new StunMessageBuilder(_buffer, BindingRequest, _transactionId);
        builder.AddSoftware(Software, VectorPadding);
        builder.AddPriority(Priority);
        builder.AddIceControlled(TieBreaker);
        builder.AddUsername(Username, VectorPadding);
        builder.AddMessageIntegrity(_key);
        builder.AddFingerprint();
        return builder.Length;
    }

    /// <summary>
    /// Reference, no goal: .NET's HMAC-SHA1 alone (a kept <see cref="IncrementalHash"/>, one AppendData and one
    /// GetHashAndReset) over the 76 bytes MESSAGE-INTEGRITY covers. ParseVerify and Build each do exactly one: their floor.
    /// </summary>
    [Benchmark]
    public int HmacSha1Only()
    {
        _hmac.AppendData(_macInput);
        return _hmac.GetHashAndReset(_mac);
    }
}
