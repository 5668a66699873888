using System.Diagnostics.Metrics;

namespace IceSpec.Ice;

/// <summary>
/// The meter <c>IceSpec.Ice.Session</c> of one <see cref="IceSession"/> (System.Diagnostics.Metrics, OpenTelemetry-style
/// names and units; listed in runtime/IceSpec.Turn.Server.Hosting/README.md, "Logs and metrics"). Fed from the agent's events on
/// the session's loop.
/// </summary>
public sealed class IceSessionMetrics : IDisposable
{
    public const string MeterName = "IceSpec.Ice.Session";

    private static readonly KeyValuePair<string, object?> Ordinary = new("triggered", false);
    private static readonly KeyValuePair<string, object?> Triggered = new("triggered", true);

    private readonly bool _ownsMeter;
    private readonly Counter<long> _checksSent;
    private readonly Counter<long> _checksAnswered;
    private readonly Histogram<double> _timeToConnected;
    private readonly Counter<long> _consentLosses;

    /// <summary>A meter from <paramref name="factory"/>, or one of its own (disposed with this).</summary>
    public IceSessionMetrics(IMeterFactory? factory = null)
    {
        _ownsMeter = factory is null;
        Meter = factory?.Create(MeterName) ?? new Meter(MeterName);
        _checksSent = Meter.CreateCounter<long>("icespec.ice.checks.sent", "{check}",
            "Connectivity checks sent (RFC 8445 §7.2.4), retransmissions excluded, by triggered (§7.3.1.4).");
        _checksAnswered = Meter.CreateCounter<long>("icespec.ice.checks.answered", "{check}",
            "Connectivity checks answered with a success response that made their pair Succeeded (RFC 8445 §7.2.5.3).");
        _timeToConnected = Meter.CreateHistogram<double>("icespec.ice.time_to_connected", "s",
            "From the session's creation to the Connected state (RFC 8445 §8.1.2).");
        _consentLosses = Meter.CreateCounter<long>("icespec.ice.consent.losses", "{loss}",
            "Consent expired on a selected pair: Connected/Completed to Disconnected (RFC 7675 §5.1).");
    }

    public Meter Meter { get; }

    internal void Record(IceEvent iceEvent)
    {
        switch (iceEvent)
        {
            case IceCheckSent sent:
                _checksSent.Add(1, sent.Triggered ? Triggered : Ordinary);
                break;
            case IcePairStateChanged { To: CandidatePairState.Succeeded }:
                _checksAnswered.Add(1);
                break;
            case IceConnectionStateChanged { State: IceConnectionState.Disconnected }:
                _consentLosses.Add(1);
                break;
        }
    }

    internal void Connected(TimeSpan sinceCreation) => _timeToConnected.Record(sinceCreation.TotalSeconds);

    public void Dispose()
    {
        if (_ownsMeter) Meter.Dispose();
    }
}
