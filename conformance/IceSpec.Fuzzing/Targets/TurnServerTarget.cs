using System.Buffers.Binary;
using IceSpec.Stun;
using IceSpec.Turn;
using IceSpec.Turn.Server;
using Microsoft.Extensions.Logging;

namespace IceSpec.Fuzzing.Targets;

/// <summary>
/// The TURN server's sans-IO core (RFC 8656, RFC 6062's framing aside) in process, on a virtual clock, with in-memory relay
/// ports: <see cref="TurnServer.HandlePacket"/>, <see cref="TurnServer.HandleRelayPacket"/>,
/// <see cref="TurnServer.HandleConnectionClosed"/>, <see cref="TurnServer.HandleTimeout"/> and
/// <see cref="TurnServer.PollTransmit"/>. The input is a script of events (see <see cref="TurnScript"/>). The core
/// catches its own bugs per message and counts them (<see cref="TurnServerCounters.InternalErrors"/>); for the fuzzer
/// each of those is a crash, as is any exception out of the core, or a transmit to a client that is not well-framed STUN
/// or ChannelData.
/// </summary>
public sealed class TurnServerTarget : FuzzTarget
{
    public override string Name => "turn-server";

    public override string Description => "TURN server core: HandlePacket/HandleRelayPacket/HandleTimeout/PollTransmit on a virtual clock (RFC 8656)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var session = new TurnScript.Session();
        var reader = new FuzzReader(input);
        while (!reader.IsEmpty) session.Step(ref reader);
        session.Finish();
    }
}

/// <summary>
/// The event script the TURN target reads, and the server it drives. Each event is one byte of kind then its fields:
/// <list type="bullet">
/// <item>0 packet from a client: client (byte, one of <see cref="Clients"/>), length (16 bits), the packet. A STUN
/// message's MESSAGE-INTEGRITY(-SHA256) and FINGERPRINT are recomputed with alice's long-term key first, so mutated
/// requests still reach the authenticated paths.</item>
/// <item>1 datagram from a peer: relay port (byte, index into the open ones), peer (byte, one of <see cref="Peers"/>),
/// length (16 bits), the data.</item>
/// <item>2 time passes: seconds (byte), then timers fire.</item>
/// <item>3 a client's TCP/TLS connection closes: client (byte).</item>
/// </list>
/// The server's randomness is a counter, so the nonce it issues is the same on every run and seeds stay authenticated.
/// </summary>
public static class TurnScript
{
    public const string Realm = "example.org";
    public static readonly StunKey Alice = StunKey.LongTerm("alice", Realm, "secret");
    public static readonly StunKey AliceSha256 = StunKey.LongTerm("alice", Realm, "secret", StunPasswordAlgorithm.Sha256);
    public static readonly TurnEndpoint Server = TurnEndpoint.Parse("192.0.2.10:3478");

    public static readonly TurnFlow[] Clients =
    [
        new(TurnTransport.Udp, Server, TurnEndpoint.Parse("203.0.113.7:40000")),
        new(TurnTransport.Udp, Server, TurnEndpoint.Parse("[2001:db8::7]:40001")),
        new(TurnTransport.Tcp, Server, TurnEndpoint.Parse("203.0.113.8:40002")),
        new(TurnTransport.Tls, Server, TurnEndpoint.Parse("203.0.113.9:40003")),
    ];

    public static readonly TurnEndpoint[] Peers =
    [
        TurnEndpoint.Parse("203.0.113.50:5000"), TurnEndpoint.Parse("203.0.113.51:6000"), TurnEndpoint.Parse("10.0.0.1:7000"),
    ];

    public const byte ClientPacket = 0, PeerDatagram = 1, TimePasses = 2, ConnectionClosed = 3;

    public sealed class Session
    {
        private readonly MemoryRelayPorts _relays = new();
        private readonly TurnServer _server;
        private readonly List<string> _errors = [];
        private TimeSpan _now = TimeSpan.FromSeconds(1);
        private ulong _counter;

        public Session()
        {
            var options = new TurnServerOptions
            {
                Realm = Realm,
                Credentials = new TurnCredentials(Realm, [new TurnUser("alice", "secret"), new TurnUser("bob", "hunter2")], ["rest-secret"]),
                PeerPolicy = new TurnPeerPolicy(allowed: [IpPrefix.Parse("203.0.113.0/24")]),
                WallClockAtZero = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
                UserQuota = 4,
            };
            var log = new TurnLogLineProvider(line => { if (line.Contains("internal-error")) _errors.Add(line); }, LogLevel.Error).CreateLogger("fuzz");
            _server = new TurnServer(options, _relays, log, Fill);
        }

        /// <summary>Whether client packets are signed again with alice's keys (<see cref="Authenticate"/>); off only to test that it matters.</summary>
        public bool SignRequests { get; init; } = true;

        /// <summary>Transmits of the last event (buffers already returned to the pool, bytes copied).</summary>
        public List<(TurnTransmitTarget Target, byte[] Bytes)> Sent { get; } = [];

