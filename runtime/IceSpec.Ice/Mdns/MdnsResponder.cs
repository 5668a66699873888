using System.Net;
using System.Net.Sockets;

namespace IceSpec.Ice.Mdns;

/// <summary>Where an answer goes: multicast to the group, or unicast to the querier (RFC 6762 §6.7 legacy unicast).</summary>
public sealed record MdnsReply(MdnsMessage Message, IPEndPoint? UnicastTo);

/// <summary>
/// The responding half of RFC 6762 for the names of this agent's host candidates (draft-ietf-mmusic-mdns-ice-candidates
/// §3.1.1), sans-IO. One fresh UUIDv4 ".local" name per address, kept for reuse (step 5) until the responder is dropped;
/// it answers questions for those names only (§6: "MUST NOT" answer for names it is not authoritative for).
/// <list type="bullet">
/// <item>A question for A or AAAA (or ANY) of a name is answered with the record of the name's address when the family
/// matches; a question of the other family gets nothing (the §6.1 NSEC is not sent).</item>
/// <item>A query from port 5353 is answered by multicast, ID 0, cache-flush set (§10.2: the record is unique), TTL
/// <see cref="Ttl"/> (§10: 120 s for host address records). The first answer to a QU question is multicast too (§5.4: a
/// record not multicast within a quarter of its TTL is multicast); later ones as well, which costs only a datagram.</item>
/// <item>A query from another port is a legacy unicast query (§6.7): the answer goes back to its source, with its ID and
/// questions, no cache-flush bit and a TTL of at most 10 s.</item>
/// <item>Known-answer suppression (§7.1): a query that already lists the record with at least half its TTL left gets no answer.</item>
/// </list>
/// </summary>
public sealed class MdnsResponder
{
    public const int MdnsPort = 5353;
    /// <summary>RFC 6762 §10: "host name" records, A and AAAA, 120 s.</summary>
    public const uint Ttl = 120;
    /// <summary>RFC 6762 §6.7: a legacy unicast answer's TTL is at most 10 s.</summary>
    public const uint LegacyUnicastTtl = 10;

    private readonly Dictionary<IPAddress, string> _names = new();
    private readonly Dictionary<string, IPAddress> _addresses = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The names and their addresses.</summary>
    public IReadOnlyDictionary<IPAddress, string> Names => _names;

    /// <summary>Draft §3.1.1 steps 2–5: the name of <paramref name="address"/>, made and registered the first time.</summary>
    public string NameOf(IPAddress address)
    {
        if (_names.TryGetValue(address, out var name)) return name;
        name = MdnsNames.New();
        _names[address] = name;
        _addresses[name] = address;
        return name;
    }

    /// <summary>The answer to <paramref name="query"/> from <paramref name="source"/>, or null when it asks for none of our names.</summary>
    public MdnsReply? Answer(MdnsMessage query, IPEndPoint source)
    {
        if (query.IsResponse) return null;
        var legacy = source.Port != MdnsPort;
        var answers = new List<MdnsRecord>();
        var asked = new List<MdnsQuestion>();
        foreach (var question in query.Questions)
        {
            if (!_addresses.TryGetValue(question.Name, out var address)) continue;
            var type = address.AddressFamily == AddressFamily.InterNetworkV6 ? MdnsRecordTypes.Aaaa : MdnsRecordTypes.A;
            if (question.Type != type && question.Type != MdnsRecordTypes.Any) continue;
            if (KnownToQuerier(query, question.Name, address)) continue;
            asked.Add(question);
            var record = legacy
                ? new MdnsRecord(question.Name, type, CacheFlush: false, LegacyUnicastTtl, address)
                : new MdnsRecord(question.Name, type, CacheFlush: true, Ttl, address);
            if (!answers.Contains(record)) answers.Add(record);
        }
        if (answers.Count == 0) return null;
        return legacy ? new MdnsReply(MdnsMessage.Response(query.Id, answers, asked), source) : new MdnsReply(MdnsMessage.Response(0, answers), null);
    }

    private static bool KnownToQuerier(MdnsMessage query, string name, IPAddress address) =>
        query.Answers.Any(r => r.Address is { } known && known.Equals(address) && string.Equals(r.Name, name, StringComparison.OrdinalIgnoreCase) && r.Ttl >= Ttl / 2);

    /// <summary>RFC 6762 §10.1 goodbye: every record with TTL 0, multicast when the names are given up (the session ends).</summary>
    public MdnsMessage? Goodbye()
    {
        if (_names.Count == 0) return null;
        return MdnsMessage.Response(0, [.. _names.Select(n => new MdnsRecord(n.Value,
            n.Key.AddressFamily == AddressFamily.InterNetworkV6 ? MdnsRecordTypes.Aaaa : MdnsRecordTypes.A, true, 0, n.Key))]);
    }

    /// <summary>Draft §3.1.1 step 4 "SHOULD send an mDNS announcement" (RFC 6762 §8.3): every record, multicast, unsolicited.</summary>
    public MdnsMessage? Announcement()
    {
        if (_names.Count == 0) return null;
        return MdnsMessage.Response(0, [.. _names.Select(n => new MdnsRecord(n.Value,
            n.Key.AddressFamily == AddressFamily.InterNetworkV6 ? MdnsRecordTypes.Aaaa : MdnsRecordTypes.A, true, Ttl, n.Key))]);
    }
}
