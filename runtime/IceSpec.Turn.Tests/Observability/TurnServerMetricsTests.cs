using IceSpec.Stun;
using IceSpec.Tests.Observability;
using IceSpec.Turn.Server;
using IceSpec.Turn.Tests.Server;

namespace IceSpec.Turn.Tests.Observability;

/// <summary>The meter <c>IceSpec.Turn.Server</c>, driven through the sans-IO core on a virtual clock: each instrument moves by what the traffic did.</summary>
[Trait("Category", "unit")]
public sealed class TurnServerMetricsTests
{
    private static readonly StunAddress Peer = TurnEndpoint.Parse("203.0.113.50:5000").ToStunAddress();
    private static readonly StunAddress OtherPeer = TurnEndpoint.Parse("203.0.113.51:6000").ToStunAddress();

    [Fact]
    public void An_allocation_with_a_permission_a_channel_and_data_both_ways_moves_each_instrument_by_its_amount()
    {
        var harness = new CoreHarness();
        using var metrics = new MeterRecorder(harness.Server.Metrics.Meter);
        var client = harness.NewClient();

        Assert.True(client.Allocate().IsSuccess); // after the 401 challenge, which is no refusal
        Assert.True(client.Request(TestMessages.CreatePermission(client.Credentials!, Peer))!.IsSuccess);
        harness.Advance(TimeSpan.FromSeconds(100));
        Assert.True(client.Request(TestMessages.ChannelBind(client.Credentials!, 0x4001, OtherPeer))!.IsSuccess);
        Assert.Equal(new Dictionary<string, double>
        {
            ["icespec.turn.allocations.created"] = 1,
            ["icespec.turn.allocations.active"] = 1,
            ["icespec.turn.permissions.active"] = 2, // CreatePermission, and the one ChannelBind installs (RFC 8656 §12.2)
            ["icespec.turn.channels.active"] = 1,
        }, metrics.NonZero);

        Assert.Single(client.SendRaw(TestMessages.Send(Peer, [1, 2, 3])));
        Assert.Single(client.SendRaw(TestMessages.ChannelDataMessage(0x4001, [8, 9])));
        var relay = harness.Relays.Open[0];
        Assert.Single(harness.FromPeer(relay, "203.0.113.50:5000", [1, 2, 3, 4]));
        Assert.Equal(2, metrics["icespec.turn.relayed.packets{direction=client-to-peer}"]);
        Assert.Equal(5, metrics["icespec.turn.relayed.bytes{direction=client-to-peer}"]);
        Assert.Equal(1, metrics["icespec.turn.relayed.packets{direction=peer-to-client}"]);
        Assert.Equal(4, metrics["icespec.turn.relayed.bytes{direction=peer-to-client}"]);

        // RFC 8656 §9: a permission lasts 300 s; the CreatePermission one (at 1 s) is gone at 301 s, the ChannelBind one (101 s) is not.
        harness.Advance(TimeSpan.FromSeconds(201));
        Assert.Equal(1, metrics["icespec.turn.permissions.active"]);

        Assert.True(client.Request(TestMessages.Refresh(client.Credentials!, 0))!.IsSuccess);
        Assert.Equal(0, metrics["icespec.turn.allocations.active"]);
        Assert.Equal(0, metrics["icespec.turn.permissions.active"]);
        Assert.Equal(0, metrics["icespec.turn.channels.active"]);
        Assert.Equal(1, metrics["icespec.turn.allocations.created"]);
    }

    [Fact]
    public void A_refused_allocation_moves_the_refused_counter_with_its_reason_not_created()
    {
        var harness = new CoreHarness(options => options.UserQuota = 1);
        using var metrics = new MeterRecorder(harness.Server.Metrics.Meter);
        Assert.True(harness.NewClient("203.0.113.7:40000").Allocate().IsSuccess);

        Assert.Equal(486, harness.NewClient("203.0.113.7:40001").Allocate().ErrorCode); // RFC 8656 §19: quota
        Assert.Equal(401, harness.NewClient("203.0.113.7:40002").Allocate(password: "wrong").ErrorCode);
        Assert.Equal(new Dictionary<string, double>
        {
            ["icespec.turn.allocations.created"] = 1,
            ["icespec.turn.allocations.active"] = 1,
            ["icespec.turn.allocations.refused{reason=quota}"] = 1,
            ["icespec.turn.allocations.refused{reason=unauthenticated}"] = 1,
            ["icespec.turn.auth.failures{reason=bad-integrity}"] = 1,
        }, metrics.NonZero);
    }

    [Fact]
    public void Total_quota_is_insufficient_capacity_a_forbidden_peer_and_a_stale_nonce_are_counted()
    {
        var harness = new CoreHarness(options =>
        {
            options.TotalQuota = 1;
            options.NonceLifetime = TimeSpan.FromSeconds(30);
        });
        using var metrics = new MeterRecorder(harness.Server.Metrics.Meter);
        var client = harness.NewClient("203.0.113.7:40000");
        Assert.True(client.Allocate().IsSuccess);
        Assert.Equal(508, harness.NewClient("203.0.113.7:40001").Allocate(username: "bob", password: "hunter2").ErrorCode);
        var privatePeer = TurnEndpoint.Parse("10.0.0.1:5000").ToStunAddress();
        Assert.Equal(403, client.Request(TestMessages.CreatePermission(client.Credentials!, privatePeer))!.ErrorCode);
        harness.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(438, client.Request(TestMessages.Refresh(client.Credentials!))!.ErrorCode); // RFC 8489 §9.2.4

        Assert.Equal(1, metrics["icespec.turn.allocations.refused{reason=insufficient-capacity}"]);
        Assert.Equal(1, metrics["icespec.turn.permissions.refused{reason=forbidden-peer}"]);
        Assert.Equal(1, metrics["icespec.turn.nonce.renewals"]);
        Assert.Equal(0, metrics["icespec.turn.auth.failures{reason=bad-integrity}"]);
        Assert.Equal(1, metrics["icespec.turn.allocations.created"]);
    }
}
