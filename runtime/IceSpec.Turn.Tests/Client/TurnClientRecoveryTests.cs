using System.Buffers.Binary;
using System.Net;
using IceSpec.Stun;
using IceSpec.Turn.Client;
using IceSpec.Stun.Transports;

namespace IceSpec.Turn.Tests.Client;

/// <summary>
/// A lost allocation on the virtual clock: the liveness probe, 437 and time-outs to refreshes, a closed TCP connection,
/// re-allocation with backoff. Each detection has a twin with it turned off showing the same script then goes unnoticed.
/// </summary>
[Trait("Category", "unit")]
public sealed class TurnClientRecoveryTests
{
    private static readonly IPEndPoint Mapped = IPEndPoint.Parse("192.0.2.1:40000");
    private static readonly IPEndPoint Relayed = IPEndPoint.Parse("198.51.100.1:50000");
    private static readonly IPEndPoint NewRelayed = IPEndPoint.Parse("198.51.100.1:50002");
    private static readonly IPEndPoint Peer = IPEndPoint.Parse("203.0.113.7:3480");
    private static readonly TimeSpan S = TimeSpan.FromSeconds(1);

    private readonly FakeTurnServer _server = new();

    private static readonly TurnClientOptions Defaults = new() { Username = FakeTurnServer.Username, Password = FakeTurnServer.Password };

    private static readonly TurnClientOptions DetectionOff = Defaults with { LivenessProbeInterval = null, ReallocateOnLoss = false };

    private TurnClientCore Allocated(TurnClientOptions options, TransportProtocol transport = TransportProtocol.Udp)
    {
        var counter = 0;
        var client = new TurnClientCore(options with
        {
            Transport = transport,
            Random = span => { span.Clear(); BinaryPrimitives.WriteInt32BigEndian(span, ++counter); },
        });
        client.Allocate(TimeSpan.Zero);
        client.HandlePacket(TimeSpan.Zero, _server.Unauthorized(Transmit(client), "nonce-1"));
        client.HandlePacket(TimeSpan.Zero, _server.AllocateSuccess(Transmit(client), 600, Mapped, Relayed));
        client.CreatePermission(TimeSpan.Zero, Peer.Address);
        client.HandlePacket(TimeSpan.Zero, _server.Success(Transmit(client)));
        Assert.Equal(TurnClientState.Allocated, client.State);
        Events(client);
        return client;
    }

    private static byte[] Transmit(TurnClientCore client)
    {
        Assert.True(client.TryPollTransmit(out var message), "the client should have something to send");
        return message.ToArray();
    }

    private static List<TurnClientEvent> Events(TurnClientCore client)
    {
        var events = new List<TurnClientEvent>();
        while (client.TryPollEvent(out var e)) events.Add(e!);
        return events;
    }

    /// <summary>
    /// The server restarted at t = 0 (it answers every request of the old allocation with 437, after a 438 for the old
    /// NONCE, as ours and coturn do): runs the clock to <paramref name="until"/> and returns when the loss was reported.
    /// </summary>
    private TimeSpan? RestartNoticedAt(TurnClientCore client, TimeSpan until)
    {
        var now = TimeSpan.Zero;
        while (client.PollTimeout() is { } due && due <= until)
        {
            now = due;
            client.HandleTimeout(now);
            while (client.TryPollTransmit(out var sent))
            {
                var request = FakeTurnServer.Parse(sent.ToArray());
                if (request.Class != StunClass.Request || request.Method == TurnMethods.Allocate) continue;
                client.HandlePacket(now, request.GetNonceString() == "nonce-1"
                    ? _server.StaleNonce(sent.ToArray(), "nonce-after-restart")
                    : _server.Error(sent.ToArray(), 437, "Allocation Mismatch"));
                while (client.TryPollTransmit(out var retry))
                    client.HandlePacket(now, _server.Error(retry.ToArray(), 437, "Allocation Mismatch"));
            }
            if (Events(client).OfType<TurnAllocationLost>().FirstOrDefault() is { } lost) return lost.Time;
        }
        return null;
    }

    [Fact]
    public void An_idle_allocation_is_probed_after_15_s_and_a_restarted_server_is_noticed_then()
    {
        var client = Allocated(Defaults);
        Assert.Equal(15 * S, client.NextLivenessProbe);
        Assert.Equal(15 * S, RestartNoticedAt(client, 600 * S));
    }

    [Fact]
    public void Without_the_probe_a_restarted_server_is_noticed_only_at_the_permission_refresh_minutes_later()
    {
        var client = Allocated(Defaults with { LivenessProbeInterval = null });
        Assert.Null(client.NextLivenessProbe);
        // RFC 8656 §9: the permission (300 s) is refreshed a margin (60 s) before it ends: the first request after the restart.
        Assert.Equal(240 * S, RestartNoticedAt(client, 600 * S));
        Assert.Null(RestartNoticedAt(Allocated(Defaults with { LivenessProbeInterval = null }), 60 * S));
    }

