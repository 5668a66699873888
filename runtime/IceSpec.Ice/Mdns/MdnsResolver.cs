using System.Globalization;
using System.Net;

namespace IceSpec.Ice.Mdns;

/// <summary>How one lookup ended: the address, or why there is none.</summary>
public sealed record MdnsResolution(string Name, IPAddress? Address, string? Failure);

/// <summary>
/// The querying half of RFC 6762 for ICE candidate names (draft-ietf-mmusic-mdns-ice-candidates §3.2), sans-IO: the caller
/// sends what <see cref="PollQuery"/> returns to 224.0.0.251:5353 on the interfaces ICE uses, hands every mDNS message it
/// receives to <see cref="Handle"/>, and calls <see cref="Expire"/> at <see cref="NextDeadline"/>.
/// <list type="bullet">
/// <item>Each name is asked for as A and AAAA in one message: a candidate name stands for one address of either family
/// (draft §3.1.1 "an mDNS name is used to replace only one IP address").</item>
/// <item>The first query sets the QU bit (draft §3.2.1 step 2, RFC 6762 §5.4: "only the first"); the query is repeated
/// as QM 1 s and 3 s later (§5.2: at least one second, then doubling) until an answer or <see cref="Timeout"/>.</item>
/// <item>An answer with two different addresses for one name fails it (draft §3.2.2: "SHOULD ignore candidates where
/// the hostname resolution returns more than one IP address"); a goodbye (TTL 0, §10.1) is no answer.</item>
/// </list>
/// </summary>
public sealed class MdnsResolver(TimeSpan timeout, int maxPending)
{
    /// <summary>Draft §3.2 gives no time; RFC 6762 §5.2's third query goes out at 3 s and a LAN answers within ~120 ms (§6).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);
    public const int DefaultMaxPending = 32;
    private static readonly TimeSpan[] Retransmissions = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)];

    private sealed class Lookup(TimeSpan started)
    {
        public TimeSpan Started { get; } = started;
        public int Sent { get; set; }
    }

    private readonly Dictionary<string, Lookup> _pending = new(StringComparer.OrdinalIgnoreCase);

    public TimeSpan Timeout { get; } = timeout;
    public int MaxPending { get; } = maxPending;
    public int PendingCount => _pending.Count;

    /// <summary>Starts a lookup; false with the reason when <paramref name="name"/> is no candidate name or too many are pending.</summary>
    public bool Start(string name, TimeSpan now, out string? refused)
    {
        refused = null;
        if (!MdnsNames.IsCandidateName(name)) refused = $"'{name}' is not an mDNS candidate name (<name>.local, draft §3.2.1)";
        else if (_pending.ContainsKey(name)) return true;
        else if (_pending.Count >= MaxPending) refused = $"{MaxPending} mDNS lookups are already pending";
        if (refused is not null) return false;
        _pending[name] = new Lookup(now);
        return true;
    }

    /// <summary>When a query is due or a lookup times out; null with nothing pending.</summary>
    public TimeSpan? NextDeadline
    {
        get
        {
            TimeSpan? next = null;
            foreach (var lookup in _pending.Values)
            {
                var due = Due(lookup);
                if (next is null || due < next) next = due;
            }
            return next;
        }
    }

    private TimeSpan Due(Lookup lookup)
    {
        var end = lookup.Started + Timeout;
        if (lookup.Sent == 0) return lookup.Started;
        if (lookup.Sent <= Retransmissions.Length && lookup.Started + Retransmissions[lookup.Sent - 1] < end) return lookup.Started + Retransmissions[lookup.Sent - 1];
        return end;
    }

    /// <summary>One query with every question due now (two per name), or null.</summary>
    public MdnsMessage? PollQuery(TimeSpan now)
    {
        var questions = new List<MdnsQuestion>();
        foreach (var (name, lookup) in _pending)
        {
            if (Due(lookup) > now || now >= lookup.Started + Timeout) continue;
            var unicast = lookup.Sent == 0;
            questions.Add(new MdnsQuestion(name, MdnsRecordTypes.A, unicast));
            questions.Add(new MdnsQuestion(name, MdnsRecordTypes.Aaaa, unicast));
            lookup.Sent++;
        }
        return questions.Count == 0 ? null : MdnsMessage.Query([.. questions]);
    }

    /// <summary>The lookups <paramref name="message"/> answers (RFC 6762 §6: answers, and additional records, of a response).</summary>
    public IReadOnlyList<MdnsResolution> Handle(MdnsMessage message)
    {
        if (!message.IsResponse) return [];
        var found = new Dictionary<string, List<IPAddress>>(StringComparer.OrdinalIgnoreCase);
        foreach (var record in message.Records)
            if (record.Address is { } address && record.Ttl > 0 && _pending.ContainsKey(record.Name))
            {
                if (!found.TryGetValue(record.Name, out var list)) found[record.Name] = list = [];
                if (!list.Contains(address)) list.Add(address);
            }
        var done = new List<MdnsResolution>();
        foreach (var (name, addresses) in found)
        {
            _pending.Remove(name);
            done.Add(addresses.Count == 1
                ? new MdnsResolution(name, addresses[0], null)
                : new MdnsResolution(name, null, $"answered with {addresses.Count} addresses ({string.Join(", ", addresses)}): ignored (draft §3.2.2)"));
        }
        return done;
    }

    /// <summary>The lookups with no answer after <see cref="Timeout"/>: draft §3.2.1 step 4, "ignore the candidate".</summary>
    public IReadOnlyList<MdnsResolution> Expire(TimeSpan now)
    {
        var expired = _pending.Where(p => now >= p.Value.Started + Timeout).Select(p => p.Key).ToList();
        foreach (var name in expired) _pending.Remove(name);
        return [.. expired.Select(name => new MdnsResolution(name, null, string.Create(CultureInfo.InvariantCulture, $"no mDNS answer within {Timeout.TotalSeconds:0.###} s")))];
    }

    /// <summary>Ends every lookup (the session closes): each fails with <paramref name="reason"/>.</summary>
    public IReadOnlyList<MdnsResolution> Cancel(string reason)
    {
        var all = _pending.Keys.Select(name => new MdnsResolution(name, null, reason)).ToList();
        _pending.Clear();
        return all;
    }
}
