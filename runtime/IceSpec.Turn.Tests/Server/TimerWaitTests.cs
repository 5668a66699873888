using IceSpec.Turn.Server;

namespace IceSpec.Turn.Tests.Server;

/// <summary>
/// The host's timer loop sleeps until the core's next deadline in whole milliseconds rounded up: a deadline 0.3 ms away
/// must not read as "no wait" (Task.Delay truncates to milliseconds), or the loop spins on the core's lock.
/// </summary>
[Trait("Category", "unit")]
public sealed class TimerWaitTests
{
    private static readonly TimeSpan Now = TimeSpan.FromSeconds(100);

    [Theory]
    [InlineData(0.3, 1)]     // under a millisecond: one millisecond, not a spin
    [InlineData(0.999, 1)]
    [InlineData(1.0, 1)]
    [InlineData(4.2, 5)]
    [InlineData(999.5, 1000)]
    [InlineData(5000, 1000)] // at most a second: the loop also sweeps connections and trims stream memory
    public void A_future_deadline_is_waited_for_in_whole_milliseconds_rounded_up(double inMilliseconds, double expectedMilliseconds)
    {
        var wait = TurnServerHost.TimerWait(Now + TimeSpan.FromMilliseconds(inMilliseconds), Now);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), wait);
        // What Task.Delay makes of it: never zero for a deadline still ahead.
        Assert.True((long)wait.TotalMilliseconds >= 1);
    }

    [Fact]
    public void A_past_deadline_is_handled_at_once_and_no_deadline_waits_a_second()
    {
        Assert.Equal(TimeSpan.Zero, TurnServerHost.TimerWait(Now - TimeSpan.FromMilliseconds(3), Now));
        Assert.Equal(TimeSpan.Zero, TurnServerHost.TimerWait(Now, Now));
        Assert.Equal(TimeSpan.FromSeconds(1), TurnServerHost.TimerWait(null, Now));
    }
}
