using IceSpec.Captures.Credentials;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Captures.Analysis;

/// <summary>
/// <c>icespec analyze</c>'s engine, fed one captured message at a time in capture order (streaming: what it keeps is
/// bounded by <see cref="AnalysisLimits"/> and by the open transactions): each STUN message is parsed, its integrity
/// checked with the key <see cref="MessageKeys"/> picks, validated with the generated validators (ICE checks with the
/// "ice-check" profile), then handed to the <see cref="TransactionTracker"/>, the <see cref="IceTracker"/> and the
/// <see cref="TurnTracker"/>; mDNS datagrams (<see cref="AddMdns"/>) go to the <see cref="MdnsTracker"/>, which ties the
/// names they resolve to the ICE candidates (and, given them, the signalled candidates) at the end.
/// </summary>
public sealed class CaptureAnalyzer
{
    private readonly MessageKeys _keys;
    private readonly TransactionTracker _transactions = new();
    private readonly IceTracker _ice;
    private TurnTracker? _turn;
    private MdnsTracker? _mdns;
    private readonly List<Violation> _violations = [];
    private readonly List<TimelineEntry> _timeline = [];
    private DateTime? _epoch;
    private int _stun, _channelData, _classicStun, _violationCount;
    private readonly int[] _integrity = new int[4]; // by IntegrityCheck

    static CaptureAnalyzer() =>
        // turn.spec's module initializer registers TURN's attributes, so the comprehension-required check knows them.
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(typeof(TurnRegistry).Module.ModuleHandle);

    public CaptureAnalyzer(CaptureCredentials credentials)
    {
        _keys = new MessageKeys(credentials);
        _ice = new IceTracker(Report);
        _transactions.TimedOut += _ice.OnTimeout;
    }

    /// <summary>Analyses a whole file, streaming. Throws <see cref="CaptureException"/> when it cannot be read; a file that breaks off midway is analysed up to there. Skipped input goes to <paramref name="note"/> (see <see cref="CaptureFile.Stream"/>);
    /// <paramref name="signalled"/>: the agents' signalling, whose <c>.local</c> candidates are tied to the names resolved.</summary>
    public static (AnalysisReport Report, string? Error) AnalyzeFile(string path, CaptureCredentials credentials, Action<string>? note = null,
        IReadOnlyList<Diagnosis.SignalledAgent>? signalled = null)
    {
        var analyzer = new CaptureAnalyzer(credentials);
        var (frames, error) = CaptureFile.Stream(path, analyzer.Add, note, mdns: analyzer.AddMdns);
        return (analyzer.Finish(frames, signalled ?? []), error);
    }

    /// <summary>An mDNS datagram (RFC 6762): on the timeline, and to the <see cref="MdnsTracker"/>.</summary>
    public void AddMdns(Mdns.CapturedMdns mdns)
    {
        _epoch ??= mdns.Time;
        _mdns ??= new MdnsTracker(_epoch.Value);
        _mdns.Add(mdns);
        if (TimelineHasRoom()) AddToTimeline(mdns.Frame, mdns.Time, mdns.Source, mdns.Destination, MdnsLabel(mdns), "mdns");
    }

    /// <summary>"mDNS query A name", "mDNS response name = address", "mDNS malformed".</summary>
    private static string MdnsLabel(Mdns.CapturedMdns mdns) => mdns.Message switch
    {
        null => "mDNS malformed",
        { IsResponse: false } m => "mDNS query " + string.Join(", ", m.Questions.Select(q => $"{q.TypeName} {q.Name}{(q.UnicastResponse ? " (QU)" : "")}")),
        var m => "mDNS response " + string.Join(", ", m.Answers.Select(r => r.Address is { } a ? $"{r.Name} = {a}{(r.IsGoodbye ? " (goodbye)" : "")}" : $"{r.Name} {r.TypeName}")),
    };

    public void Add(CapturedMessage message)
    {
        _epoch ??= message.Time;
        _turn ??= new TurnTracker(Report, _epoch.Value);
        if (message.Kind == CapturedKind.ChannelData)
        {
            _channelData++;
            if (TimelineHasRoom()) AddToTimeline(message, $"ChannelData 0x{message.Channel:X4} ({message.DataLength} B)", "channeldata");
            _turn.OnData(message, null);
            return;
        }
        if (message.Kind == CapturedKind.ClassicStun)
        {
            AddClassic(message);
            return;
        }
        _stun++;
        if (StunMessage.TryParse(message.Bytes, out var parsed) != StunParseStatus.Ok) return;
        var stun = StunEvent.Read(message, parsed);
        CheckIntegrity(stun, parsed);
        _integrity[(int)stun.Integrity]++;
        Validate(stun, parsed);
        if (TimelineHasRoom())
            AddToTimeline(message, message.Relay is { } relay ? $"{stun.TimelineLabel} (in {relay.Carrier})" : stun.TimelineLabel, stun.Class.ToString().ToLowerInvariant());

        if (stun.IsRequest)
        {
            var (exchange, retransmission) = _transactions.OnRequest(stun);
            if (retransmission) return;
            if (stun.IsIceCheck) _ice.OnCheck(stun, exchange);
            _turn.OnRequest(stun);
        }
        else if (stun.IsResponse)
        {
            if (_transactions.OnResponse(stun) is not { } exchange) return;
            _ice.OnResponse(stun, exchange);
            _turn.OnResponse(stun, exchange.Request);
        }
        else if (stun.Method is TurnMethods.Send or TurnMethods.Data)
            _turn.OnData(message, stun);
    }

