using System.Net;

namespace IceSpec.Ice;

/// <summary>
/// The checks this agent processed in the last 40 s, by transaction ID and the addresses they came on (RFC 8489 §6.3.1:
/// over UDP a request "could be the first request of a transaction or a retransmission"; the server must answer a
/// retransmission so that "the overall state on the client and server is identical" to the case where only one was
/// received — "the easiest way to meet this requirement is for the server to remember all transaction IDs received over
/// UDP [...] in the last 40 seconds"). A retransmission is answered again but does not retrigger its pair (RFC 8445
/// §7.3.1.4): the first transmission did, and a second trigger would cancel the check that trigger started.
/// </summary>
internal sealed class IceRecentChecks
{
    /// <summary>RFC 8489 §6.3.1: 40 s, longer than a transaction lasts (39.5 s with the default RTO, Rc and Rm, §6.2.1).</summary>
    public static readonly TimeSpan Memory = TimeSpan.FromSeconds(40);

    private readonly HashSet<(UInt128 Id, IPEndPoint Socket, IPEndPoint Source)> _seen = [];
    private readonly Queue<((UInt128 Id, IPEndPoint Socket, IPEndPoint Source) Key, TimeSpan At)> _byAge = new();

    /// <summary>Whether this check was seen before (within <see cref="Memory"/>); remembers it when not.</summary>
    public bool IsRetransmission(TimeSpan now, UInt128 transactionId, IPEndPoint socket, IPEndPoint source)
    {
        while (_byAge.TryPeek(out var oldest) && now - oldest.At >= Memory) _seen.Remove(_byAge.Dequeue().Key);
        var key = (transactionId, socket, source);
        if (!_seen.Add(key)) return true;
        _byAge.Enqueue((key, now));
        return false;
    }
}
