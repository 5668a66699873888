using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using IceSpec.Conformance.Lab;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Conformance.Tests.ServerCases;

/// <summary>One defect <see cref="FaultyTurnServer"/> can be given, each one a real server's (coturn 4.6.1 has all five).</summary>
[Flags]
public enum TurnFaults
{
    None = 0,

    /// <summary>The first USERNAME tried on a 5-tuple is kept, even when its authentication failed: another user then gets 437.</summary>
    BindsUserOnFailedAuthentication = 1,

    /// <summary>Reason phrases are padded with NUL bytes to a multiple of 4 inside the ERROR-CODE Length.</summary>
    NulPaddedReasonPhrases = 2,

    /// <summary>After a TCP frame it cannot take, the connection stays open and nothing more on it is answered.</summary>
    TcpHangsAfterMalformedFrame = 4,

    /// <summary>ADDITIONAL-ADDRESS-FAMILY 0x01 (IPv4) is accepted: an IPv4 allocation instead of 400.</summary>
    AcceptsIpv4AdditionalFamily = 8,

    /// <summary>ADDITIONAL-ADDRESS-FAMILY 0x02 gets one IPv4 relayed address and no ADDRESS-ERROR-CODE.</summary>
    OmitsAddressErrorCode = 16,
}

/// <summary>
/// A small TURN server for the tests (UDP and TCP on one loopback port, users alice:secret and bob:hunter2, realm
/// example.org, one fixed nonce, no relaying): right in what the format, authentication and address-family cases check,
/// unless given <see cref="TurnFaults"/> — each fault must make exactly its case fail. Allocations are bookkeeping only
/// (XOR-RELAYED-ADDRESS 127.0.0.1 with made-up ports). Started on free ports, stopped (sockets closed, loops awaited) on dispose.
/// </summary>
public sealed class FaultyTurnServer : IAsyncDisposable
{
    public const string Realm = "example.org";
    private const string Nonce = "faulty-nonce-0001";
    private static readonly Dictionary<string, string> Users = new() { ["alice"] = "secret", ["bob"] = "hunter2" };