    [Fact]
    public void Data_from_the_server_postpones_the_probe()
    {
        var client = Allocated(Defaults);
        client.HandlePacket(10 * S, FakeTurnServer.DataIndication(Peer, [1, 2, 3]));
        Assert.Equal(25 * S, client.NextLivenessProbe);
        client.HandleTimeout(24 * S);
        Assert.False(client.TryPollTransmit(out _));
        client.HandleTimeout(25 * S);
        var probe = FakeTurnServer.Parse(Transmit(client));
        Assert.Equal(new StunMessageType(TurnMethods.Refresh, StunClass.Request), probe.Type);
        Assert.Null(client.NextLivenessProbe); // one probe at a time
        client.HandlePacket(25 * S, _server.RefreshSuccess(probe.Buffer.ToArray(), 600));
        Assert.Equal(40 * S, client.NextLivenessProbe);
        Assert.Contains(Events(client), e => e is TurnRefreshed { Automatic: true });
    }

    [Fact]
    public void A_437_loses_the_allocation_and_a_new_one_is_made_without_the_old_permissions()
    {
        var client = Allocated(Defaults);
        client.Refresh(TimeSpan.Zero);
        client.HandlePacket(S, _server.Error(Transmit(client), 437, "Allocation Mismatch"));

        var events = Events(client);
        var lost = Assert.Single(events.OfType<TurnAllocationLost>());
        Assert.Equal((TurnAllocationLossCause.AllocationMismatch, true), (lost.Cause, lost.Reallocating));
        Assert.Equal(new[] { Relayed }, lost.LostRelayedAddresses);
        Assert.Equal(TurnClientState.Allocating, client.State);
        Assert.False(client.HasPermission(Peer.Address));
        Assert.Empty(client.RelayedAddresses);
        Assert.Throws<InvalidOperationException>(() => client.Send(Peer, [1]));

        client.HandleTimeout(S);
        var allocate = FakeTurnServer.Parse(Transmit(client));
        Assert.Equal(new StunMessageType(TurnMethods.Allocate, StunClass.Request), allocate.Type);
        Assert.False(allocate.HasMessageIntegrity); // RFC 8489 §9.2.3: a restarted server has new nonces; start over
        client.HandlePacket(S, _server.Unauthorized(allocate.Buffer.ToArray(), "nonce-2"));
        client.HandlePacket(S, _server.AllocateSuccess(Transmit(client), 600, Mapped, NewRelayed));

        var allocated = Assert.Single(Events(client).OfType<TurnAllocated>());
        Assert.True(allocated.Reallocated);
        Assert.Equal(new[] { NewRelayed }, allocated.RelayedAddresses);
        Assert.Equal(TurnClientState.Allocated, client.State);
        Assert.False(client.HasPermission(Peer.Address));
    }

    [Fact]
    public void With_reallocation_off_a_437_leaves_the_client_failed_and_says_so()
    {
        var client = Allocated(DetectionOff);
        client.Refresh(TimeSpan.Zero);
        client.HandlePacket(S, _server.Error(Transmit(client), 437, "Allocation Mismatch"));
        Assert.Equal(TurnClientState.Failed, client.State);
        Assert.False(Assert.Single(Events(client).OfType<TurnAllocationLost>()).Reallocating);
        client.HandleTimeout(10 * S);
        Assert.False(client.TryPollTransmit(out _));
    }

    [Fact]
    public void A_437_to_a_channel_bind_refresh_loses_the_allocation_too()
    {
        var client = Allocated(Defaults);
        client.BindChannel(TimeSpan.Zero, Peer);
        client.HandlePacket(S, _server.Error(Transmit(client), 437, "Allocation Mismatch"));
        Assert.Equal(TurnClientAuthenticationState.Unauthenticated, client.AuthenticationState);
        Assert.Equal(TurnAllocationLossCause.AllocationMismatch, Assert.Single(Events(client).OfType<TurnAllocationLost>()).Cause);
        Assert.Null(client.ChannelOf(Peer));
    }

    [Fact]
    public void An_unanswered_probe_loses_the_allocation_after_the_transaction_timeout()
    {
        var client = Allocated(Defaults);
        var now = TimeSpan.Zero;
        TurnAllocationLost? lost = null;
        while (lost is null && client.PollTimeout() is { } due && due < 120 * S)
        {
            now = due;
            client.HandleTimeout(now);
            while (client.TryPollTransmit(out _)) { } // the server is gone: nothing answers
            lost = Events(client).OfType<TurnAllocationLost>().FirstOrDefault();
        }
        Assert.NotNull(lost);
        // The probe at 15 s, then RFC 8489 §6.2.1's 39.5 s (Rc = 7, RTO 500 ms, Rm = 16).
        Assert.Equal(TimeSpan.FromMilliseconds(54_500), lost.Time);
        Assert.Equal(TurnAllocationLossCause.NoResponse, lost.Cause);
    }