        public void Step(ref FuzzReader reader)
        {
            Sent.Clear();
            switch (reader.Byte() % 4)
            {
                case ClientPacket:
                {
                    var client = Clients[reader.Byte() % Clients.Length];
                    var packet = reader.Bytes(reader.UInt16()).ToArray();
                    if (SignRequests) Authenticate(packet);
                    _server.HandlePacket(_now, client.Transport, client.Local, client.Remote, packet);
                    break;
                }
                case PeerDatagram:
                {
                    var port = reader.Byte();
                    var peer = Peers[reader.Byte() % Peers.Length];
                    var data = reader.Bytes(reader.UInt16());
                    if (_relays.Open.Count > 0) _server.HandleRelayPacket(_now, _relays.Open[port % _relays.Open.Count], peer, data);
                    break;
                }
                case TimePasses:
                    _now += TimeSpan.FromSeconds(reader.Byte());
                    _server.HandleTimeout(_now);
                    break;
                case ConnectionClosed:
                {
                    var client = Clients[reader.Byte() % Clients.Length];
                    _server.HandleConnectionClosed(_now, client.Transport, client.Local, client.Remote);
                    break;
                }
            }
            Drain();
        }

        public void Finish()
        {
            _server.Shutdown(_now);
            Drain();
            if (_server.Counters.InternalErrors > 0)
                throw new InvariantViolation($"the TURN core caught {_server.Counters.InternalErrors} internal errors: {string.Join("; ", _errors)}");
        }

        private void Drain()
        {
            while (_server.PollTransmit(out var transmit))
            {
                var bytes = transmit.Buffer.AsSpan(0, transmit.Length).ToArray();
                TurnServer.ReturnBuffer(transmit);
                Sent.Add((transmit.Target, bytes));
                if (transmit.Target != TurnTransmitTarget.Client) continue;
                if (!WellFramed(bytes))
                    throw new InvariantViolation($"the server sent a client {Convert.ToHexString(bytes)}, neither STUN nor ChannelData");
            }
            // RFC 6062 connects are never completed here: they time out (447) or close with their allocation.
            while (_server.PollPeerConnectionCommand(out _)) { }
        }

        /// <summary>
        /// STUN (RFC 8489 §5), classic STUN answered to an RFC 3489 client (no magic cookie, §11.1: header length and
        /// 4-byte attributes), or ChannelData (RFC 8656 §12.4).
        /// </summary>
        private static bool WellFramed(byte[] bytes) =>
            (bytes[0] & 0xC0) == 0
                ? StunMessage.TryParse(bytes, out _) == StunParseStatus.Ok ||
                  (bytes.Length >= StunHeader.Length && BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(2)) == bytes.Length - StunHeader.Length && bytes.Length % 4 == 0)
                : ChannelData.TryParse(bytes, out _, acceptRfc5766Range: true) == ChannelDataStatus.Ok;

        private void Fill(Span<byte> destination)
        {
            for (var i = 0; i < destination.Length; i++) destination[i] = (byte)(++_counter * 0x9E3779B97F4A7C15UL >> 56);
        }
    }

    /// <summary>RFC 8489 §14.5, §14.6, §14.7: recomputes MESSAGE-INTEGRITY, MESSAGE-INTEGRITY-SHA256 and FINGERPRINT in place with alice's keys.</summary>
    public static void Authenticate(byte[] packet)
    {
        if (StunMessage.TryParse(packet, out var message) != StunParseStatus.Ok) return;
        var length = StunHeader.Length + message.Length;
        Span<byte> hmac = stackalloc byte[32];
        foreach (var attribute in message.Attributes)
        {
            var value = packet.AsSpan(attribute.Offset + StunHeader.AttributeHeaderLength, attribute.Value.Length);
            if (attribute.Type == StunAttributeTypes.MessageIntegrity && value.Length == 20) Alice.ComputeSha1(packet.AsSpan(0, length), attribute.Offset, 20, value);
            else if (attribute.Type == StunAttributeTypes.MessageIntegritySha256 && value.Length is >= 16 and <= 32)
            {
                AliceSha256.ComputeSha256(packet.AsSpan(0, length), attribute.Offset, value.Length, hmac);
                hmac[..value.Length].CopyTo(value);
            }
            else if (attribute.Type == StunAttributeTypes.Fingerprint && value.Length == 4 && attribute.Offset + 8 == length)
                BinaryPrimitives.WriteUInt32BigEndian(value, StunIntegrity.ComputeFingerprint(packet.AsSpan(0, attribute.Offset)));
        }
    }

    /// <summary>Relay ports without sockets: 198.51.100.1 and 2001:db8::1, ports 50000–50015.</summary>
    private sealed class MemoryRelayPorts : ITurnRelayPortProvider
    {
        private readonly HashSet<int> _used = [];

        public List<TurnRelayPort> Open { get; } = [];

        public bool SupportsFamily(byte family) => family is StunAddress.FamilyIPv4 or StunAddress.FamilyIPv6;

        public bool TryOpen(in TurnRelayPortRequest request, out TurnRelayPort port, out TurnRelayPort? reserved)
        {
            port = null!;
            reserved = null;
            for (var number = 50000; number < 50016; number++)
            {
                if (_used.Contains(number) || ((request.EvenPort || request.ReserveNext) && (number & 1) != 0)) continue;
                if (request.ReserveNext && (_used.Contains(number + 1) || number + 1 >= 50016)) continue;
                port = Add(request.Family, number);
                if (request.ReserveNext) reserved = Add(request.Family, number + 1);
                return true;
            }
            return false;
        }

        private MemoryRelayPort Add(byte family, int number)
        {
            _used.Add(number);
            var address = family == StunAddress.FamilyIPv6 ? "[2001:db8::1]" : "198.51.100.1";
            var port = new MemoryRelayPort(TurnEndpoint.Parse($"{address}:{number}"));
            Open.Add(port);
            return port;
        }

        public void Close(TurnRelayPort port)
        {
            _used.Remove(port.Address.Port);
            Open.Remove(port);
        }
    }

    private sealed class MemoryRelayPort(TurnEndpoint address) : TurnRelayPort(address);
}
