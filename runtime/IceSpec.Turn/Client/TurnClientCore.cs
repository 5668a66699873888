using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using IceSpec.Stun;
using IceSpec.Stun.Transports;

namespace IceSpec.Turn.Client;

/// <summary>
/// A TURN client (RFC 8656; RFC 6062 Connect), sans-IO: no sockets, clocks or threads. The caller feeds it what the
/// server sent (<see cref="HandlePacket"/>) and the time (<see cref="HandleTimeout"/>), sends what
/// <see cref="TryPollTransmit"/> hands out, and reads <see cref="TryPollEvent"/>.
/// <para>
/// Every rule comes from the spec: retransmissions and give-up from <see cref="StunClientTransaction"/> (the generated
/// StunClientTransaction machine), the 401/438 rounds from <see cref="TurnClientAuthenticationMachine"/>, refreshing the
/// allocation, its permissions and channels from one <see cref="TurnClientRefreshMachine"/> each (with the permission
/// and channel lifetimes of the spec's TurnPermission and TurnChannelBinding machines), message rules from the
/// generated validators, attributes through the generated accessors.
/// </para>
/// </summary>
public sealed partial class TurnClientCore
{
    /// <summary>RFC 8656 §18.8 (RFC 6062 §5.1 for TCP): the protocol numbers of REQUESTED-TRANSPORT, from the spec.</summary>
    private const byte ProtocolUdp = (byte)TurnFormulas.RequestedTransportUdp;
    private const byte ProtocolTcp = (byte)TurnFormulas.RequestedTransportTcp;

    /// <summary>How many times one request may be answered 438 (Stale Nonce) and resent, so a broken server cannot loop us.</summary>
    private const int MaxStaleNonceRetries = 4;

    private static readonly byte[] Reserved3 = new byte[3];

    private readonly TurnClientOptions _options;
    private readonly Action<Span<byte>> _random;
    private readonly StunTransport _reliability;
    private readonly bool _stream;
    private TurnClientAuthenticationMachine _authentication = new();
    private TurnClientRefreshMachine _allocationRefresh = new();
    private readonly TimeSpan _permissionLifetime = new TurnPermissionMachine().Lifetime;
    private readonly TimeSpan _channelLifetime = new TurnChannelBindingMachine().Lifetime;
    private readonly TimeSpan _margin;
    private readonly List<Request> _pending = [];
    private readonly Queue<ReadOnlyMemory<byte>> _outbox = new();
    private readonly Queue<TurnClientEvent> _events = new();
    private readonly Dictionary<IPAddress, TurnClientRefreshMachine> _permissions = [];
    private readonly Dictionary<IPEndPoint, Channel> _channelsByPeer = [];
    private readonly Dictionary<ushort, Channel> _channelsByNumber = [];
    private ushort _nextChannel = TurnRanges.ChannelNumbersLow;
    private long _nextRequestId = 1;
    private StunKey? _key;
    private byte[]? _realm;
    private byte[]? _nonce;

