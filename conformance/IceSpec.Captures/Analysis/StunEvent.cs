using System.Net;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Captures.Analysis;

/// <summary>Whether a message's MESSAGE-INTEGRITY was checked, and how it came out.</summary>
public enum IntegrityCheck { Absent, NoKey, Verified, Failed }

/// <summary>
/// The fields of one captured STUN message the analysis needs, read once with the generated accessors (the message
/// itself is a ref struct and cannot be kept).
/// </summary>
public sealed class StunEvent
{
    public required CapturedMessage Captured { get; init; }
    public required ushort Method { get; init; }
    public required StunClass Class { get; init; }
    public required TransactionKey TransactionId { get; init; }
    public string? Username { get; init; }
    public int? ErrorCode { get; init; }
    public uint? Priority { get; init; }
    public ulong? IceControlling { get; init; }
    public ulong? IceControlled { get; init; }
    public bool UseCandidate { get; init; }
    public uint? Lifetime { get; init; }
    public ushort? ChannelNumber { get; init; }
    public IReadOnlyList<IPEndPoint> PeerAddresses { get; init; } = [];
    public IPEndPoint? MappedAddress { get; init; }
    public IPEndPoint? RelayedAddress { get; init; }
    public int DataLength { get; init; }
    public IntegrityCheck Integrity { get; set; }
    /// <summary>An RFC 3489 message (see <see cref="ClassicStunEvent"/>).</summary>
    public bool Classic { get; init; }

    public int Frame => Captured.Frame;
    public DateTime Time => Captured.Time;
    public IPEndPoint Source => Captured.Source;
    public IPEndPoint Destination => Captured.Destination;
    public bool IsRequest => Class == StunClass.Request;
    public bool IsResponse => Class is StunClass.Success or StunClass.Error;

    /// <summary>An ICE connectivity check (RFC 8445 §7.2.2): a Binding request with a USERNAME and a role attribute.</summary>
    public bool IsIceCheck => Method == StunMethods.Binding && IsRequest && Username is not null && (IceControlling is not null || IceControlled is not null);

    public string MethodName => StunMethods.NameOf(Method) ?? TurnMethods.NameOf(Method) ?? $"0x{Method:X3}";

    /// <summary>"Binding request", "Allocate error 401", "Send indication".</summary>
    public string Label => Class switch
    {
        StunClass.Request => $"{MethodName} request",
        StunClass.Success => $"{MethodName} success",
        StunClass.Error => $"{MethodName} error {ErrorCode}",
        _ => $"{MethodName} indication",
    };

    /// <summary>The label with what matters for the timeline: ICE role and USE-CANDIDATE, LIFETIME, channel, peer.</summary>
    public string TimelineLabel
    {
        get
        {
            var extras = new List<string>();
            if (IceControlling is not null) extras.Add("controlling");
            if (IceControlled is not null) extras.Add("controlled");
            if (UseCandidate) extras.Add("USE-CANDIDATE");
            if (ChannelNumber is { } channel) extras.Add($"0x{channel:X4}");
            if (Lifetime is { } lifetime) extras.Add($"LIFETIME {lifetime}");
            if (PeerAddresses.Count > 0 && Method != Stun.StunMethods.Binding) extras.Add($"peer {PeerAddresses[0]}");
            if (Classic) extras.Add("classic RFC 3489");
            return extras.Count == 0 ? Label : $"{Label} ({string.Join(", ", extras)})";
        }
    }

    /// <summary>
    /// RFC 8489 §9.1.3, §14.5, §14.6: the message's MESSAGE-INTEGRITY and MESSAGE-INTEGRITY-SHA256 (each one present)
    /// checked with <paramref name="key"/>; <see cref="IntegrityCheck.NoKey"/> when there is none to check with.
    /// </summary>
    public static IntegrityCheck CheckIntegrity(in StunMessage message, StunKey? key)
    {
        if (!message.HasMessageIntegrity && !message.HasMessageIntegritySha256) return IntegrityCheck.Absent;
        if (key is null) return IntegrityCheck.NoKey;
        var sha1 = !message.HasMessageIntegrity || StunIntegrity.VerifyMessageIntegrity(message, key) == IntegrityStatus.Valid;
        var sha256 = !message.HasMessageIntegritySha256 || StunIntegrity.VerifyMessageIntegritySha256(message, key) == IntegrityStatus.Valid;
        return sha1 && sha256 ? IntegrityCheck.Verified : IntegrityCheck.Failed;
    }

    public static StunEvent Read(CapturedMessage captured, in StunMessage message)
    {
        var peers = new List<IPEndPoint>();
        foreach (var attribute in message.Attributes)
            if (attribute.Type == TurnAttributeTypes.XorPeerAddress &&
                StunAddress.TryRead(attribute.Value, xor: true, message.TransactionId, out var peer))
                peers.Add(peer.ToEndPoint());
        return new StunEvent
        {
            Captured = captured,
            Method = message.Method,
            Class = message.Class,
            TransactionId = TransactionKey.From(message.TransactionId),
            Username = message.GetUsernameString(),
            ErrorCode = message.TryGetErrorCode(out var code, out _) ? code : null,
            Priority = message.TryGetPriority(out var priority) ? priority : null,
            IceControlling = message.TryGetIceControlling(out var controlling) ? controlling : null,
            IceControlled = message.TryGetIceControlled(out var controlled) ? controlled : null,
            UseCandidate = message.Contains(StunAttributeTypes.UseCandidate),
            Lifetime = message.TryGetLifetime(out var lifetime) ? lifetime : null,
            ChannelNumber = message.TryGetChannelNumber(out var channel) ? channel.Number : null,
            PeerAddresses = peers,
            MappedAddress = message.TryGetXorMappedAddress(out var mapped) ? mapped.ToEndPoint() : null,
            RelayedAddress = message.TryGetXorRelayedAddress(out var relayed) ? relayed.ToEndPoint() : null,
            DataLength = message.TryGetData(out var data) ? data.Length : 0,
        };
    }
}
