using System.Globalization;
using System.Net;

namespace IceSpec.Ice.Mdns;

/// <summary>How one lookup ended: the address, or why there is none.</summary>
public sealed record MdnsResolution(string Name, IPAddress? Address, string? Failure);

/// <summary>
/// The querying half of RFC 6762 for ICE candidate names (draft-ietf-mmusic-mdns-ice-candidates §3.2), sans-IO: the caller
/// sends what <see cref="PollQuery"/> returns to 224.0.0.251:5353 and [ff02::fb]:5353 on the interfaces ICE uses, hands every mDNS message it
/// receives to <see cref="Handle"/>, and calls <see cref="Expire"/> at <see cref="NextDeadline"/>.
/// <list type="bullet">
/// <item>Each name is asked for as A and AAAA in one message: a candidate name stands for one address of either family
/// (draft §3.1.1 "an mDNS name is used to replace only one IP address").</item>
/// <item>The first query sets the QU bit (draft §3.2.1 step 2, RFC 6762 §5.4: "only the first"); the query is repeated
/// as QM 1 s and 3 s later (§5.2: at least one second, then doubling) until an answer or <see cref="Timeout"/>.</item>
/// <item>An answer with two different addresses for one name fails it (draft §3.2.2: "SHOULD ignore candidates where
/// the hostname resolution returns more than one IP address"); a goodbye (TTL 0, §10.1) is no answer.</item>
/// <item>Every response heard is cached for its TTL (RFC 6762 §10), the unsolicited announcements of §8.3 too, and a lookup
/// of a cached name resolves at once: a responder multicasts a record at most once a second (§6), so a query that
/// follows the peer's announcement closely gets no answer before the repeat 1 s later (Chromium behaves so). At most
/// <see cref="MaxCached"/> names are kept; a goodbye removes its name.</item>
/// </list>
/// </summary>
public sealed class MdnsResolver(TimeSpan timeout, int maxPending)
{
    /// <summary>Draft §3.2 gives no time; RFC 6762 §5.2's third query goes out at 3 s and a LAN answers within ~120 ms (§6).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);
    public const int DefaultMaxPending = 32;
    /// <summary>How many names heard in responses are cached (RFC 6762 §10) — a bound on what a LAN can make us hold.</summary>
    public const int MaxCached = 64;
    private static readonly TimeSpan[] Retransmissions = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)];

    private sealed class Lookup(TimeSpan started)
    {
        public TimeSpan Started { get; } = started;
        public int Sent { get; set; }
    }

    private readonly Dictionary<string, Lookup> _pending = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, (IPAddress[] Addresses, TimeSpan Expires)> _cache = new(StringComparer.OrdinalIgnoreCase);

    public TimeSpan Timeout { get; } = timeout;
    public int MaxPending { get; } = maxPending;
    public int PendingCount => _pending.Count;

    /// <summary>
    /// Starts a lookup: null while it is pending; at once the resolution of a cached name, or the refusal when
    /// <paramref name="name"/> is no candidate name or too many are pending.
    /// </summary>
    public MdnsResolution? Start(string name, TimeSpan now)
    {
        if (!MdnsNames.IsCandidateName(name)) return new(name, null, $"'{name}' is not an mDNS candidate name (<name>.local, draft §3.2.1)");
        if (_cache.TryGetValue(name, out var cached) && cached.Expires > now) return Resolution(name, cached.Addresses);
        if (_pending.ContainsKey(name)) return null;
        if (_pending.Count >= MaxPending) return new(name, null, $"{MaxPending} mDNS lookups are already pending");
        _pending[name] = new Lookup(now);
        return null;
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

    /// <summary>
    /// The lookups <paramref name="message"/> answers (RFC 6762 §6: answers, and additional records, of a response); its
    /// candidate-name records are cached for their TTL, each name's addresses replacing what was cached (§10.2), a
    /// goodbye removing them (§10.1).
    /// </summary>
    public IReadOnlyList<MdnsResolution> Handle(MdnsMessage message, TimeSpan now)
    {
        if (!message.IsResponse) return [];
        var found = new Dictionary<string, (List<IPAddress> Addresses, uint Ttl)>(StringComparer.OrdinalIgnoreCase);
        foreach (var record in message.Records)
            if (record.Address is { } address && MdnsNames.IsCandidateName(record.Name))
            {
                if (record.Ttl == 0) { _cache.Remove(record.Name); continue; }
                if (!found.TryGetValue(record.Name, out var heard)) found[record.Name] = heard = ([], record.Ttl);
                if (!heard.Addresses.Contains(address)) heard.Addresses.Add(address);
            }
        var done = new List<MdnsResolution>();
        foreach (var (name, (addresses, ttl)) in found)
        {
            foreach (var stale in _cache.Where(c => c.Value.Expires <= now).Select(c => c.Key).ToList()) _cache.Remove(stale);
            if (_cache.ContainsKey(name) || _cache.Count < MaxCached) _cache[name] = ([.. addresses], now + TimeSpan.FromSeconds(ttl));
            if (_pending.Remove(name)) done.Add(Resolution(name, addresses));
        }
        return done;
    }

    private static MdnsResolution Resolution(string name, IReadOnlyList<IPAddress> addresses) => addresses.Count == 1
        ? new MdnsResolution(name, addresses[0], null)
        : new MdnsResolution(name, null, $"answered with {addresses.Count} addresses ({string.Join(", ", addresses)}): ignored (draft §3.2.2)");

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
