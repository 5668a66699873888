namespace IceSpec.Signalling.Server;

/// <summary>The rooms and their peers, under one lock (joins and leaves are rare next to messages).</summary>
internal sealed class SignalRooms(int maxRooms, int maxPeersPerRoom)
{
    private readonly Dictionary<string, List<SignalPeer>> _rooms = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public int Count { get { lock (_gate) return _rooms.Count; } }

    /// <summary>Adds <paramref name="peer"/>; returns the peers already there, or null with why it cannot join.</summary>
    public IReadOnlyList<SignalPeer>? TryJoin(string room, SignalPeer peer, out string? refusal)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(room, out var peers))
            {
                if (_rooms.Count >= maxRooms)
                {
                    refusal = $"room limit reached ({maxRooms} rooms)";
                    return null;
                }
                _rooms[room] = peers = [];
            }
            if (peers.Count >= maxPeersPerRoom)
            {
                refusal = $"room '{room}' is full ({maxPeersPerRoom} peers)";
                return null;
            }
            var before = peers.ToArray();
            peers.Add(peer);
            refusal = null;
            return before;
        }
    }

    /// <summary>Removes <paramref name="peer"/> (and its room once empty); returns the peers left in the room.</summary>
    public IReadOnlyList<SignalPeer> Leave(string room, SignalPeer peer)
    {
        lock (_gate)
        {
            if (!_rooms.TryGetValue(room, out var peers)) return [];
            peers.Remove(peer);
            if (peers.Count == 0) _rooms.Remove(room);
            return peers.ToArray();
        }
    }

    /// <summary>The other peers of the room, at this moment.</summary>
    public IReadOnlyList<SignalPeer> Others(string room, SignalPeer peer)
    {
        lock (_gate)
            return _rooms.TryGetValue(room, out var peers) ? peers.Where(p => p != peer).ToArray() : [];
    }
}
