using System.Net;
using IceSpec.Stun;

namespace IceSpec.Turn.Client;

/// <summary>The requests a TURN client sends (RFC 8656 §7–§12, RFC 6062 §4.3).</summary>
public enum TurnRequestKind : byte
{
    Allocate,
    Refresh,
    /// <summary>A Refresh with LIFETIME 0: deletes the allocation (RFC 8656 §8.1).</summary>
    Close,
    CreatePermission,
    ChannelBind,
    Connect,
}

/// <summary>Where the client's allocation stands.</summary>
public enum TurnClientState : byte
{
    Idle,
    Allocating,
    Allocated,
    /// <summary>The Refresh with LIFETIME 0 is on its way.</summary>
    Closing,
    Closed,
    /// <summary>The Allocate failed, the credentials were rejected, or the server lost the allocation (437 to a Refresh).</summary>
    Failed,
}

/// <summary>What a <see cref="TurnClientCore"/> reports; drain with <see cref="TurnClientCore.TryPollEvent"/>.</summary>
public abstract record TurnClientEvent(TimeSpan Time);

/// <summary>A relayed address could not be allocated for one family (ADDRESS-ERROR-CODE, RFC 8656 §18.12).</summary>
public sealed record TurnAddressError(byte Family, int ErrorCode, string Reason);

/// <summary>
/// The Allocate succeeded (RFC 8656 §7.3). <paramref name="Reallocated"/>: it replaces an allocation that was lost
/// (<see cref="TurnAllocationLost"/>): a new relayed address, with no permissions or channels yet — tell the peer.
/// </summary>
public sealed record TurnAllocated(TimeSpan Time, long RequestId, IReadOnlyList<IPEndPoint> RelayedAddresses, IPEndPoint MappedAddress,
    TimeSpan Lifetime, IReadOnlyList<TurnAddressError> AddressErrors, bool Reallocated = false) : TurnClientEvent(Time);

/// <summary>Why the client decided its allocation is gone.</summary>
public enum TurnAllocationLossCause : byte
{
    /// <summary>437 Allocation Mismatch to a Refresh, CreatePermission or ChannelBind (RFC 8656 §19): e.g. the server restarted.</summary>
    AllocationMismatch,
    /// <summary>No response to a Refresh, CreatePermission or ChannelBind (RFC 8489 §6.2.1 time-out): the server is unreachable.</summary>
    NoResponse,
    /// <summary>The TCP/TLS connection to the server closed: the server deletes the allocation with it (RFC 8656 §3.1).</summary>
    ConnectionClosed,
}

/// <summary>
/// The allocation is gone: its relayed addresses, permissions and channels no longer exist on the server. When
/// <paramref name="Reallocating"/>, a new Allocate is on its way (<see cref="TurnClientOptions.ReallocateOnLoss"/>) and a
/// <see cref="TurnAllocated"/> with <c>Reallocated</c> follows, or the client ends <see cref="TurnClientState.Failed"/>.
/// </summary>
public sealed record TurnAllocationLost(TimeSpan Time, TurnAllocationLossCause Cause, string Reason, IReadOnlyList<IPEndPoint> LostRelayedAddresses,
    bool Reallocating) : TurnClientEvent(Time)
{
    public override string ToString() => $"allocation {string.Join(", ", LostRelayedAddresses)} lost: {Reason}{(Reallocating ? "; re-allocating" : "")}";
}