    public TurnClientCore(TurnClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.TcpRelay && options.Transport == TransportProtocol.Udp)
            throw new ArgumentException("RFC 6062 §4.1: a TCP allocation needs a TCP or TLS connection to the server.", nameof(options));
        _options = options;
        _random = options.Random ?? RandomNumberGenerator.Fill;
        _reliability = options.Transport.Reliability();
        _stream = options.Transport.IsStream();
        _margin = options.RefreshMargin ?? _allocationRefresh.Margin;
    }

    public TurnClientState State { get; private set; } = TurnClientState.Idle;

    /// <summary>The relayed transport addresses (XOR-RELAYED-ADDRESS; two for a dual-stack allocation).</summary>
    public IReadOnlyList<IPEndPoint> RelayedAddresses { get; private set; } = [];

    /// <summary>The client's server-reflexive address as the server saw it (XOR-MAPPED-ADDRESS of the Allocate success).</summary>
    public IPEndPoint? MappedAddress { get; private set; }

    /// <summary>The lifetime the server granted last (RFC 8656 §7.3, §8.3).</summary>
    public TimeSpan? Lifetime { get; private set; }

    /// <summary>The server's REALM, once a 401 told it.</summary>
    public string? Realm => _realm is null ? null : Encoding.UTF8.GetString(_realm);

    public string? Nonce => _nonce is null ? null : Encoding.UTF8.GetString(_nonce);

    public TurnClientAuthenticationState AuthenticationState => _authentication.State;

    public TurnClientRefreshState RefreshState => _allocationRefresh.State;

    /// <summary>When the allocation's refresh machine will send the next Refresh.</summary>
    public TimeSpan? NextRefresh => _allocationRefresh.RefreshDeadline;

    /// <summary>The channel bound to <paramref name="peer"/>, once its ChannelBind succeeded.</summary>
    public ushort? ChannelOf(IPEndPoint peer) => _channelsByPeer.TryGetValue(peer, out var c) && c.Bound ? c.Number : null;

    public bool HasPermission(IPAddress peer) => _permissions.ContainsKey(peer);

    /// <summary>Requests sent and not yet answered.</summary>
    public int PendingRequests => _pending.Count;

    // ---------------------------------------------------------------- commands

    /// <summary>Sends the Allocate (RFC 8656 §7.1), first without credentials (RFC 8489 §9.2.3).</summary>
    public long Allocate(TimeSpan now)
    {
        if (State != TurnClientState.Idle) throw new InvalidOperationException($"Allocate is sent once, from Idle (the client is {State}).");
        State = TurnClientState.Allocating;
        return Start(now, new Request(TurnRequestKind.Allocate) { Lifetime = RequestedLifetime });
    }

    /// <summary>Refreshes the allocation now (RFC 8656 §8.1) with <paramref name="lifetime"/> or the configured LIFETIME.</summary>
    public long Refresh(TimeSpan now, TimeSpan? lifetime = null)
    {
        RequireAllocated();
        return Start(now, new Request(TurnRequestKind.Refresh) { Lifetime = lifetime is { } l ? Seconds(l) : RequestedLifetime });
    }

    /// <summary>Installs or refreshes permissions for the peers' IP addresses (RFC 8656 §10.1; ports are ignored).</summary>
    public long CreatePermission(TimeSpan now, params IPAddress[] peers)
    {
        RequireAllocated();
        if (peers.Length == 0) throw new ArgumentException("RFC 8656 §10.1: at least one XOR-PEER-ADDRESS.", nameof(peers));
        return Start(now, new Request(TurnRequestKind.CreatePermission) { Peers = peers.Select(Normalize).ToArray() });
    }

    /// <summary>Binds a channel to <paramref name="peer"/> (RFC 8656 §12.1), or refreshes the one it has.</summary>
    public long BindChannel(TimeSpan now, IPEndPoint peer)
    {
        RequireAllocated();
        peer = Normalize(peer);
        if (!_channelsByPeer.TryGetValue(peer, out var channel))
        {
            if (_nextChannel > TurnRanges.ChannelNumbersHigh) throw new InvalidOperationException("RFC 8656 §12: all channel numbers 0x4000–0x4FFF are in use.");
            channel = new Channel(_nextChannel++, peer);
            _channelsByPeer.Add(peer, channel);
            _channelsByNumber.Add(channel.Number, channel);
        }
        return Start(now, new Request(TurnRequestKind.ChannelBind) { Peer = peer, Channel = channel.Number });
    }

    /// <summary>Asks the server to open a TCP connection to <paramref name="peer"/> (RFC 6062 §4.3); a TCP allocation only.</summary>
    public long Connect(TimeSpan now, IPEndPoint peer)
    {
        RequireAllocated();
        if (!_options.TcpRelay) throw new InvalidOperationException("RFC 6062 §4.3: Connect needs a TCP allocation (TcpRelay).");
        return Start(now, new Request(TurnRequestKind.Connect) { Peer = Normalize(peer) });
    }

    /// <summary>
    /// Deletes the allocation (RFC 8656 §8.1: a Refresh with LIFETIME 0): the refresh machines are closed, then the
    /// request goes out. Returns its request ID, or null when there was no allocation to delete.
    /// </summary>
    public long? Close(TimeSpan now)
    {
        _allocationRefresh.Fire(TurnClientRefreshEvent.Close, now);
        foreach (var permission in _permissions.Values) permission.Fire(TurnClientRefreshEvent.Close, now);
        foreach (var channel in _channelsByNumber.Values) channel.Refresh.Fire(TurnClientRefreshEvent.Close, now);
        if (State != TurnClientState.Allocated)
        {
            StopReallocating();
            if (State is not (TurnClientState.Closing or TurnClientState.Closed or TurnClientState.Failed))
            {
                State = TurnClientState.Closed;
                _events.Enqueue(new TurnClosed(now, null));
            }
            return null;
        }
        State = TurnClientState.Closing;
        return Start(now, new Request(TurnRequestKind.Close) { Lifetime = 0 });
    }

    /// <summary>
    /// Sends application data to <paramref name="peer"/>: as ChannelData when a channel is bound to it (RFC 8656 §12.5;
    /// padded to 4 bytes over TCP/TLS), else in a Send indication (§10.1). The peer needs a permission (§9). The message
    /// is a new array handed out by <see cref="TryPollTransmit"/>; <see cref="WriteData"/> writes it into the caller's buffer instead.
    /// </summary>
    public void Send(IPEndPoint peer, ReadOnlySpan<byte> data)
    {
        var message = new byte[MaxDataMessageLength(data.Length)];
        _outbox.Enqueue(message.AsMemory(0, WriteData(peer, data, message)));
    }

    /// <summary>
    /// The most bytes <see cref="WriteData"/> writes for <paramref name="dataLength"/> bytes of data: a Send indication's
    /// header, XOR-PEER-ADDRESS (IPv6), DATA padded to 4, DONT-FRAGMENT and FINGERPRINT (RFC 8656 §10.1), which is more
    /// than ChannelData's 4-byte header and padding (§12.5).
    /// </summary>
    public static int MaxDataMessageLength(int dataLength) =>
        StunHeader.Length + StunHeader.AttributeHeaderLength + 20 + StunHeader.AttributeHeaderLength + StunHeader.Padded(dataLength)
        + StunHeader.AttributeHeaderLength + StunHeader.AttributeHeaderLength + 4;

    /// <summary>
    /// What <see cref="Send"/> queues, written into <paramref name="destination"/> (at least
    /// <see cref="MaxDataMessageLength"/> bytes) instead: ChannelData when a channel is bound to the peer (RFC 8656 §12.5;
    /// padded to 4 bytes over TCP/TLS), else a Send indication (§10.1). Nothing is queued or allocated: the caller sends
    /// the bytes to the server. Returns their length.
    /// </summary>
    public int WriteData(IPEndPoint peer, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (State != TurnClientState.Allocated) throw new InvalidOperationException($"Data needs an allocation (the client is {State}).");
        peer = Normalize(peer);
        if (_channelsByPeer.TryGetValue(peer, out var channel) && channel.Bound)
            return ChannelData.Write(destination, channel.Number, data, padForStream: _stream);

        Span<byte> id = stackalloc byte[StunHeader.TransactionIdLength];
        _random(id);
        var builder = new StunMessageBuilder(destination, new StunMessageType(TurnMethods.Send, StunClass.Indication), id);
        builder.AddXorPeerAddress(new StunAddress(peer));
        builder.AddData(data);
        if (_options.DontFragment) builder.AddDontFragment();
        if (_options.Fingerprint) builder.AddFingerprint();
        return builder.Length;
    }

    // ---------------------------------------------------------------- inputs

    /// <summary>Feeds one message from the server: a datagram, or one message cut from the stream.</summary>
    public void HandlePacket(TimeSpan now, ReadOnlySpan<byte> packet)
    {
        if (ChannelData.LooksLikeChannelData(packet))
        {
            HandleChannelData(now, packet);
            return;
        }
        if (StunMessage.TryParse(packet, out var message) != StunParseStatus.Ok) return; // RFC 8489 §6.3: not STUN, discard
        switch (message.Class)
        {
            case StunClass.Indication:
                HandleIndication(now, packet);
                break;
            case StunClass.Success:
            case StunClass.Error:
                HandleResponse(now, packet, message);
                break;
        }
    }

    /// <summary>Runs the timers due at <paramref name="now"/>: retransmissions and give-ups, then the refresh machines.</summary>
    public void HandleTimeout(TimeSpan now)
    {
        foreach (var request in _pending.ToArray())
        {
            if (!_pending.Contains(request)) continue; // dropped with a lost allocation while this loop ran
            request.Transaction.HandleTimeout(now);
            Drain(request.Transaction);
            if (request.Transaction.Outcome == StunTransactionOutcome.TimedOut)
            {
                _pending.Remove(request);
                Fail(now, request, null, $"no response to {request.Kind} after {request.Transaction.Sends} request(s) (RFC 8489 §6.2)", timedOut: true);
            }
        }

        HandleRecoveryTimeout(now);
        _allocationRefresh.HandleTimeout(now);
        if (_allocationRefresh.RefreshRequested)
        {
            _allocationRefresh.RefreshRequested = false;
            if (State == TurnClientState.Allocated)
                Start(now, new Request(TurnRequestKind.Refresh) { Lifetime = RequestedLifetime, Automatic = true });
        }
        foreach (var (peer, machine) in _permissions)
        {
            machine.HandleTimeout(now);
            if (!machine.RefreshRequested) continue;
            machine.RefreshRequested = false;
            if (State == TurnClientState.Allocated)
                Start(now, new Request(TurnRequestKind.CreatePermission) { Peers = [peer], Automatic = true });
        }
        foreach (var channel in _channelsByNumber.Values)
        {
            channel.Refresh.HandleTimeout(now);
            if (!channel.Refresh.RefreshRequested) continue;
            channel.Refresh.RefreshRequested = false;
            if (State == TurnClientState.Allocated)
                Start(now, new Request(TurnRequestKind.ChannelBind) { Peer = channel.Peer, Channel = channel.Number, Automatic = true });
        }
    }

    // ---------------------------------------------------------------- outputs

    /// <summary>The next message to send to the server.</summary>
    public bool TryPollTransmit(out ReadOnlyMemory<byte> message) => _outbox.TryDequeue(out message);

    public bool TryPollEvent(out TurnClientEvent? clientEvent) => _events.TryDequeue(out clientEvent);

    /// <summary>When <see cref="HandleTimeout"/> must next be called, or null when no timer runs.</summary>
    public TimeSpan? PollTimeout()
    {
        TimeSpan? next = _allocationRefresh.NextDeadline;
        foreach (var request in _pending) next = Earliest(next, request.Transaction.PollTimeout());
        foreach (var machine in _permissions.Values) next = Earliest(next, machine.NextDeadline);
        foreach (var channel in _channelsByNumber.Values) next = Earliest(next, channel.Refresh.NextDeadline);
        return Earliest(next, RecoveryDeadline);
    }

    /// <summary>
    /// The ConnectionBind for a new data connection (RFC 6062 §4.3, §4.4), with this allocation's credentials: after a
    /// <see cref="TurnConnected"/> or a <see cref="TurnConnectionAttempt"/>, open a TCP/TLS connection to the server and
    /// run it there.
    /// </summary>
    public TurnConnectionBind CreateConnectionBind(uint connectionId)
    {
        if (_key is null || _realm is null || _nonce is null)
            throw new InvalidOperationException("ConnectionBind is sent with the allocation's credentials (RFC 6062 §4.3); allocate first.");
        if (!_options.TcpRelay) throw new InvalidOperationException("RFC 6062: ConnectionBind belongs to a TCP allocation (TcpRelay).");
        return new TurnConnectionBind(_options, connectionId, _key, _realm, _nonce, _random);
    }

    // ---------------------------------------------------------------- requests

    private long Start(TimeSpan now, Request request)
    {
        request.Id = _nextRequestId++;
        Transmit(now, request);
        _pending.Add(request);
        return request.Id;
    }

    /// <summary>Builds the request (a new transaction each time: RFC 8489 §9.2.5 retries are new transactions) and sends it.</summary>
    private void Transmit(TimeSpan now, Request request)
    {
        Span<byte> id = stackalloc byte[StunHeader.TransactionIdLength];
        _random(id);
        Span<byte> buffer = stackalloc byte[2048];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(MethodOf(request.Kind), StunClass.Request), id);
        switch (request.Kind)
        {
            case TurnRequestKind.Allocate:
                builder.AddRequestedTransport(new RequestedTransportValue(_options.TcpRelay ? ProtocolTcp : ProtocolUdp, Reserved3));
                if (request.Lifetime is { } allocateLifetime) builder.AddLifetime(allocateLifetime);
                if (_options.AddressFamily == TurnAddressFamily.IPv6)
                    builder.AddRequestedAddressFamily(new RequestedAddressFamilyValue(StunAddress.FamilyIPv6, Reserved3));
                else if (_options.AddressFamily == TurnAddressFamily.Dual)
                    builder.AddAdditionalAddressFamily(new AdditionalAddressFamilyValue(StunAddress.FamilyIPv6, Reserved3));
                if (_options.DontFragment && !_options.TcpRelay) builder.AddDontFragment();
                break;
            case TurnRequestKind.Refresh:
            case TurnRequestKind.Close:
                if (request.Lifetime is { } refreshLifetime) builder.AddLifetime(refreshLifetime);
                break;
            case TurnRequestKind.CreatePermission:
                foreach (var peer in request.Peers!) builder.AddXorPeerAddress(new StunAddress(new IPEndPoint(peer, 0)));
                break;
            case TurnRequestKind.ChannelBind:
                builder.AddChannelNumber(new ChannelNumberValue(request.Channel, 0));
                builder.AddXorPeerAddress(new StunAddress(request.Peer!));
                break;
            case TurnRequestKind.Connect:
                builder.AddXorPeerAddress(new StunAddress(request.Peer!));
                break;
        }
        request.Authenticated = _key is not null;
        if (request.Authenticated) AddCredentials(ref builder);
        else
        {
            if (_options.Software is { } software) builder.AddSoftware(software.AsSpan());
            if (_options.Fingerprint) builder.AddFingerprint();
        }
        request.Started = now;
        request.Transaction = new StunClientTransaction(builder.Written, _reliability, _options.Rto);
        request.Transaction.Start(now);
        Drain(request.Transaction);
    }

    /// <summary>RFC 8489 §9.2.4: USERNAME, REALM, NONCE, then MESSAGE-INTEGRITY over all of it (then FINGERPRINT).</summary>
    private void AddCredentials(ref StunMessageBuilder builder)
    {
        builder.AddUsername(_options.Username.AsSpan());
        builder.AddRealm(_realm);
        builder.AddNonce(_nonce);
        if (_options.Software is { } software) builder.AddSoftware(software.AsSpan());
        builder.AddMessageIntegrity(_key!);
        if (_options.Fingerprint) builder.AddFingerprint();
    }

    private void Drain(StunClientTransaction transaction)
    {
        while (transaction.TryPollTransmit(out var message)) _outbox.Enqueue(message);
    }

    private void HandleResponse(TimeSpan now, ReadOnlySpan<byte> packet, StunMessage parsed)
    {
        Request? request = null;
        foreach (var candidate in _pending)
        {
            if (candidate.Transaction.TransactionId.SequenceEqual(parsed.TransactionId)) { request = candidate; break; }
        }
        if (request is null || parsed.Method != MethodOf(request.Kind)) return; // a late or foreign response: discard

        var errorCode = 0;
        if (parsed.Class == StunClass.Error) parsed.TryGetErrorCode(out errorCode, out _);
        // RFC 8489 §9.2.5: a 401 or 438 is not checked with the key (it may be what tells us the key is wrong).
        var challenge = errorCode is StunErrorCodes.Unauthenticated or StunErrorCodes.StaleNonce;
        var key = request.Authenticated && !challenge ? _key : null;
        var check = StunMessageChecker.Check(packet, key, out var message);
        switch (check.Outcome)
        {
            case StunCheckOutcome.Malformed:
            case StunCheckOutcome.FingerprintMismatch:
            case StunCheckOutcome.IntegrityMismatch:
                return; // RFC 8489 §6.3, §9.2.5: discarded as if never received
            case StunCheckOutcome.IntegrityMissing when message.Class == StunClass.Success && _reliability == StunTransport.Unreliable:
                return; // RFC 8489 §9.2.5: a success without integrity is discarded over UDP (a retransmission may bring a good one)
            case StunCheckOutcome.RuleViolation or StunCheckOutcome.UnknownComprehensionRequired when !Authentic(message, key):
                return; // the checker stops at the rule: act on it only if FINGERPRINT and the integrity hold
        }
        if (!request.Transaction.HandleResponse(now, message)) return;
        _pending.Remove(request);
        _lastHeard = now;

        string? reason = null;
        if (message.Class == StunClass.Error && message.TryGetErrorCode(out _, out var reasonUtf8))
            reason = Encoding.UTF8.GetString(reasonUtf8).TrimEnd('\0'); // coturn ends some phrases with a NUL ("Stale nonce\0")
        _events.Enqueue(new TurnTransactionCompleted(now, request.Id, request.Kind, message.Method, message.Class,
            message.Class == StunClass.Error ? errorCode : null, reason, request.Authenticated, request.Transaction.Sends, now - request.Started));

        if (check.Outcome == StunCheckOutcome.IntegrityMissing && message.Class == StunClass.Success)
        {
            Fail(now, request, null, $"the {request.Kind} success carries no MESSAGE-INTEGRITY (RFC 8489 §9.2.5)");
            return;
        }
        if (check.Outcome is StunCheckOutcome.RuleViolation or StunCheckOutcome.UnknownComprehensionRequired)
        {
            Fail(now, request, message.Class == StunClass.Error ? errorCode : null, $"the response broke a rule: {check.Violation}");
            return;
        }
        if (!TurnValidator.TryValidate(message, out var violation))
        {
            Fail(now, request, message.Class == StunClass.Error ? errorCode : null, $"the response broke a rule: {violation}");
            return;
        }

        if (message.Class == StunClass.Error) HandleError(now, request, message, errorCode, reason ?? "");
        else HandleSuccess(now, request, message);
    }

    private void HandleError(TimeSpan now, Request request, in StunMessage message, int code, string reason)
    {
        if (code is StunErrorCodes.Unauthenticated or StunErrorCodes.StaleNonce)
        {
            if (!message.TryGetRealm(out var realm) || !message.TryGetNonce(out var nonce))
            {
                Fail(now, request, code, $"{code} {reason} without REALM and NONCE (RFC 8489 §9.2.4)");
                return;
            }
            var realmText = Encoding.UTF8.GetString(realm);
            if (_options.Realm is { } expected && !string.Equals(expected, realmText, StringComparison.Ordinal))
            {
                Fail(now, request, code, $"the server's realm \"{realmText}\" is not the expected \"{expected}\"", credentialsRejected: true, realm: realmText);
                return;
            }
            if (_realm is null || !realm.SequenceEqual(_realm) || _key is null)
            {
                _realm = realm.ToArray();
                _key = StunKey.LongTerm(_options.Username, realmText, _options.Password);
            }
            _nonce = nonce.ToArray();

            var trigger = code == StunErrorCodes.Unauthenticated ? TurnClientAuthenticationEvent.Unauthorized : TurnClientAuthenticationEvent.StaleNonce;
            _authentication.RetryRequested = false;
            _authentication.Fire(trigger, now);
            if (_authentication.RetryRequested && (trigger == TurnClientAuthenticationEvent.Unauthorized || request.StaleNonceRetries++ < MaxStaleNonceRetries))
            {
                _authentication.RetryRequested = false;
                Transmit(now, request);
                _pending.Add(request);
                return;
            }
            if (_authentication.State == TurnClientAuthenticationState.Rejected || (code == StunErrorCodes.Unauthenticated && request.Authenticated))
            {
                Fail(now, request, code,
                    $"the server rejected the credentials of user \"{_options.Username}\" in realm \"{realmText}\" ({code} {reason}; RFC 8489 §9.2.5)",
                    credentialsRejected: true, realm: realmText);
                return;
            }
            Fail(now, request, code, $"{code} {reason}", realm: realmText);
            return;
        }

        IPEndPoint? alternate = null;
        if (code == StunErrorCodes.TryAlternate && message.TryGetAlternateServer(out var address)) alternate = address.ToEndPoint();
        var phrase = reason.Length > 0 ? reason : TurnErrorCodes.ReasonPhrase(code) ?? StunErrorCodes.ReasonPhrase(code) ?? "";
        Fail(now, request, code, $"{request.Kind} failed: {code} {phrase}" + (alternate is null ? "" : $" (ALTERNATE-SERVER {alternate})"),
            alternate: alternate);
    }

    private void HandleSuccess(TimeSpan now, Request request, in StunMessage message)
    {
        if (request.Authenticated) _authentication.Fire(TurnClientAuthenticationEvent.Accepted, now);
        switch (request.Kind)
        {
            case TurnRequestKind.Allocate:
            {
                var relayed = new List<IPEndPoint>();
                var errors = new List<TurnAddressError>();
                foreach (var attribute in message.Attributes)
                {
                    // RFC 8656 §7.3: one XOR-RELAYED-ADDRESS per family granted (two for a dual allocation).
                    if (attribute.Type == TurnAttributeTypes.XorRelayedAddress && StunAddress.TryRead(attribute.Value, true, message.TransactionId, out var r))
                        relayed.Add(r.ToEndPoint());
                    else if (attribute.Type == TurnAttributeTypes.AddressErrorCode && AddressErrorCodeValue.TryRead(attribute.Value, out var e, out _))
                        errors.Add(new TurnAddressError(e.Family, e.Class * 100 + e.Number, Encoding.UTF8.GetString(e.Reason)));
                }
                message.TryGetXorMappedAddress(out var mapped);
                message.TryGetLifetime(out var seconds);
                RelayedAddresses = relayed;
                MappedAddress = mapped.ToEndPoint();
                State = TurnClientState.Allocated;
                _lastHeard = now;
                _reallocationAttempts = 0;
                _reallocating = false;
                Granted(_allocationRefresh, now, TimeSpan.FromSeconds(seconds), _margin);
                Lifetime = TimeSpan.FromSeconds(seconds);
                _events.Enqueue(new TurnAllocated(now, request.Id, relayed, MappedAddress, Lifetime.Value, errors, request.Reallocation));
                break;
            }
            case TurnRequestKind.Refresh:
            {
                message.TryGetLifetime(out var seconds);
                Lifetime = TimeSpan.FromSeconds(seconds);
                Granted(_allocationRefresh, now, Lifetime.Value, _margin);
                _events.Enqueue(new TurnRefreshed(now, request.Id, Lifetime.Value, request.Automatic));
                break;
            }
            case TurnRequestKind.Close:
                State = TurnClientState.Closed;
                _events.Enqueue(new TurnClosed(now, request.Id));
                break;
            case TurnRequestKind.CreatePermission:
                foreach (var peer in request.Peers!) GrantPermission(now, peer);
                _events.Enqueue(new TurnPermissionCreated(now, request.Id, request.Peers!, request.Automatic));
                break;
            case TurnRequestKind.ChannelBind:
            {
                var channel = _channelsByNumber[request.Channel];
                channel.Bound = true;
                Granted(channel.Refresh, now, _channelLifetime, _margin);
                // RFC 8656 §12.2: a ChannelBind also installs or refreshes the permission for the peer's IP address.
                GrantPermission(now, channel.Peer.Address);
                _events.Enqueue(new TurnChannelBound(now, request.Id, channel.Peer, channel.Number, request.Automatic));
                break;
            }
            case TurnRequestKind.Connect:
                message.TryGetConnectionId(out var connectionId);
                _events.Enqueue(new TurnConnected(now, request.Id, request.Peer!, connectionId));
                break;
        }
    }

    private void GrantPermission(TimeSpan now, IPAddress peer)
    {
        if (State != TurnClientState.Allocated) return;
        if (!_permissions.TryGetValue(peer, out var machine)) _permissions.Add(peer, machine = new TurnClientRefreshMachine());
        Granted(machine, now, _permissionLifetime, _margin);
    }

    /// <summary>Feeds a granted lifetime to a refresh machine: <c>start Refresh after Lifetime - Margin</c>.</summary>
    private static void Granted(TurnClientRefreshMachine machine, TimeSpan now, TimeSpan lifetime, TimeSpan margin)
    {
        machine.Lifetime = lifetime;
        machine.Margin = margin < lifetime ? margin : lifetime / 2; // a lifetime shorter than the margin: refresh at its half
        machine.Fire(TurnClientRefreshEvent.Granted, now);
    }

    private void Fail(TimeSpan now, Request request, int? code, string reason, bool timedOut = false, bool credentialsRejected = false,
        string? realm = null, IPEndPoint? alternate = null)
    {
        switch (request.Kind)
        {
            case TurnRequestKind.Allocate when request.Reallocation && !credentialsRejected:
                Report();
                ReallocationFailed(now, reason);
                return;
            case TurnRequestKind.Allocate:
                StopReallocating();
                State = TurnClientState.Failed;
                break;
            case TurnRequestKind.Refresh or TurnRequestKind.CreatePermission or TurnRequestKind.ChannelBind
                when State == TurnClientState.Allocated && (code == TurnErrorCodes.AllocationMismatch || timedOut):
                // RFC 8656 §19: 437 means the server has no allocation for this 5-tuple; RFC 8489 §6.2.1: no answer at all.
                Report();
                AllocationLost(now, timedOut ? TurnAllocationLossCause.NoResponse : TurnAllocationLossCause.AllocationMismatch, reason);
                return;
            case TurnRequestKind.Close:
                State = TurnClientState.Closed;
                _events.Enqueue(new TurnClosed(now, request.Id));
                break;
        }
        Report();

        void Report() => _events.Enqueue(new TurnRequestFailed(now, request.Id, request.Kind, code, reason, timedOut, credentialsRejected, realm ?? Realm,
            alternate, request.Automatic));
    }

    private void HandleIndication(TimeSpan now, ReadOnlySpan<byte> packet)
    {
        var check = StunMessageChecker.Check(packet, null, out var message);
        if (!check.IsValid || !TurnValidator.TryValidate(message, out _)) return; // RFC 8656 §11.4: discard a malformed Data indication
        if (message.Method == TurnMethods.Data)
        {
            if (!message.TryGetXorPeerAddress(out var peer) || !message.TryGetData(out var data)) return; // ICMP only: nothing to deliver
            _lastHeard = now;
            // RFC 8656 §11.4: data from a peer without a permission is not expected; the server enforces permissions.
            _events.Enqueue(new TurnDataReceived(now, peer.ToEndPoint(), data.ToArray(), null));
        }
        else if (message.Method == TurnMethods.ConnectionAttempt && message.TryGetXorPeerAddress(out var from) && message.TryGetConnectionId(out var id))
        {
            _events.Enqueue(new TurnConnectionAttempt(now, from.ToEndPoint(), id));
        }
    }

    private void HandleChannelData(TimeSpan now, ReadOnlySpan<byte> packet)
    {
        if (ChannelData.TryParse(packet, out var message) != ChannelDataStatus.Ok) return;
        // RFC 8656 §12.6: ChannelData on a channel not bound to a peer is discarded.
        if (!_channelsByNumber.TryGetValue(message.Channel, out var channel) || !channel.Bound) return;
        _lastHeard = now;
        _events.Enqueue(new TurnDataReceived(now, channel.Peer, message.Data.ToArray(), message.Channel));
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>FINGERPRINT (when present) and, with a key, MESSAGE-INTEGRITY(-SHA256) verify.</summary>
    private static bool Authentic(in StunMessage message, StunKey? key)
    {
        if (message.HasFingerprint && StunIntegrity.VerifyFingerprint(message) != IntegrityStatus.Valid) return false;
        if (key is null) return true;
        var integrity = message.HasMessageIntegritySha256
            ? StunIntegrity.VerifyMessageIntegritySha256(message, key)
            : StunIntegrity.VerifyMessageIntegrity(message, key);
        return integrity is IntegrityStatus.Valid or IntegrityStatus.Missing;
    }

    private uint? RequestedLifetime => _options.Lifetime is { } l ? Seconds(l) : null;

    private static uint Seconds(TimeSpan lifetime) => (uint)Math.Clamp(Math.Ceiling(lifetime.TotalSeconds), 0, uint.MaxValue);

    private void RequireAllocated()
    {
        if (State != TurnClientState.Allocated) throw new InvalidOperationException($"The request needs an allocation (the client is {State}).");
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static IPEndPoint Normalize(IPEndPoint endPoint) =>
        endPoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endPoint.Address.MapToIPv4(), endPoint.Port) : endPoint;

    private static ushort MethodOf(TurnRequestKind kind) => kind switch
    {
        TurnRequestKind.Allocate => TurnMethods.Allocate,
        TurnRequestKind.Refresh or TurnRequestKind.Close => TurnMethods.Refresh,
        TurnRequestKind.CreatePermission => TurnMethods.CreatePermission,
        TurnRequestKind.ChannelBind => TurnMethods.ChannelBind,
        _ => TurnMethods.Connect,
    };

    private static TimeSpan? Earliest(TimeSpan? a, TimeSpan? b) => a is null ? b : b is null ? a : a < b ? a : b;

    private sealed class Request(TurnRequestKind kind)
    {
        public TurnRequestKind Kind { get; } = kind;
        public long Id { get; set; }
        public bool Automatic { get; init; }
        public uint? Lifetime { get; init; }
        public IPAddress[]? Peers { get; init; }
        public IPEndPoint? Peer { get; init; }
        public ushort Channel { get; init; }
        public StunClientTransaction Transaction { get; set; } = null!;
        public bool Authenticated { get; set; }
        public TimeSpan Started { get; set; }
        public int StaleNonceRetries { get; set; }
        /// <summary>An Allocate that replaces a lost allocation.</summary>
        public bool Reallocation { get; init; }
    }

    private sealed class Channel(ushort number, IPEndPoint peer)
    {
        public ushort Number { get; } = number;
        public IPEndPoint Peer { get; } = peer;
        public bool Bound { get; set; }
        public TurnClientRefreshMachine Refresh { get; } = new();
    }
}
