using IceSpec.Stun;

namespace IceSpec.Captures.Analysis;

/// <summary>
/// Pairs requests with responses by transaction ID (RFC 8489 §6.2, §6.3): a request seen again in the same direction is
/// a retransmission (RFC 8489 §6.2.1); the RTT runs from the first transmission to the first response. A request with no
/// response after <see cref="GiveUpAfter"/> of capture time is unanswered (RFC 8489 §6.2.2: Ti over TCP, which the spec's
/// defaults of RTO, Rc and Rm also give over UDP, §6.2.1), which keeps the set of open transactions bounded.
/// </summary>
public sealed class TransactionTracker
{
    public static readonly TimeSpan GiveUpAfter = new StunClientTransactionMachine().Ti;

    /// <summary>An open or answered transaction; <see cref="Request"/> is its first transmission.</summary>
    public sealed class Exchange(StunEvent request)
    {
        public StunEvent Request { get; } = request;
        public int Retransmissions { get; set; }
        public StunEvent? Response { get; set; }
        public TimeSpan? Rtt => Response is null ? null : Response.Time - Request.Time;
        /// <summary>Whatever a tracker wants to remember about this transaction (the ICE pair a check was sent on…).</summary>
        public object? Tag { get; set; }
    }

    // Unanswered requests; answered ones are remembered only as what a duplicate response needs (not the messages:
    // keeping ~40 s of answered exchanges alive made the GC copy them, ~65 ms per million packets).
    private readonly Dictionary<TransactionKey, Exchange> _open = [];
    private readonly Dictionary<TransactionKey, (bool IceCheck, DateTime RequestTime)> _answeredIds = [];
    private readonly Queue<(TransactionKey Id, DateTime Time)> _byAge = new();
    private readonly List<TransactionReport> _listed = [];
    // RTTs for the median: all of them up to RttSampleSize, then a uniform sample of that size (reservoir sampling,
    // Vitter's algorithm R; seeded, so a report is reproducible), so that memory stays bounded on any capture.
    private const int RttSampleSize = 100_000;
    private readonly List<double> _rtts = [];
    private readonly Random _rttSampling = new(1);
    private int _count, _answered, _unanswered, _retransmitted;

    /// <summary>Called for a request that got no response within <see cref="GiveUpAfter"/> (not for those still open at the end).</summary>
    public event Action<Exchange>? TimedOut;

    /// <summary>Records a request; returns its exchange and whether this was a retransmission.</summary>
    public (Exchange Exchange, bool Retransmission) OnRequest(StunEvent request)
    {
        Expire(request.Time);
        if (_open.TryGetValue(request.TransactionId, out var known) && known.Request.Source.Equals(request.Source))
        {
            if (known.Retransmissions++ == 0) _retransmitted++;
            return (known, true);
        }
        var exchange = new Exchange(request);
        _open[request.TransactionId] = exchange;
        _answeredIds.Remove(request.TransactionId);
        _byAge.Enqueue((request.TransactionId, request.Time));
        _count++;
        return (exchange, false);
    }

    /// <summary>Matches a response to its request; null when no request with that transaction ID is open, or when it was already answered (a duplicate).</summary>
    public Exchange? OnResponse(StunEvent response)
    {
        Expire(response.Time);
        if (!_open.Remove(response.TransactionId, out var exchange)) return null;
        exchange.Response = response;
        _answeredIds[response.TransactionId] = (exchange.Request.IsIceCheck, exchange.Request.Time);
        _answered++;
        SampleRtt(exchange.Rtt!.Value.TotalMilliseconds);
        List(exchange, "answered");
        return exchange;
    }

    private void SampleRtt(double rtt)
    {
        if (_rtts.Count < RttSampleSize) _rtts.Add(rtt);
        else if (_rttSampling.Next(_answered) is var slot && slot < RttSampleSize) _rtts[slot] = rtt;
    }

    /// <summary>Whether the request with this transaction ID was an ICE check, also after it was answered (for duplicate responses), while it is remembered; null when unknown.</summary>
    public bool? WasIceCheck(TransactionKey transactionId) =>
        _open.TryGetValue(transactionId, out var open) ? open.Request.IsIceCheck
        : _answeredIds.TryGetValue(transactionId, out var answered) ? answered.IceCheck : null;

    private void Expire(DateTime now)
    {
        while (_byAge.Count > 0 && now - _byAge.Peek().Time > GiveUpAfter)
        {
            var (id, time) = _byAge.Dequeue();
            // Only the exchange this queue entry was made for (a transaction ID can be used again later).
            if (_answeredIds.TryGetValue(id, out var answered) && answered.RequestTime == time) _answeredIds.Remove(id);
            if (!_open.TryGetValue(id, out var exchange) || exchange.Request.Time != time) continue;
            _open.Remove(id);
            _unanswered++;
            List(exchange, "timed out");
            TimedOut?.Invoke(exchange);
        }
    }

    private void List(Exchange exchange, string outcome)
    {
        if (_listed.Count >= AnalysisLimits.ListedTransactions) return;
        var request = exchange.Request;
        var response = exchange.Response;
        _listed.Add(new TransactionReport(request.TransactionId.ToString(), request.MethodName, request.Captured.Transport,
            request.Source.ToString(), request.Destination.ToString(), request.Frame, exchange.Retransmissions,
            response is null ? outcome : response.Class == Stun.StunClass.Success ? "success" : "error",
            response?.ErrorCode, response?.Frame, exchange.Rtt is { } rtt ? Math.Round(rtt.TotalMilliseconds, 3) : null, request.Classic));
    }

    /// <summary>The summary; requests still open are counted as unanswered ("no response before the capture ended").</summary>
    public TransactionSummary Finish()
    {
        foreach (var exchange in _open.Values.OrderBy(e => e.Request.Frame))
        {
            _unanswered++;
            List(exchange, "unanswered at end of capture");
        }
        _open.Clear();
        _answeredIds.Clear();
        _rtts.Sort();
        double? median = _rtts.Count == 0 ? null : Math.Round(_rtts[_rtts.Count / 2], 3);
        return new TransactionSummary(_count, _answered, _unanswered, _retransmitted, median,
            [.. _listed.OrderBy(t => t.RequestFrame)]);
    }
}
