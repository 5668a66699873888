using System.Net;
using IceSpec.Stun;

namespace IceSpec.Ice;

internal enum IceRequestKind : byte
{
    /// <summary>A connectivity check (RFC 8445 §7.2.4).</summary>
    Check,
    /// <summary>A consent check on a selected pair (RFC 7675 §5.1).</summary>
    Consent,
    /// <summary>A Binding request to a STUN server for a server-reflexive candidate (RFC 8445 §5.1.1.2).</summary>
    Gather,
}

/// <summary>A Binding request of ours awaiting its response, keyed by transaction ID.</summary>
internal sealed class IcePendingRequest(IceRequestKind kind, StunClientTransaction transaction)
{
    public IceRequestKind Kind { get; } = kind;
    public StunClientTransaction Transaction { get; } = transaction;
    // Settable: a finished consent request is reused for the next one (IceAgent.SendConsentCheck).
    public IceCandidatePair? Pair { get; set; }
    public bool UseCandidate { get; init; }
    /// <summary>When the request was first sent (a check's round-trip time is measured from here, RFC 6298 §3 Karn: only when it was sent once).</summary>
    public TimeSpan SentAt { get; init; }
    public uint SentPriority { get; set; }
    public IceRole SentRole { get; set; }
    /// <summary>RFC 8445 §7.3.1.4: a cancelled check is not retransmitted and its timeout is not a failure.</summary>
    public bool Cancelled { get; set; }
    /// <summary>Gather: the host candidate the request left from, and the server.</summary>
    public IceLocalCandidate? Host { get; init; }
    public IPEndPoint? Server { get; init; }

    public static UInt128 Key(ReadOnlySpan<byte> transactionId) => new(
        System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(transactionId),
        System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(transactionId[4..]));
}
