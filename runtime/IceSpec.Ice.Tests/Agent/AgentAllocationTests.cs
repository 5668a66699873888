using System.Net;

namespace IceSpec.Ice.Tests.Agent;

/// <summary>
/// Issue 14: two connected agents in steady state allocate nothing per consent check, keepalive, check response or
/// data packet. The agents are driven by hand here (not through <see cref="SimulatedNetwork"/>, which allocates), and
/// each agent call is measured with <see cref="GC.GetAllocatedBytesForCurrentThread"/> after a warm-up.
/// Excluded, because the public API makes the application receive them as objects on the event queue: the
/// <see cref="IceConsentRefreshed"/> event of each answered consent check and the <see cref="IceDataReceived"/> event of
/// each data packet with its own copy of the payload (the driver's receive buffer is reused once HandlePacket returns).
/// Their exact size is measured below and subtracted, event by event.
/// </summary>
[Trait("Category", "unit")]
public sealed class AgentAllocationTests
{
    [Fact]
    public void Consent_checks_and_their_responses_allocate_nothing()
    {
        var run = Connected(consent: true);
        run.RunFor(TimeSpan.FromSeconds(60));   // warm-up: every path once, collections at their steady size
        var measured = run.RunFor(TimeSpan.FromSeconds(120));

        Assert.True(measured.Requests >= 40, $"only {measured.Requests} consent checks in 120 s");
        Assert.Equal(measured.Requests, measured.SuccessResponses);
        Assert.Equal(measured.Requests, measured.ConsentEvents);
        Assert.Equal(0, measured.TimeoutBytes);        // PollTimeout, and HandleTimeout sending consent checks (and keepalives)
        Assert.Equal(0, measured.RequestInBytes);      // checks answered
        Assert.Equal(0, measured.ResponseInBytes - measured.ConsentEvents * ConsentEventSize(run));
    }

    [Fact]
    public void Keepalives_allocate_nothing()
    {
        var run = Connected(consent: false);
        run.RunFor(TimeSpan.FromSeconds(60));
        var measured = run.RunFor(TimeSpan.FromSeconds(120));

        Assert.True(measured.Indications >= 8, $"only {measured.Indications} keepalives in 120 s");
        Assert.Equal(0, measured.Requests);
        Assert.Equal(0, measured.TimeoutBytes);
        Assert.Equal(0, measured.IndicationInBytes);
    }

    [Fact]
    public void Data_packets_allocate_nothing_but_the_received_event()
    {
        var run = Connected(consent: true);
        var payload = new byte[160];
        run.SendData(payload, 100);   // warm-up
        var measured = run.SendData(payload, 1000);

        Assert.Equal(1000, measured.DataEvents);
        Assert.Equal(0, measured.SendBytes);   // Send and TryPollTransmit
        Assert.Equal(0, measured.DataInBytes - measured.DataEvents * DataEventSize(payload.Length));
    }

    private static Steady Connected(bool consent)
    {
        var options = AgentPair.Options(IceRole.Controlling) with { ConsentFreshness = consent };
        var pair = new AgentPair(options, AgentPair.Options(IceRole.Controlled) with { ConsentFreshness = consent });
        pair.A.AddSocket("192.0.2.1", 5000);
        pair.B.AddSocket("192.0.2.2", 6000);
        pair.GatherAndExchange();
        Assert.True(pair.BothConnected(TimeSpan.FromSeconds(5)));
        Assert.True(pair.Network.RunUntil(() => pair.A.Agent.ConnectionState == IceConnectionState.Completed
                                                && pair.B.Agent.ConnectionState == IceConnectionState.Completed, TimeSpan.FromSeconds(5)));
        return new Steady(pair.A.Agent, pair.B.Agent, pair.Network.Now);
    }

