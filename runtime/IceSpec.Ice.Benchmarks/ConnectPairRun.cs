using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using IceSpec.Ice;

namespace IceSpec.Ice.Benchmarks;

/// <summary>
/// One timed run: two <see cref="IceSession"/>s on 127.0.0.1 (one controlling, one controlled), descriptions exchanged
/// in process, timed from the first <see cref="IceSession.Create"/> to both <see cref="IceSession.ConnectAsync"/>
/// completed; then, untimed, one datagram each way over the selected pairs. Marks (ms since the start) show where the
/// time went; they are taken here, from the sessions' events, not inside the agent.
/// </summary>
internal sealed class ConnectPairRun
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly ConcurrentQueue<(string Name, double Ms)> _marks = new();

    public double TotalMs { get; private set; }

    /// <summary>Each mark once, in the order it happened.</summary>
    public IEnumerable<(string Name, double Ms)> Marks => _marks.OrderBy(m => m.Ms);

    public static async Task<ConnectPairRun> RunAsync(IceNomination nomination, TimeSpan pacing)
    {
        var run = new ConnectPairRun();
        await using var controlling = IceSession.Create(Options(IceRole.Controlling, nomination, pacing));
        await using var controlled = IceSession.Create(Options(IceRole.Controlled, nomination, pacing));
        run.Mark("both created");
        run.Watch(controlling, "L");
        run.Watch(controlled, "R");
        using var limit = new CancellationTokenSource(Limit);
        try
        {
            var offer = await controlling.GetLocalDescriptionAsync(limit.Token);
            run.Mark("L gathered");
            var answer = await controlled.GetLocalDescriptionAsync(limit.Token);
            run.Mark("R gathered");
            controlled.SetRemoteDescription(offer);
            controlling.SetRemoteDescription(answer);
            run.Mark("descriptions set");
            await Task.WhenAll(controlling.ConnectAsync(limit.Token), controlled.ConnectAsync(limit.Token));
            run.TotalMs = run.Elapsed();
            run.Mark("both connected (awaited)");
            // Not timed: the selected pairs must carry data both ways, or "connected" meant nothing.
            await ExpectDatagram(controlling, controlled, limit.Token);
            await ExpectDatagram(controlled, controlling, limit.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the two sessions did not connect and pass a datagram each way within {Limit.TotalSeconds} s");
        }
        return run;
    }

    private static async Task ExpectDatagram(IceSession from, IceSession to, CancellationToken ct)
    {
        byte[] probe = [0x49, 0x43, 0x45];
        if (!await from.SendAsync(probe)) throw new IceSessionException("a connected session could not send on its selected pair");
        var (_, data) = await to.ReceiveAsync(ct);
        if (!data.AsSpan().SequenceEqual(probe)) throw new IceSessionException("the datagram sent over the selected pair arrived changed");
    }

    private static IceSessionOptions Options(IceRole role, IceNomination nomination, TimeSpan pacing) =>
        new() { Role = role, Nomination = nomination, Pacing = pacing, Addresses = [IPAddress.Loopback] };

    private double Elapsed() => Stopwatch.GetElapsedTime(_start).TotalMilliseconds;

    private void Mark(string name) => _marks.Enqueue((name, Elapsed()));

    /// <summary>Records, per side, the first time each kind of event happens (the events arrive on the session's loop).</summary>
    private void Watch(IceSession session, string side)
    {
        var seen = new HashSet<string>();
        session.Event += iceEvent =>
        {
            var name = iceEvent switch
            {
                IceCheckSent { UseCandidate: true } => "check with USE-CANDIDATE sent",
                IceCheckSent { Triggered: true } => "triggered check sent",
                IceCheckSent => "ordinary check sent",
                IcePairStateChanged { To: CandidatePairState.Succeeded } => "pair succeeded",
                IceSelectedPairChanged => "pair selected",
                IceConnectionStateChanged { State: var state } => $"state {state}",
                _ => null,
            };
            if (name is not null && seen.Add(name)) Mark($"{side} {name}");
        };
    }
}
