using System.Net;
using IceSpec.Ice.Sdp;
using IceSpec.Ice.Tests.Session;
using IceSpec.Tests.Observability;

namespace IceSpec.Ice.Tests.Observability;

/// <summary>The meter <c>IceSpec.Ice.Session</c> and the session's log events, on loopback.</summary>
[Trait("Category", "unit")]
public sealed class IceSessionObservabilityTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Two_sessions_that_connect_count_checks_sent_and_answered_and_time_to_connected()
    {
        var log = new ListLogger();
        await using var a = IceSession.Create(new IceSessionOptions { Role = IceRole.Controlling, Addresses = [IPAddress.Loopback], Logger = log });
        await using var b = IceSession.Create(new IceSessionOptions { Role = IceRole.Controlled, Addresses = [IPAddress.Loopback] });
        using var metricsA = new MeterRecorder(a.Metrics.Meter);
        using var metricsB = new MeterRecorder(b.Metrics.Meter);
        var started = DateTime.UtcNow;
        await IceSessionTests.Exchange(a, b);
        await a.ConnectAsync().WaitAsync(Limit);
        await b.ConnectAsync().WaitAsync(Limit);
        var elapsed = (DateTime.UtcNow - started).TotalSeconds;

        foreach (var metrics in new[] { metricsA, metricsB })
        {
            var sent = metrics["icespec.ice.checks.sent{triggered=False}"] + metrics["icespec.ice.checks.sent{triggered=True}"];
            Assert.InRange(metrics["icespec.ice.checks.answered"], 1, sent);
            var timeToConnected = Assert.Single(metrics.Values("icespec.ice.time_to_connected"));
            Assert.InRange(timeToConnected, 0.000_001, elapsed + 1);
            Assert.Equal(0, metrics["icespec.ice.consent.losses"]);
        }
        Assert.Contains(log.Lines, l => l.StartsWith("Information ice.state.changed state=Connected ", StringComparison.Ordinal));
        Assert.Contains(log.Lines, l => l.StartsWith("Information ice.pair.selected local=host 127.0.0.1:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_session_whose_peer_never_answers_sends_checks_that_nobody_answers()
    {
        await using var a = IceSession.Create(new IceSessionOptions { Role = IceRole.Controlling, Addresses = [IPAddress.Loopback] });
        using var metrics = new MeterRecorder(a.Metrics.Meter);
        var silent = IceSession.Create(new IceSessionOptions { Role = IceRole.Controlled, Addresses = [IPAddress.Loopback] });
        IceDescription description;
        try
        {
            description = await silent.GetLocalDescriptionAsync().WaitAsync(Limit);
        }
        finally
        {
            await silent.DisposeAsync(); // its sockets close: a's checks go unanswered
        }
        a.SetRemoteDescription(description);
        await a.GetLocalDescriptionAsync().WaitAsync(Limit);
        var deadline = DateTime.UtcNow + Limit;
        while (metrics["icespec.ice.checks.sent{triggered=False}"] < 1 && DateTime.UtcNow < deadline) await Task.Delay(20);
        await Task.Delay(1000); // its retransmissions (RFC 8445 §14.3) go unanswered too

        Assert.Equal(1, metrics["icespec.ice.checks.sent{triggered=False}"]); // one pair; retransmissions are not new checks
        Assert.Equal(0, metrics["icespec.ice.checks.answered"]);
        Assert.Empty(metrics.Values("icespec.ice.time_to_connected"));
    }

    [Fact]
    public void Each_consent_expiry_counts_one_loss_and_nothing_else_does()
    {
        using var session = new IceSessionMetrics();
        using var metrics = new MeterRecorder(session.Meter);
        foreach (var (at, state) in new[]
                 {
                     (1, IceConnectionState.Checking), (2, IceConnectionState.Connected), (32, IceConnectionState.Disconnected), // RFC 7675 §5.1
                     (40, IceConnectionState.Checking), (41, IceConnectionState.Connected), (71, IceConnectionState.Disconnected),
                     (80, IceConnectionState.Checking), (90, IceConnectionState.Failed),
                 })
            session.Record(new IceConnectionStateChanged(TimeSpan.FromSeconds(at), state));
        Assert.Equal(2, metrics["icespec.ice.consent.losses"]);
    }
}