/// <summary>
/// An attempt at re-allocating (after <see cref="TurnAllocationLost"/>) failed: an error or no answer to its Allocate, or
/// a TCP/TLS connection to the server that could not be opened or broke. <paramref name="NextAttempt"/> is when the next
/// one goes out (<see cref="TurnClientOptions.ReallocateBackoff"/>, doubled per attempt); null when this was the last
/// (<see cref="TurnClientOptions.ReallocateAttempts"/>) and the client is <see cref="TurnClientState.Failed"/>.
/// </summary>
public sealed record TurnReallocationFailed(TimeSpan Time, int Attempt, string Reason, TimeSpan? NextAttempt) : TurnClientEvent(Time)
{
    public override string ToString() =>
        $"re-allocation attempt {Attempt} failed: {Reason}; {(NextAttempt is { } next ? $"next at {next.TotalSeconds:0.###} s" : "giving up")}";
}

/// <summary>A Refresh succeeded (RFC 8656 §8.3); <paramref name="Automatic"/> when the refresh machine sent it.</summary>
public sealed record TurnRefreshed(TimeSpan Time, long RequestId, TimeSpan Lifetime, bool Automatic) : TurnClientEvent(Time);

/// <summary>The Refresh with LIFETIME 0 was answered (or the allocation was never made): the allocation is gone.</summary>
public sealed record TurnClosed(TimeSpan Time, long? RequestId) : TurnClientEvent(Time);

/// <summary>A CreatePermission succeeded (RFC 8656 §10.3).</summary>
public sealed record TurnPermissionCreated(TimeSpan Time, long RequestId, IReadOnlyList<IPAddress> Peers, bool Automatic) : TurnClientEvent(Time);

/// <summary>A ChannelBind succeeded (RFC 8656 §12.3).</summary>
public sealed record TurnChannelBound(TimeSpan Time, long RequestId, IPEndPoint Peer, ushort Channel, bool Automatic) : TurnClientEvent(Time);

/// <summary>A Connect succeeded (RFC 6062 §4.3): open a data connection and send ConnectionBind with this CONNECTION-ID.</summary>
public sealed record TurnConnected(TimeSpan Time, long RequestId, IPEndPoint Peer, uint ConnectionId) : TurnClientEvent(Time);

/// <summary>A peer opened a TCP connection to the relayed address (ConnectionAttempt, RFC 6062 §4.4).</summary>
public sealed record TurnConnectionAttempt(TimeSpan Time, IPEndPoint Peer, uint ConnectionId) : TurnClientEvent(Time);

/// <summary>
/// A request failed: an error response, no response (RFC 8489 §6.2), or a response that broke a rule of the spec.
/// <paramref name="CredentialsRejected"/>: a 401 to a request that carried credentials (the TurnClientAuthentication
/// machine reached Rejected, RFC 8489 §9.2.5), or a REALM other than the expected one.
/// </summary>
public sealed record TurnRequestFailed(TimeSpan Time, long RequestId, TurnRequestKind Kind, int? ErrorCode, string Reason,
    bool TimedOut, bool CredentialsRejected, string? Realm, IPEndPoint? AlternateServer, bool Automatic) : TurnClientEvent(Time)
{
    public override string ToString() => $"{Kind} failed: {Reason}";
}

/// <summary>Application data from a peer: a Data indication (RFC 8656 §11.4) or ChannelData (§12.6).</summary>
public sealed record TurnDataReceived(TimeSpan Time, IPEndPoint Peer, byte[] Data, ushort? Channel) : TurnClientEvent(Time);

/// <summary>
/// One response the client accepted (after the transaction-ID match, FINGERPRINT and integrity checks): the client's
/// transaction log. A 401 then a success for the same request ID is the authentication round trip of RFC 8489 §9.2.
/// </summary>
public sealed record TurnTransactionCompleted(TimeSpan Time, long RequestId, TurnRequestKind Kind, ushort Method, StunClass Class,
    int? ErrorCode, string? Reason, bool Authenticated, int Transmissions, TimeSpan RoundTripTime) : TurnClientEvent(Time)
{
    public override string ToString() =>
        $"{TurnMethods.NameOf(Method) ?? Method.ToString("X3")} {(Class == StunClass.Success ? "success" : $"error {ErrorCode} {Reason}")}" +
        $"{(Authenticated ? " (authenticated)" : "")} after {Transmissions} send(s), {RoundTripTime.TotalMilliseconds:0.###} ms";
}
