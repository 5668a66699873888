using System.Net;
using System.Text;
using IceSpec.Stun;

namespace IceSpec.Conformance.Tester;

/// <summary>
/// One datagram (or RFC 4571 frame over ICE-TCP) the tester sent or received: its frame in <c>tester.pcap</c>, the time
/// (the kernel's receive time when inbound), the tester's socket and the other end, the bytes, and — when it is STUN —
/// what the cases read from it, decoded once with the generated accessors.
/// </summary>
public sealed class TesterDatagram
{
    public TesterDatagram(int frame, DateTime time, bool inbound, IPEndPoint local, IPEndPoint remote, byte[] bytes, string transport = "udp")
    {
        (Frame, Time, Inbound, Local, Remote, Bytes, Transport) = (frame, time, inbound, local, remote, bytes, transport);
        Stun = StunMessage.LooksLikeStun(bytes) ? TesterStun.TryRead(bytes) : null;
    }

    public int Frame { get; }
    public DateTime Time { get; }
    /// <summary>True when the IUT sent it to the tester.</summary>
    public bool Inbound { get; }
    /// <summary>The tester's socket.</summary>
    public IPEndPoint Local { get; }
    /// <summary>The IUT's address (source when inbound, destination when outbound).</summary>
    public IPEndPoint Remote { get; }
    public byte[] Bytes { get; }
    /// <summary>"udp", or "tcp" for an RFC 4571 frame on an ICE-TCP connection.</summary>
    public string Transport { get; }
    /// <summary>The STUN message, or null for data (and for bytes that only look like STUN).</summary>
    public TesterStun? Stun { get; }

    public bool IsRequest => Stun is { Class: StunClass.Request, Method: StunMethods.Binding };
    public bool IsResponse => Stun is { Class: StunClass.Success or StunClass.Error, Method: StunMethods.Binding };
    public bool IsIndication => Stun is { Class: StunClass.Indication };
    /// <summary>An inbound datagram that is not STUN: application data from the IUT (RFC 8445 §12.1).</summary>
    public bool IsData => Stun is null && !StunMessage.LooksLikeStun(Bytes);

    /// <summary>"frame 7 (12.345 s): Binding request 127.0.0.1:5000 → 127.0.0.1:6000 [USERNAME a:b, PRIORITY 1845501695, ICE-CONTROLLING]".</summary>
    public string Describe(DateTime? origin = null)
    {
        var (from, to) = Inbound ? (Remote, Local) : (Local, Remote);
        var when = origin is { } o ? $" ({(Time - o).TotalSeconds:0.000} s)" : "";
        var what = Stun?.Summary ?? (IsData ? $"{Bytes.Length} bytes of data" : $"{Bytes.Length} bytes, not a STUN message it could parse");
        var over = Transport == "tcp" ? " over TCP" : "";
        return $"frame {Frame}{when}: {what} {from} → {to}{over}";
    }
}

/// <summary>A STUN message read into plain values (so that it outlives the ref-struct view).</summary>
public sealed class TesterStun
{
    private TesterStun(byte[] bytes) => Bytes = bytes;

    public byte[] Bytes { get; }
    public ushort Method { get; private init; }
    public StunClass Class { get; private init; }
    public UInt128 TransactionId { get; private init; }
    public IReadOnlyList<ushort> AttributeTypes { get; private init; } = [];
    public string? Username { get; private init; }
    public uint? Priority { get; private init; }
    public ulong? IceControlling { get; private init; }
    public ulong? IceControlled { get; private init; }
    public bool UseCandidate { get; private init; }
    public bool HasMessageIntegrity { get; private init; }
    public bool HasFingerprint { get; private init; }
    /// <summary>FINGERPRINT present and correct (RFC 8489 §14.7).</summary>
    public bool FingerprintValid { get; private init; }
    public int? ErrorCode { get; private init; }
    public string? Reason { get; private init; }
    public IReadOnlyList<ushort> UnknownAttributes { get; private init; } = [];
    public IPEndPoint? XorMappedAddress { get; private init; }
    /// <summary>The first rule of stun.spec's "ice-check" validator profile the message breaks, or null.</summary>
    public StunViolation? IceCheckViolation { get; private init; }