    /// <summary>What one <see cref="IceConsentRefreshed"/> costs (the object the application receives).</summary>
    private static long ConsentEventSize(Steady run)
    {
        var pair = run.A.SelectedPair(0)!;
        var before = GC.GetAllocatedBytesForCurrentThread();
        run.Keep = new IceConsentRefreshed(run.Now, pair);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>What one <see cref="IceDataReceived"/> costs: the event and its copy of the payload.</summary>
    private static long DataEventSize(int length)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        Keep = new IceDataReceived(TimeSpan.Zero, 0, 1, new byte[length]);
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    private static object? Keep;

    internal sealed class Measured
    {
        public long TimeoutBytes, RequestInBytes, ResponseInBytes, IndicationInBytes, DataInBytes, SendBytes;
        public int Requests, SuccessResponses, Indications, ConsentEvents, DataEvents;
    }

    /// <summary>Two connected agents on one clock: every datagram goes straight to the other agent after 1 ms.</summary>
    internal sealed class Steady(IceAgent a, IceAgent b, TimeSpan now)
    {
        private readonly byte[] _scratch = new byte[2048];
        private Measured _measured = new();

        public IceAgent A { get; } = a;
        public IceAgent B { get; } = b;
        public TimeSpan Now { get; private set; } = now;
        public object? Keep { get; set; }

        public Measured RunFor(TimeSpan duration)
        {
            _measured = new Measured();
            var end = Now + duration;
            Flush();
            while (true)
            {
                var polled = GC.GetAllocatedBytesForCurrentThread();
                var next = Earliest(A.PollTimeout(), B.PollTimeout());
                _measured.TimeoutBytes += GC.GetAllocatedBytesForCurrentThread() - polled;
                if (next is not { } due || due > end) break;
                if (due > Now) Now = due;
                foreach (var agent in (ReadOnlySpan<IceAgent>)[A, B])
                {
                    if (agent.PollTimeout() is not { } deadline || deadline > Now) continue;
                    var before = GC.GetAllocatedBytesForCurrentThread();
                    agent.HandleTimeout(Now);
                    _measured.TimeoutBytes += GC.GetAllocatedBytesForCurrentThread() - before;
                }
                Flush();
            }
            Now = end;
            return _measured;
        }

        public Measured SendData(byte[] payload, int count)
        {
            _measured = new Measured();
            for (var i = 0; i < count; i++)
            {
                var before = GC.GetAllocatedBytesForCurrentThread();
                var sent = A.Send(Now, 0, 1, payload);
                var polled = A.TryPollTransmit(out var transmit);
                _measured.SendBytes += GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(sent && polled);
                Deliver(B, transmit);
                Flush();
            }
            return _measured;
        }

        private static TimeSpan? Earliest(TimeSpan? x, TimeSpan? y) => x is null ? y : y is null ? x : x < y ? x : y;

        /// <summary>Moves every transmit to the other agent (1 ms later) until both are quiet; drains the events.</summary>
        private void Flush()
        {
            var moved = true;
            while (moved)
            {
                moved = false;
                foreach (var (from, to) in (ReadOnlySpan<(IceAgent, IceAgent)>)[(A, B), (B, A)])
                {
                    while (from.TryPollTransmit(out var transmit))
                    {
                        moved = true;
                        Deliver(to, transmit);
                    }
                    Drain(from);
                }
            }
        }

        private void Deliver(IceAgent to, IceTransmit transmit)
        {
            var length = transmit.Data.Length;
            transmit.Data.Span.CopyTo(_scratch);
            var packet = _scratch.AsSpan(0, length);
            var kind = Kind(packet);
            Now += TimeSpan.FromMilliseconds(1);
            var before = GC.GetAllocatedBytesForCurrentThread();
            to.HandlePacket(Now, transmit.Destination, transmit.Source, packet);
            var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            switch (kind)
            {
                case 0: _measured.RequestInBytes += bytes; _measured.Requests++; break;
                case 1: _measured.IndicationInBytes += bytes; _measured.Indications++; break;
                case 2: _measured.ResponseInBytes += bytes; _measured.SuccessResponses++; break;
                case -1: _measured.DataInBytes += bytes; break;
                default: throw new InvalidOperationException("an error response in steady state");
            }
            Drain(to);
        }

        private void Drain(IceAgent agent)
        {
            while (agent.TryPollEvent(out var iceEvent))
            {
                if (iceEvent is IceConsentRefreshed) _measured.ConsentEvents++;
                else if (iceEvent is IceDataReceived) _measured.DataEvents++;
            }
        }

        /// <summary>The STUN class (0 request, 1 indication, 2 success, 3 error, RFC 8489 §5), or −1 for data.</summary>
        private static int Kind(ReadOnlySpan<byte> packet)
        {
            if (!IceSpec.Stun.StunMessage.LooksLikeStun(packet)) return -1;
            var type = packet[0] << 8 | packet[1];
            return ((type >> 4) & 1) | ((type >> 7) & 2);
        }
    }
}