    private readonly TurnFaults _faults;
    private readonly Socket _udp = new(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
    private readonly TcpListener _tcp;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, string> _boundUsers = new();
    private readonly ConcurrentDictionary<string, byte> _allocations = new();
    private readonly List<Task> _loops = [];
    private readonly List<TcpClient> _clients = [];
    private int _nextRelayPort = 50000;

    public FaultyTurnServer(TurnFaults faults)
    {
        _faults = faults;
        Port = LoopbackPorts.Listening();
        _udp.Bind(new IPEndPoint(IPAddress.Loopback, Port));
        _tcp = new TcpListener(IPAddress.Loopback, Port);
        _tcp.Start();
        _loops.Add(UdpLoopAsync());
        _loops.Add(AcceptLoopAsync());
    }

    public int Port { get; }

    private bool Has(TurnFaults fault) => (_faults & fault) != 0;

    private async Task UdpLoopAsync()
    {
        var buffer = new byte[65536];
        try
        {
            while (true)
            {
                var received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0), _stop.Token);
                var from = (IPEndPoint)received.RemoteEndPoint;
                if (Answer(buffer.AsSpan(0, received.ReceivedBytes), "udp", from) is { } response)
                    await _udp.SendToAsync(response, SocketFlags.None, from, _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task AcceptLoopAsync()
    {
        try
        {
            while (true)
            {
                var client = await _tcp.AcceptTcpClientAsync(_stop.Token);
                lock (_clients)
                {
                    _clients.Add(client);
                    _loops.Add(ServeTcpAsync(client));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    /// <summary>STUN framed by its header (RFC 8489 §6.2.2), ChannelData (0x40–0x4F) by its padded length; anything else is malformed.</summary>
    private async Task ServeTcpAsync(TcpClient client)
    {
        var from = (IPEndPoint)client.Client.RemoteEndPoint!;
        var stream = client.GetStream();
        var buffer = new byte[70000];
        var filled = 0;
        var stuck = false;
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer.AsMemory(filled), _stop.Token);
                if (read == 0) return;
                if (stuck) continue; // reads and ignores everything, never closes
                filled += read;
                while (filled >= 4)
                {
                    var top = buffer[0] & 0xC0;
                    var length = BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(2));
                    var malformed = top == 0x00 ? (length & 3) != 0 : top != 0x40 || buffer[0] > 0x4F;
                    if (malformed)
                    {
                        if (!Has(TurnFaults.TcpHangsAfterMalformedFrame)) return; // closes
                        stuck = true;
                        break;
                    }
                    var total = top == 0x00 ? StunHeader.Length + length : 4 + ((length + 3) & ~3);
                    if (filled < total) break;
                    if (top == 0x00 && Answer(buffer.AsSpan(0, total), "tcp", from) is { } response)
                        await stream.WriteAsync(response, _stop.Token);
                    buffer.AsSpan(total, filled - total).CopyTo(buffer);
                    filled -= total;
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or IOException or SocketException)
        {
        }
        finally
        {
            client.Dispose();
        }
    }

    /// <summary>The response to one message, or null (not a valid STUN request: silently discarded, RFC 8489 §6.3).</summary>
    private byte[]? Answer(ReadOnlySpan<byte> bytes, string transport, IPEndPoint from)
    {
        if (StunMessage.TryParse(bytes, out var message) != StunParseStatus.Ok || message.Class != StunClass.Request) return null;
        var flow = $"{transport}/{from}";
        var tid = message.TransactionId.ToArray();
        if (message.Method == StunMethods.Binding)
        {
            if (message.Contains(0x7FEE)) return Error(message.Method, tid, 420, "Unknown Attribute", null, (ref StunMessageBuilder b) => b.AddUnknownAttributes([0x7FEE]));
            return Success(message.Method, tid, null, (ref StunMessageBuilder b) => b.AddXorMappedAddress(new StunAddress(from)));
        }
        if (!message.HasMessageIntegrity) return Error(message.Method, tid, 401, "Unauthorized", null, WithRealmAndNonce);
        var username = message.GetUsernameString() ?? "";
        if (Has(TurnFaults.BindsUserOnFailedAuthentication))
        {
            var bound = _boundUsers.GetOrAdd(flow, username);
            if (bound != username) return Error(message.Method, tid, 437, "Allocation mismatch: wrong credentials", null, null);
        }
        if (!Users.TryGetValue(username, out var password)) return Error(message.Method, tid, 401, "Unauthorized", null, WithRealmAndNonce);
        var key = StunKey.LongTerm(username, Realm, password);
        if (StunIntegrity.VerifyMessageIntegrity(message, key) != IntegrityStatus.Valid) return Error(message.Method, tid, 401, "Unauthorized", null, WithRealmAndNonce);
        if (message.GetNonceString() != Nonce) return Error(message.Method, tid, 438, "Stale Nonce", null, WithRealmAndNonce);
        var allocated = _allocations.ContainsKey(flow);
        switch (message.Method)
        {
            case TurnMethods.Allocate:
                return Allocate(message, tid, key, flow, from, allocated);
            case TurnMethods.Refresh:
                if (!allocated) return Error(message.Method, tid, 437, "Allocation Mismatch", key, null);
                var lifetime = message.TryGetLifetime(out var asked) && asked == 0 ? 0u : 600u;
                if (lifetime == 0) _allocations.TryRemove(flow, out _);
                return Success(message.Method, tid, key, (ref StunMessageBuilder b) => b.AddLifetime(lifetime));
            case TurnMethods.CreatePermission:
            case TurnMethods.ChannelBind:
                if (!allocated) return Error(message.Method, tid, 437, "Allocation Mismatch", key, null);
                if (!message.TryGetXorPeerAddress(out var peer)) return Error(message.Method, tid, 400, "Bad Request", key, null);
                if (peer.Family == StunAddress.FamilyIPv6) return Error(message.Method, tid, 443, "Peer Address Family Mismatch", key, null);
                if (peer.Address.Equals(IPAddress.Parse("0.0.0.1"))) return Error(message.Method, tid, 403, "Forbidden", key, null);
                if (message.Method == TurnMethods.ChannelBind && (!message.TryGetAttribute(TurnAttributeTypes.ChannelNumber, out var channel) ||
                    channel.Length != 4 || BinaryPrimitives.ReadUInt16BigEndian(channel) is < 0x4000 or > 0x4FFF))
                    return Error(message.Method, tid, 400, "Bad Request", key, null);
                return Success(message.Method, tid, key, null);
            default:
                return Error(message.Method, tid, 400, "Bad Request", key, null);
        }
    }

    private byte[] Allocate(StunMessage message, byte[] tid, StunKey key, string flow, IPEndPoint from, bool allocated)
    {
        var method = message.Method;
        if (allocated) return Error(method, tid, 437, "Allocation Mismatch", key, null);
        if (!message.TryGetAttribute(TurnAttributeTypes.RequestedTransport, out var transport) || transport.Length != 4) return Error(method, tid, 400, "Bad Request", key, null);
        if (transport[0] != 17) return Error(method, tid, 442, "Unsupported Transport Protocol", key, null);
        var requested = message.TryGetAttribute(TurnAttributeTypes.RequestedAddressFamily, out var family) ? family[0] : (byte)0;
        var additional = message.TryGetAttribute(TurnAttributeTypes.AdditionalAddressFamily, out var extra) ? extra[0] : (byte)0;
        if (requested != 0 && additional != 0) return Error(method, tid, 400, "Bad Request", key, null);
        if (requested == StunAddress.FamilyIPv6) return Error(method, tid, 440, "Address Family not Supported", key, null);
        if (additional == StunAddress.FamilyIPv4 && !Has(TurnFaults.AcceptsIpv4AdditionalFamily)) return Error(method, tid, 400, "Bad Request", key, null);
        _allocations[flow] = 0;
        var relayed = new IPEndPoint(IPAddress.Loopback, Interlocked.Increment(ref _nextRelayPort));
        var addressError = additional == StunAddress.FamilyIPv6 && !Has(TurnFaults.OmitsAddressErrorCode);
        return Success(method, tid, key, (ref StunMessageBuilder b) =>
        {
            b.AddXorRelayedAddress(new StunAddress(relayed));
            b.AddLifetime(600);
            if (addressError) b.AddAddressErrorCode(new AddressErrorCodeValue(StunAddress.FamilyIPv6, 0, 4, 40, "Address Family not Supported"u8));
            b.AddXorMappedAddress(new StunAddress(from));
        });
    }

    private delegate void Attributes(ref StunMessageBuilder builder);

    private static void WithRealmAndNonce(ref StunMessageBuilder builder)
    {
        builder.AddRealm(Realm);
        builder.AddNonce(Nonce);
    }

    private static byte[] Success(ushort method, byte[] tid, StunKey? key, Attributes? attributes) => Build(method, StunClass.Success, tid, key, attributes);

    private byte[] Error(ushort method, byte[] tid, int code, string reason, StunKey? key, Attributes? attributes)
    {
        var phrase = Encoding.UTF8.GetBytes(reason);
        if (Has(TurnFaults.NulPaddedReasonPhrases)) Array.Resize(ref phrase, (phrase.Length + 3) & ~3);
        var value = new byte[4 + phrase.Length];
        value[2] = (byte)(code / 100);
        value[3] = (byte)(code % 100);
        phrase.CopyTo(value, 4);
        return Build(method, StunClass.Error, tid, key, (ref StunMessageBuilder b) =>
        {
            b.Add(StunAttributeTypes.ErrorCode, value);
            attributes?.Invoke(ref b);
        });
    }

    private static byte[] Build(ushort method, StunClass messageClass, byte[] tid, StunKey? key, Attributes? attributes)
    {
        Span<byte> buffer = stackalloc byte[1024];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(method, messageClass), tid);
        attributes?.Invoke(ref builder);
        if (key is not null) builder.AddMessageIntegrity(key);
        return builder.Written.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _tcp.Stop();
        _udp.Dispose();
        Task[] loops;
        lock (_clients)
        {
            foreach (var client in _clients) client.Dispose();
            loops = [.. _loops];
        }
        await Task.WhenAll(loops);
        _stop.Dispose();
    }
}