    /// <summary>An RFC 3489 message: counted, on the timeline, paired with its request or response by its 16-byte ID.</summary>
    private void AddClassic(CapturedMessage message)
    {
        _classicStun++;
        var stun = ClassicStunEvent.Read(message);
        _integrity[(int)stun.Integrity]++;
        if (TimelineHasRoom())
            AddToTimeline(message, message.Relay is { } relay ? $"{stun.TimelineLabel} (in {relay.Carrier})" : stun.TimelineLabel, stun.Class.ToString().ToLowerInvariant());
        if (stun.IsRequest) _transactions.OnRequest(stun);
        else if (stun.IsResponse) _transactions.OnResponse(stun);
    }

    private void CheckIntegrity(StunEvent stun, in StunMessage message)
    {
        var key = _keys.Resolve(message);
        stun.Integrity = StunEvent.CheckIntegrity(message, key?.Key);
        if (stun.Integrity == IntegrityCheck.Failed)
            Report(SpecCitations.BadIntegrity(stun.Frame, stun.IsRequest,
                $"{stun.Label} {stun.Source} → {stun.Destination}: MESSAGE-INTEGRITY does not match the {key!.Description}"));
    }

    /// <summary>The generated validators; ICE checks and their responses with the "ice-check" profile (RFC 8445 §7.2.2).</summary>
    private void Validate(StunEvent stun, in StunMessage message)
    {
        var iceCheck = stun.IsIceCheck || (stun.IsResponse && _transactions.WasIceCheck(stun.TransactionId) == true);
        var valid = iceCheck ? StunValidator.TryValidate(message, StunValidator.Profile.IceCheck, out var violation) : StunValidator.TryValidate(message, out violation);
        if (valid && TurnMethods.NameOf(message.Method) is not null) valid = TurnValidator.TryValidate(message, out violation);
        // USE-CANDIDATE with ICE-CONTROLLED is reported by the ICE tracker, with the agent named.
        if (valid || violation.Rule == StunValidator.Rules.BindingRequestIceCheck.UseCandidateOnlyWithIceControlling) return;
        Report(SpecCitations.FromValidator(violation.Rule == StunValidator.Rules.FingerprintLast ? "attribute-after-fingerprint" : "message-rule", stun.Frame, violation));
    }

    /// <summary>Whether the timeline keeps another entry (checked before its label is built: labels cost more than the rest of a ChannelData's analysis).</summary>
    private bool TimelineHasRoom()
    {
        if (_timeline.Count < AnalysisLimits.TimelineEntries) return true;
        TimelineTruncated = true;
        return false;
    }

    private void AddToTimeline(CapturedMessage message, string label, string cls) =>
        AddToTimeline(message.Frame, message.Time, message.Source, message.Destination, label, cls);

    private void AddToTimeline(int frame, DateTime time, System.Net.IPEndPoint source, System.Net.IPEndPoint destination, string label, string cls) =>
        _timeline.Add(new TimelineEntry(frame, Math.Round((time - _epoch!.Value).TotalMilliseconds, 3), source.ToString(), destination.ToString(), label, cls, []));

    private bool TimelineTruncated { get; set; }

    private void Report(Violation violation)
    {
        _violationCount++;
        if (_violations.Count < AnalysisLimits.Violations) _violations.Add(violation);
    }

    public AnalysisReport Finish(int frames, IReadOnlyList<Diagnosis.SignalledAgent>? signalled = null)
    {
        var transactions = _transactions.Finish();
        var sessions = _ice.Finish();
        var allocations = _turn?.Finish() ?? [];
        var byFrame = _violations.ToLookup(v => v.Frame);
        var timeline = _timeline.Select(e => byFrame[e.Frame].Any() ? e with { Violations = byFrame[e.Frame].Select(v => v.Name).Distinct().ToList() } : e).ToList();
        var integrity = new IntegritySummary(_integrity[(int)IntegrityCheck.Verified], _integrity[(int)IntegrityCheck.Failed],
            _integrity[(int)IntegrityCheck.NoKey], _integrity[(int)IntegrityCheck.Absent]);
        return new AnalysisReport(frames, _stun, _channelData, _classicStun, integrity, transactions, sessions, allocations,
            _violationCount, [.. _violations.OrderBy(v => v.Frame)], timeline, TimelineTruncated)
        {
            Mdns = _mdns?.Finish(sessions, signalled ?? []) ?? MdnsSummary.None,
        };
    }
}