    public static TesterStun? TryRead(byte[] bytes)
    {
        if (StunMessage.TryParse(bytes, out var message) != StunParseStatus.Ok) return null;
        var types = new List<ushort>();
        foreach (var attribute in message.Attributes) types.Add(attribute.Type);
        int? code = null;
        string? reason = null;
        if (message.TryGetErrorCode(out var number, out var phrase))
        {
            code = number;
            reason = Encoding.UTF8.GetString(phrase);
        }
        var unknown = new List<ushort>();
        if (message.TryGetUnknownAttributes(out var list))
            foreach (var type in list) unknown.Add(type);
        var valid = StunValidator.TryValidate(message, StunValidator.Profile.IceCheck, out var violation);
        return new TesterStun(bytes)
        {
            Method = message.Method,
            Class = message.Class,
            TransactionId = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian([0, 0, 0, 0, .. message.TransactionId]),
            AttributeTypes = types,
            Username = message.TryGetUsername(out var username) ? Encoding.UTF8.GetString(username) : null,
            Priority = message.TryGetPriority(out var priority) ? priority : null,
            IceControlling = message.TryGetIceControlling(out var controlling) ? controlling : null,
            IceControlled = message.TryGetIceControlled(out var controlled) ? controlled : null,
            UseCandidate = message.Contains(StunAttributeTypes.UseCandidate),
            HasMessageIntegrity = message.HasMessageIntegrity,
            HasFingerprint = message.HasFingerprint,
            FingerprintValid = message.HasFingerprint && StunIntegrity.VerifyFingerprint(message) == IntegrityStatus.Valid,
            ErrorCode = code,
            Reason = reason,
            UnknownAttributes = unknown,
            XorMappedAddress = message.TryGetXorMappedAddress(out var mapped) ? mapped.ToEndPoint() : null,
            IceCheckViolation = valid ? null : violation,
        };
    }

    /// <summary>MESSAGE-INTEGRITY present and valid with <paramref name="key"/> (RFC 8489 §14.5, short-term).</summary>
    public bool IntegrityValidWith(StunKey key) =>
        StunMessage.TryParse(Bytes, out var message) == StunParseStatus.Ok && message.HasMessageIntegrity
        && StunIntegrity.VerifyMessageIntegrity(message, key) == IntegrityStatus.Valid;

    public bool Has(ushort attributeType) => AttributeTypes.Contains(attributeType);

    /// <summary>"Binding request [USERNAME a:b, PRIORITY 1845501695, ICE-CONTROLLING, USE-CANDIDATE]".</summary>
    public string Summary
    {
        get
        {
            var kind = Class switch
            {
                StunClass.Request => "request",
                StunClass.Success => "success response",
                StunClass.Error => $"error response {ErrorCode} '{Reason}'",
                _ => "indication",
            };
            var parts = new List<string>();
            if (Username is not null) parts.Add($"USERNAME {Username}");
            if (Priority is { } p) parts.Add($"PRIORITY {p}");
            if (IceControlling is { } g) parts.Add($"ICE-CONTROLLING {g:x16}");
            if (IceControlled is { } d) parts.Add($"ICE-CONTROLLED {d:x16}");
            if (UseCandidate) parts.Add("USE-CANDIDATE");
            if (XorMappedAddress is { } m) parts.Add($"XOR-MAPPED-ADDRESS {m}");
            if (UnknownAttributes.Count > 0) parts.Add($"UNKNOWN-ATTRIBUTES {string.Join(",", UnknownAttributes.Select(u => $"0x{u:x4}"))}");
            parts.Add(HasMessageIntegrity ? "MESSAGE-INTEGRITY" : "no MESSAGE-INTEGRITY");
            parts.Add(!HasFingerprint ? "no FINGERPRINT" : FingerprintValid ? "FINGERPRINT" : "bad FINGERPRINT");
            var method = Method == StunMethods.Binding ? "Binding" : $"method 0x{Method:x3}";
            return $"{method} {kind} [{string.Join(", ", parts)}] id {TransactionId:x24}";
        }
    }
}
