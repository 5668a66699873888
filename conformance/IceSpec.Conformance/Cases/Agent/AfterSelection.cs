using System.Net;
using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Tester;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// A session brought to a selected pair by <see cref="AgentCaseContext.ConnectAsync"/>: the tester's socket, the IUT's
/// address on the pair, and when the tester saw the selection. What the liveness cases (consent, keepalives) observe
/// afterwards is the traffic of that 5-tuple.
/// </summary>
internal sealed record SelectedSession(TesterSocket Socket, SelectedPair Pair, IPEndPoint IutAddress, DateTime SelectedAt, int SelectedFrame)
{
    /// <summary>Connects (both roles) and reads the IUT's side of the selected pair; null with a reason when it never selected one.</summary>
    public static async Task<(SelectedSession? Session, string? Problem)> ConnectAsync(AgentCaseContext c)
    {
        var (socket, pair) = await c.ConnectAsync();
        if (pair is null) return (null, $"the IUT selected no pair (states: {string.Join(", ", c.Iut.States)})");
        if (!IPEndPoint.TryParse(pair.Local, out var local)) return (null, $"the IUT's selected-pair event has no usable local address: {pair}");
        return (new SelectedSession(socket, pair, local, DateTime.UtcNow, c.Tester.LastFrame), null);
    }

    /// <summary>An inbound datagram on the selected pair: from the IUT's address of the pair to the tester's socket.</summary>
    public bool OnPair(TesterDatagram d) => d.Inbound && d.Local.Equals(Socket.LocalEndPoint) && d.Remote.Equals(IutAddress);

    /// <summary>
    /// The IUT's Binding requests on the pair from <paramref name="from"/> on, one per transaction (its first
    /// transmission): after selection these are consent checks (RFC 7675 §5.1) or keepalives (RFC 8445 §11).
    /// </summary>
    public IReadOnlyList<TesterDatagram> RequestsOnPair(IEnumerable<TesterDatagram> datagrams, DateTime from)
    {
        var seen = new HashSet<UInt128>();
        return [.. datagrams.Where(d => OnPair(d) && d.IsRequest && d.Time >= from && seen.Add(d.Stun!.TransactionId))];
    }

    /// <summary>The gaps between consecutive <paramref name="frames"/>, each with the frame that ends it.</summary>
    public static IReadOnlyList<(TimeSpan Gap, TesterDatagram Before, TesterDatagram After)> Gaps(IReadOnlyList<TesterDatagram> frames) =>
        [.. frames.Zip(frames.Skip(1), (a, b) => (b.Time - a.Time, a, b))];
}

/// <summary>
/// Asks the IUT to send one numbered datagram on its selected pair every <see cref="Interval"/> through the driver's
/// <c>send</c> command, as an application would, until disposed. The IUT decides whether it may send (RFC 7675 §5.1).
/// </summary>
internal sealed class DataPump : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    private readonly CancellationTokenSource _stop;
    private readonly Task _loop;

    public DataPump(AgentCaseContext c)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(c.Cancel);
        _loop = RunAsync(c, _stop.Token);
    }

    /// <summary>How many datagrams the kit asked for.</summary>
    public int Requested { get; private set; }

    private async Task RunAsync(AgentCaseContext c, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await c.Iut.SendDataAsync(TesterMessages.Data($"pump {++Requested}"), ct);
                await Task.Delay(Interval, ct);
            }
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
        catch (DriverException)
        {
            // the driver went away: the case judges what arrived
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