    [Fact]
    public void Reallocation_backs_off_and_gives_up_after_the_configured_attempts()
    {
        var client = Allocated(Defaults with { ReallocateAttempts = 3, Rto = TimeSpan.FromMilliseconds(100) });
        client.Refresh(TimeSpan.Zero);
        client.HandlePacket(TimeSpan.Zero, _server.Error(Transmit(client), 437, "Allocation Mismatch"));
        var allocates = new List<TimeSpan>();
        var failures = new List<TurnReallocationFailed>();
        var now = TimeSpan.Zero;
        while (client.State != TurnClientState.Failed && client.PollTimeout() is { } due)
        {
            failures.AddRange(Events(client).OfType<TurnReallocationFailed>());
            now = due;
            client.HandleTimeout(now);
            while (client.TryPollTransmit(out var sent))
            {
                var request = FakeTurnServer.Parse(sent.ToArray());
                if (request.Method == TurnMethods.Allocate && !allocates.Contains(now)) allocates.Add(now);
                // the server answers each Allocate 500 (Server Error): a failure that is not about the credentials
                client.HandlePacket(now, _server.Error(sent.ToArray(), 500, "Server Error"));
            }
        }
        Assert.Equal(new[] { TimeSpan.Zero, 1 * S, 3 * S }, allocates); // at once, then after 1 s, then after 2 s more
        failures.AddRange(Events(client).OfType<TurnReallocationFailed>());
        // Each failed attempt is told, with when the next goes out; the last one says the client gave up.
        Assert.Equal(new (int, TimeSpan?)[] { (1, 1 * S), (2, 3 * S), (3, null) }, failures.Select(f => (f.Attempt, f.NextAttempt)));
        Assert.All(failures, f => Assert.Equal("Allocate failed: 500 Server Error", f.Reason));
        Assert.Equal(TurnClientState.Failed, client.State);
        Assert.False(client.Reallocating);
        Assert.Null(client.PollTimeout());
    }

    [Fact]
    public void Over_TCP_a_closed_connection_loses_the_allocation_and_reallocates()
    {
        var client = Allocated(Defaults, TransportProtocol.Tcp);
        client.HandleConnectionClosed(2 * S, "reset by peer");
        var lost = Assert.Single(Events(client).OfType<TurnAllocationLost>());
        Assert.Equal(TurnAllocationLossCause.ConnectionClosed, lost.Cause);
        Assert.Equal(2 * S, client.PollTimeout());
        client.HandleTimeout(2 * S);
        Assert.Equal(TurnMethods.Allocate, FakeTurnServer.Parse(Transmit(client)).Method);
    }

    [Fact]
    public void Over_TCP_a_connection_that_cannot_be_reopened_uses_up_an_attempt_and_backs_off()
    {
        var client = Allocated(Defaults with { ReallocateAttempts = 2 }, TransportProtocol.Tcp);
        client.HandleConnectionClosed(2 * S, "reset by peer");
        Events(client);
        client.HandleConnectionClosed(2 * S, "connection refused"); // the driver's reconnect for the first attempt failed
        var first = Assert.Single(Events(client).OfType<TurnReallocationFailed>());
        Assert.Equal((1, "connection refused", (TimeSpan?)(3 * S)), (first.Attempt, first.Reason, first.NextAttempt));
        Assert.Equal(3 * S, client.PollTimeout());
        client.HandleTimeout(3 * S);
        Assert.Equal(TurnMethods.Allocate, FakeTurnServer.Parse(Transmit(client)).Method);
        client.HandleConnectionClosed(3 * S, "reset again");
        var last = Assert.Single(Events(client).OfType<TurnReallocationFailed>());
        Assert.Equal((2, "reset again", (TimeSpan?)null), (last.Attempt, last.Reason, last.NextAttempt));
        Assert.Equal(TurnClientState.Failed, client.State);
        Assert.Null(client.PollTimeout());
    }

    [Fact]
    public void Closing_while_reallocating_stops_the_attempts()
    {
        var client = Allocated(Defaults);
        client.Refresh(TimeSpan.Zero);
        client.HandlePacket(TimeSpan.Zero, _server.Error(Transmit(client), 437, "Allocation Mismatch"));
        Assert.Null(client.Close(TimeSpan.Zero));
        Assert.Equal(TurnClientState.Closed, client.State);
        Assert.Null(client.PollTimeout());
    }
}
