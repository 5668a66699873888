using System.Diagnostics;
using System.Net;
using IceSpec.Turn.Server;

namespace IceSpec.Turn.Tests.Server;

/// <summary>
/// <see cref="TurnFleetLiveness"/> on a clock the test moves: a member is alive while its beat advances within its
/// heartbeat H plus the jitter allowance J = H/4 + 50 ms, counted from the read that first saw the beat.
/// </summary>
[Trait("Category", "unit")]
public sealed class TurnFleetLivenessTests
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(500);
    private long _now = 1_000_000;

    private static TurnFleetServer Member(string id, long beat) =>
        new(id, TurnEndpoint.From(new IPEndPoint(IPAddress.Loopback, 3478)), 0, 0, false, 0) { Beat = beat, Heartbeat = Heartbeat };

    private void Advance(double milliseconds) => _now += (long)(milliseconds * Stopwatch.Frequency / 1000);

    [Fact]
    public void A_member_whose_beat_stops_is_left_out_once_it_is_a_heartbeat_and_the_allowance_overdue()
    {
        var liveness = new TurnFleetLiveness(() => _now);
        Assert.Single(liveness.Alive([Member("a", 7)]));   // first seen: alive from this read
        Advance(500 + 125 + 50);   // H + J exactly: not yet overdue
        Assert.Single(liveness.Alive([Member("a", 7)]));
        Advance(1);
        Assert.Empty(liveness.Alive([Member("a", 7)]));
    }

    [Fact]
    public void A_member_whose_beat_advances_late_within_the_allowance_stays()
    {
        var liveness = new TurnFleetLiveness(() => _now);
        for (var beat = 1; beat <= 5; beat++)
        {
            Assert.Single(liveness.Alive([Member("a", beat)]));
            Advance(500 + 170);   // every beat 170 ms late (J is 175 ms)
            Assert.Single(liveness.Alive([Member("a", beat)]));
        }
    }

    [Fact]
    public void A_member_gone_from_Redis_and_back_with_the_same_beat_counts_from_its_return()
    {
        var liveness = new TurnFleetLiveness(() => _now);
        liveness.Alive([Member("a", 3)]);
        Advance(400);
        Assert.Empty(liveness.Alive([]));
        Advance(400);
        Assert.Single(liveness.Alive([Member("a", 3)]));   // forgotten while gone: first seen again
    }
}
