using System.Net;
using System.Security.Cryptography;
using IceSpec.Ice;
using IceSpec.Stun;

namespace IceSpec.Conformance.Tester;

/// <summary>The tester's role attribute in a check it sends (RFC 8445 §7.1.3), or none at all.</summary>
public enum TesterRole : byte
{
    Controlling,
    Controlled,
    None,
}

/// <summary>
/// A connectivity check the tester sends (RFC 8445 §7.2.4): correct by default — USERNAME <c>IUT-ufrag:tester-ufrag</c>,
/// PRIORITY, the role attribute with the tester's tie-breaker, MESSAGE-INTEGRITY with the IUT's password, FINGERPRINT —
/// and each part can be left out or made wrong.
/// </summary>
public sealed record TesterCheck
{
    public TesterRole Role { get; init; } = TesterRole.Controlling;
    /// <summary>The tie-breaker to send; null: the tester's own.</summary>
    public ulong? TieBreaker { get; init; }
    public bool UseCandidate { get; init; }
    /// <summary>The PRIORITY value; null: what a peer-reflexive candidate of the tester's host address gets (RFC 8445 §7.1.1).</summary>
    public uint? Priority { get; init; }
    public bool OmitPriority { get; init; }
    /// <summary>The USERNAME value; null: <c>IUT-ufrag:tester-ufrag</c> (RFC 8445 §7.2.2).</summary>
    public string? Username { get; init; }
    public bool OmitUsername { get; init; }
    /// <summary>The password MESSAGE-INTEGRITY is computed with; null: the IUT's.</summary>
    public string? Password { get; init; }
    public bool OmitIntegrity { get; init; }
    public bool OmitFingerprint { get; init; }
    /// <summary>A FINGERPRINT whose CRC is off by one (RFC 8489 §14.7).</summary>
    public bool BadFingerprint { get; init; }
    /// <summary>An attribute to add before MESSAGE-INTEGRITY (e.g. an unknown comprehension-required type), with 4 bytes of value.</summary>
    public ushort? ExtraAttribute { get; init; }
    /// <summary>The transaction ID; null: a random one.</summary>
    public byte[]? TransactionId { get; init; }
}

/// <summary>Builds the tester's checks, answers and data with IceSpec's codec.</summary>
public sealed class TesterMessages(TesterPeer tester)
{
    private const int MaxLength = 1280;

    /// <summary>An attribute type in the comprehension-required range that no RFC assigns (RFC 8489 §14).</summary>
    public const ushort UnassignedRequired = 0x7FEE;

    /// <summary>An attribute type in the comprehension-optional range that no RFC assigns.</summary>
    public const ushort UnassignedOptional = 0xBEEF;

    /// <summary>RFC 8445 §7.1.1: the PRIORITY of a check from a host candidate: a peer-reflexive type preference.</summary>
    public static uint PeerReflexivePriority(int component = 1) => (uint)IceFormulas.CandidatePriority(
        IceFormulas.PeerReflexiveTypePreference, IceFormulas.SingleAddressLocalPreference, component);

    public byte[] Check(TesterCheck check)
    {
        var iut = tester.Iut ?? throw new InvalidOperationException("the IUT's credentials are not known yet (gather first)");
        Span<byte> buffer = stackalloc byte[MaxLength];
        var id = check.TransactionId ?? RandomNumberGenerator.GetBytes(StunHeader.TransactionIdLength);
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Request), id);
        if (!check.OmitUsername) builder.AddUsername(check.Username ?? $"{iut.Ufrag}:{tester.Credentials.Ufrag}");
        if (!check.OmitPriority) builder.AddPriority(check.Priority ?? PeerReflexivePriority());
        var tieBreaker = check.TieBreaker ?? tester.TieBreaker;
        if (check.Role == TesterRole.Controlling) builder.AddIceControlling(tieBreaker);
        else if (check.Role == TesterRole.Controlled) builder.AddIceControlled(tieBreaker);
        if (check.UseCandidate) builder.AddUseCandidate();
        if (check.ExtraAttribute is { } extra) builder.Add(extra, [0, 0, 0, 0]);
        if (!check.OmitIntegrity) builder.AddMessageIntegrity(check.Password is { } p ? StunKey.ShortTerm(p) : tester.IutKey!);
        if (!check.OmitFingerprint) builder.AddFingerprint();
        var bytes = builder.Written.ToArray();
        if (check.BadFingerprint && !check.OmitFingerprint) bytes[^1] ^= 1;   // the CRC is the last 4 bytes (RFC 8489 §14.7)
        return bytes;
    }

    /// <summary>
    /// RFC 8445 §7.3 / §7.3.1.2: a success response to <paramref name="request"/> with XOR-MAPPED-ADDRESS
    /// <paramref name="mapped"/>, MESSAGE-INTEGRITY with the tester's password (or <paramref name="password"/>), FINGERPRINT.
    /// </summary>
    public byte[] Success(TesterStun request, IPEndPoint mapped, string? password = null, bool integrity = true, bool fingerprint = true)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Success), TransactionIdOf(request));
        builder.AddXorMappedAddress(new StunAddress(mapped));
        if (integrity) builder.AddMessageIntegrity(password is null ? tester.Key : StunKey.ShortTerm(password));
        if (fingerprint) builder.AddFingerprint();
        return builder.Written.ToArray();
    }

    /// <summary>An error response to <paramref name="request"/> (RFC 8489 §6.3.1.1), signed with the tester's password unless told not to.</summary>
    public byte[] Error(TesterStun request, int code, string reason, bool integrity = true)
    {
        Span<byte> buffer = stackalloc byte[MaxLength];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Error), TransactionIdOf(request));
        builder.AddErrorCode(code, reason);
        if (integrity) builder.AddMessageIntegrity(tester.Key);
        builder.AddFingerprint();
        return builder.Written.ToArray();
    }

    /// <summary>A Binding indication with FINGERPRINT only (RFC 8445 §11 keepalive form).</summary>
    public static byte[] Indication()
    {
        Span<byte> buffer = stackalloc byte[64];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, StunClass.Indication),
            RandomNumberGenerator.GetBytes(StunHeader.TransactionIdLength));
        builder.AddFingerprint();
        return builder.Written.ToArray();
    }

    /// <summary>Application data the IUT cannot take for STUN: the first byte is outside 0–3 (RFC 8489 §5, RFC 7983).</summary>
    public static byte[] Data(string text) => [0x80, .. System.Text.Encoding.UTF8.GetBytes(text)];

    private static byte[] TransactionIdOf(TesterStun request)
    {
        var id = new byte[StunHeader.TransactionIdLength];
        request.Bytes.AsSpan(StunHeader.TransactionIdOffset, StunHeader.TransactionIdLength).CopyTo(id);
        return id;
    }
}
