using System.Net;
using IceSpec.Ice.Sdp;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Ice.Tests.Agent;

/// <summary>
/// Issue 14, the paths <see cref="AgentAllocationTests"/> leaves out: a data packet sent on a relayed pair (wrapped by
/// the TURN client as ChannelData, or as a Send indication while no channel is bound, RFC 8656 §12.5/§10.1) and one sent
/// on an ICE-TCP pair (RFC 6544, with the driver's RFC 4571 framing) allocates nothing in steady state. Measured with
/// <see cref="GC.GetAllocatedBytesForCurrentThread"/> around <see cref="IceAgent.Send"/>, <see cref="IceAgent.TryPollTransmit"/>
/// and, for TCP, <see cref="IceTcpFraming.Frame(ReadOnlySpan{byte}, Span{byte})"/>, after a warm-up.
/// </summary>
[Trait("Category", "unit")]
public sealed class RelayedAndTcpAllocationTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Relayed_data_packets_allocate_nothing(bool channelBound)
    {
        var run = RelayedRun.Connect(channelBound);
        var payload = new byte[160];
        run.SendData(payload, 100);   // warm-up
        var measured = run.SendData(payload, 1000);

        Assert.Equal(1000, measured.Delivered);
        Assert.Equal(channelBound ? 1000 : 0, measured.AsChannelData);
        Assert.Equal(0, measured.SendBytes);
    }

    [Fact]
    public void Tcp_data_packets_allocate_nothing()
    {
        var pair = new AgentPair(AgentPair.Options(IceRole.Controlling) with { Transports = IceTransports.Tcp },
            AgentPair.Options(IceRole.Controlled) with { Transports = IceTransports.Tcp });
        pair.A.AddTcpListener("192.0.2.1", 7000);
        pair.B.AddTcpListener("192.0.2.2", 7000);
        pair.GatherAndExchange(offered: (peer, c) => c.TcpType == (peer == pair.A ? IceTcpType.Active : IceTcpType.Passive));
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));
        Assert.Equal(IceTransport.Tcp, pair.A.Agent.SelectedPair(0)!.Local.Transport);

        var a = pair.A.Agent;
        var b = pair.B.Agent;
        var now = pair.Network.Now;
        var payload = new byte[160];
        var frame = new byte[2048];
        long bytes = 0;
        var delivered = 0;
        for (var i = 0; i < 1100; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var sent = a.Send(now, 0, 1, payload);
            var polled = a.TryPollTransmit(out var transmit);
            var framed = IceTcpFraming.Frame(transmit.Data.Span, frame);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (i >= 100) bytes += allocated;   // the first 100: warm-up
            Assert.True(sent && polled && transmit.IceTcp == IceTcpTransmitKind.Message && framed == payload.Length + IceTcpFraming.HeaderLength);
            now += TimeSpan.FromMilliseconds(1);
            b.HandleTcpMessage(now, transmit.Destination, transmit.Source, frame.AsSpan(IceTcpFraming.HeaderLength, framed - IceTcpFraming.HeaderLength));
            while (b.TryPollEvent(out var iceEvent)) if (iceEvent is IceDataReceived) delivered++;
            while (b.TryPollTransmit(out _)) { }
        }
        Assert.Equal(1100, delivered);
        Assert.Equal(0, bytes);
    }

    internal sealed class Measured
    {
        public long SendBytes;
        public int Delivered, AsChannelData;
    }

    /// <summary>
    /// A (relay-only, controlling) and B (host) on one clock, with a TURN server played by the test: it answers
    /// Allocate (401, then success), CreatePermission, Refresh and — when <c>channelBound</c> — ChannelBind, relays Send
    /// indications and ChannelData to B from the relayed address, and what B sends there back to A as ChannelData or a
    /// Data indication. Every datagram arrives 1 ms after it leaves.
    /// </summary>
    internal sealed class RelayedRun
    {
        private static readonly IPEndPoint Server = IPEndPoint.Parse("198.51.100.1:3478");
        private static readonly IPEndPoint Relayed = IPEndPoint.Parse("198.51.100.1:50000");
        private static readonly IPEndPoint HostA = IPEndPoint.Parse("192.0.2.1:5000");
        private static readonly IPEndPoint HostB = IPEndPoint.Parse("192.0.2.2:6000");
        private const string Username = "alice", Password = "secret", Realm = "example.org";

        private readonly StunKey _key = StunKey.LongTerm(Username, Realm, Password);
        private readonly bool _bindChannels;
        private readonly Dictionary<ushort, IPEndPoint> _channels = [];
        private readonly Queue<(IceAgent To, IPEndPoint Local, IPEndPoint From, byte[] Data)> _wire = new();
        private Measured _measured = new();
        private TimeSpan _now;

        private RelayedRun(bool bindChannels)
        {
            _bindChannels = bindChannels;
            var random = new Random(7);
            A = new IceAgent(AgentPair.Options(IceRole.Controlling) with
            {
                Random = r => random.NextBytes(r),
                Policy = IceCandidatePolicy.RelayOnly,
                TurnServers = [new IceTurnServer(Server, Username, Password) { LivenessProbeInterval = null }],
            });
            B = new IceAgent(AgentPair.Options(IceRole.Controlled) with { Random = r => random.NextBytes(r) });
            A.AddStream();
            B.AddStream();
            A.AddHostCandidate(0, 1, HostA);
            B.AddHostCandidate(0, 1, HostB);
        }

        public IceAgent A { get; }
        public IceAgent B { get; }

        /// <summary>Connects A and B; without <paramref name="endOfCandidates"/> neither hears the other's end-of-candidates, so more may be added.</summary>
        public static RelayedRun Connect(bool bindChannels, bool endOfCandidates = true)
        {
            var run = new RelayedRun(bindChannels);
            run.A.StartGathering(run._now);
            run.B.StartGathering(run._now);
            run.RunUntil(() => run.A.GatheringState == CandidateGatheringState.Complete && run.B.GatheringState == CandidateGatheringState.Complete);
            Describe(run._now, run.A, run.B, endOfCandidates);
            Describe(run._now, run.B, run.A, endOfCandidates);
            run.RunUntil(() => run.A.ConnectionState == IceConnectionState.Completed && run.B.ConnectionState == IceConnectionState.Completed
                               && (!bindChannels || run._channels.Count == 1));
            Assert.Equal(IceCandidateType.Relayed, run.A.SelectedPair(0)!.Local.Type);
            return run;
        }

        public TimeSpan Now => _now;

        private static void Describe(TimeSpan now, IceAgent from, IceAgent to, bool endOfCandidates)
        {
            to.SetRemoteCredentials(now, from.LocalCredentials);
            foreach (var candidate in from.LocalCandidates(0))
                if (candidate.Type != IceCandidateType.PeerReflexive && (from.Options.Policy == IceCandidatePolicy.All || candidate.Type == IceCandidateType.Relayed))
                    to.AddRemoteCandidate(now, 0, candidate.Candidate);
            if (endOfCandidates) to.EndOfRemoteCandidates(now);
        }

        public Measured SendData(byte[] payload, int count)
        {
            _measured = new Measured();
            for (var i = 0; i < count; i++)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                var sent = A.Send(_now, 0, 1, payload);
                var polled = A.TryPollTransmit(out var transmit);
                _measured.SendBytes += GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(sent && polled);
                if (ChannelData.LooksLikeChannelData(transmit.Data.Span)) _measured.AsChannelData++;
                Route(A, transmit);
                Pump();
            }
            return _measured;
        }

        private void RunUntil(Func<bool> done)
        {
            var end = _now + TimeSpan.FromSeconds(30);
            while (true)
            {
                Pump();
                if (done()) return;
                var next = Earliest(A.PollTimeout(), B.PollTimeout());
                Assert.True(next is { } due && due <= end, "the relayed agents did not get there in 30 s");
                if (next > _now) _now = next.Value;
                if (A.PollTimeout() <= _now) A.HandleTimeout(_now);
                if (B.PollTimeout() <= _now) B.HandleTimeout(_now);
            }
        }

        private static TimeSpan? Earliest(TimeSpan? x, TimeSpan? y) => x is null ? y : y is null ? x : x < y ? x : y;

        /// <summary>Moves transmits and deliveries until both agents are quiet (each delivery 1 ms later); counts data events.</summary>
        private void Pump()
        {
            while (true)
            {
                var moved = false;
                while (A.TryPollTransmit(out var t)) { Route(A, t); moved = true; }
                while (B.TryPollTransmit(out var t)) { Route(B, t); moved = true; }
                while (_wire.TryDequeue(out var packet))
                {
                    _now += TimeSpan.FromMilliseconds(1);
                    packet.To.HandlePacket(_now, packet.Local, packet.From, packet.Data);
                    moved = true;
                }
                while (A.TryPollEvent(out _)) { }
                while (B.TryPollEvent(out var e)) if (e is IceDataReceived) _measured.Delivered++;
                if (!moved) return;
            }
        }

        private void Route(IceAgent from, IceTransmit transmit)
        {
            var data = transmit.Data.ToArray();
            if (from == A && transmit.Destination.Equals(Server)) FromClient(data);
            else if (from == B && transmit.Destination.Equals(Relayed)) FromPeer(transmit.Source, data);
            // anything else (B's checks to A's unsignalled host address) goes nowhere
        }

        /// <summary>The server's side of RFC 8656 for what A sends it.</summary>
        private void FromClient(byte[] packet)
        {
            if (ChannelData.TryParse(packet, out var channelData) == ChannelDataStatus.Ok)
            {
                _wire.Enqueue((B, HostB, Relayed, channelData.Data.ToArray()));
                return;
            }
            Assert.Equal(StunParseStatus.Ok, StunMessage.TryParse(packet, out var message));
            if (message.Class == StunClass.Indication && message.Method == TurnMethods.Send)
            {
                Assert.True(message.TryGetXorPeerAddress(out _));
                Assert.True(message.TryGetData(out var data));
                _wire.Enqueue((B, HostB, Relayed, data.ToArray()));
                return;
            }
            if (message.Class != StunClass.Request) return;
            if (!message.HasMessageIntegrity)
            {
                Answer(message, StunClass.Error, null, (ref StunMessageBuilder b) =>
                {
                    b.AddErrorCode(StunErrorCodes.Unauthenticated, "Unauthenticated");
                    b.AddRealm(Realm.AsSpan());
                    b.AddNonce("nonce".AsSpan());
                });
                return;
            }
            Assert.Equal(IntegrityStatus.Valid, StunIntegrity.VerifyMessageIntegrity(message, _key));
            if (message.Method == TurnMethods.Allocate)
                Answer(message, StunClass.Success, _key, (ref StunMessageBuilder b) =>
                {
                    b.AddXorRelayedAddress(new StunAddress(Relayed));
                    b.AddLifetime(600);
                    b.AddXorMappedAddress(new StunAddress(HostA));
                });
            else if (message.Method == TurnMethods.Refresh)
                Answer(message, StunClass.Success, _key, (ref StunMessageBuilder b) => b.AddLifetime(600));
            else if (message.Method == TurnMethods.ChannelBind)
            {
                if (!_bindChannels) return; // unanswered: data keeps going in Send indications
                Assert.True(message.TryGetChannelNumber(out var channel));
                Assert.True(message.TryGetXorPeerAddress(out var peer));
                _channels[channel.Number] = peer.ToEndPoint();
                Answer(message, StunClass.Success, _key, null);
            }
            else Answer(message, StunClass.Success, _key, null);   // CreatePermission
        }

        /// <summary>What B sends to the relayed address reaches A from the server: ChannelData on a bound channel, else a Data indication.</summary>
        private void FromPeer(IPEndPoint peer, byte[] data)
        {
            var buffer = new byte[data.Length + 64];
            foreach (var (number, bound) in _channels)
                if (bound.Equals(peer))
                {
                    _wire.Enqueue((A, HostA, Server, buffer[..ChannelData.Write(buffer, number, data, padForStream: false)]));
                    return;
                }
            var builder = new StunMessageBuilder(buffer, new StunMessageType(TurnMethods.Data, StunClass.Indication), new byte[StunHeader.TransactionIdLength]);
            builder.AddXorPeerAddress(new StunAddress(peer));
            builder.AddData(data);
            _wire.Enqueue((A, HostA, Server, buffer[..builder.Length]));
        }

        private delegate void Attributes(ref StunMessageBuilder builder);

        private void Answer(StunMessage request, StunClass cls, StunKey? key, Attributes? attributes)
        {
            var buffer = new byte[512];
            var builder = new StunMessageBuilder(buffer, new StunMessageType(request.Method, cls), request.TransactionId);
            attributes?.Invoke(ref builder);
            if (key is not null) builder.AddMessageIntegrity(key);
            builder.AddFingerprint();
            _wire.Enqueue((A, HostA, Server, buffer[..builder.Length]));
        }
    }
}
