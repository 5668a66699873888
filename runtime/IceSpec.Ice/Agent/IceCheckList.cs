namespace IceSpec.Ice;

/// <summary>
/// The checklist of one data stream (RFC 8445 §6.1.2): its pairs ordered by priority, the triggered-check queue
/// (§6.1.4.1), the selected pair of each component, and its state from the generated <see cref="CheckListMachine"/>.
/// </summary>
internal sealed class IceCheckList
{
    private readonly List<IceCandidatePair> _pairs = [];
    private readonly Queue<IceCandidatePair> _triggered = new();
    /// <summary>
    /// Nominating triggered checks (USE-CANDIDATE from the controlling agent, RFC 8445 §8.1.1): they leave before the
    /// ordinary triggered checks of <see cref="_triggered"/>, still one per Ta (§6.1.4.2, §14.2).
    /// </summary>
    private readonly Queue<IceCandidatePair> _nominating = new();
    private readonly Dictionary<string, IceCandidatePair> _toUnfreeze = [];

    public IceCheckList(int stream, int components, RemoteCandidatesMachine remoteCandidates)
    {
        Stream = stream;
        Components = components;
        Selected = new IceCandidatePair?[components + 1];
        FirstValidAt = new TimeSpan?[components + 1];
        Rtt = new TimeSpan?[components + 1];
        Machine.RemoteCandidates = remoteCandidates;
    }

    public int Stream { get; }
    public int Components { get; }
    public CheckListMachine Machine { get; } = new();
    /// <summary>The pairs in priority order; read-only by convention (a List, so that walking them allocates no enumerator).</summary>
    public List<IceCandidatePair> Pairs => _pairs;
    /// <summary>Index = component ID (1-based).</summary>
    public IceCandidatePair?[] Selected { get; }
    /// <summary>When the first valid pair of each component appeared (regular nomination waits from there).</summary>
    public TimeSpan?[] FirstValidAt { get; }
    /// <summary>The shortest round-trip time measured on a check of each component (index = component ID); null before one.</summary>
    public TimeSpan?[] Rtt { get; }

    public bool HasTriggered => _triggered.Count > 0 || _nominating.Count > 0;

    /// <summary>RFC 8445 §6.1.2.2–6.1.2.5: adds the pair in priority order unless an equal one exists.</summary>
    public bool TryAdd(IceCandidatePair pair)
    {
        if (Find(pair.Local.Transport, pair.Local.Socket, pair.Local.Base, pair.Remote.Address) is not null) return false;
        if (_pairs.Count >= IceFormulas.MaxCandidatePairs) return false;
        var index = _pairs.FindIndex(p => p.Priority < pair.Priority);
        _pairs.Insert(index < 0 ? _pairs.Count : index, pair);
        return true;
    }

    public IceCandidatePair? Find(IceTransport transport, System.Net.IPEndPoint socket, System.Net.IPEndPoint localBase, System.Net.IPEndPoint remote)
    {
        foreach (var pair in _pairs)
            if (pair.Local.Transport == transport && pair.Local.Socket.Equals(socket) && pair.Local.Base.Equals(localBase) && pair.Remote.Address.Equals(remote)) return pair;
        return null;
    }

    /// <summary>RFC 8445 §6.1.2.3: priorities depend on the roles, so a role switch re-sorts the list.</summary>
    public void Reprioritise(bool controlling)
    {
        foreach (var pair in _pairs) pair.UpdatePriority(controlling);
        _pairs.Sort((a, b) => b.Priority.CompareTo(a.Priority));
    }

    /// <summary>
    /// RFC 8445 §6.1.4.1: queues a triggered check. A nominating one (<paramref name="useCandidate"/>) goes to the front
    /// queue, also when the pair already waits in the ordinary queue (that entry is then skipped): the nomination is not
    /// held behind checks that nominate nothing.
    /// </summary>
    public void EnqueueTriggered(IceCandidatePair pair, bool useCandidate)
    {
        pair.TriggeredWithUseCandidate |= useCandidate;
        if (useCandidate)
        {
            pair.Triggered = true;
            _nominating.Enqueue(pair);
            return;
        }
        if (pair.Triggered) return;
        pair.Triggered = true;
        _triggered.Enqueue(pair);
    }

    public IceCandidatePair? DequeueTriggered()
    {
        while (_nominating.TryDequeue(out var pair))
        {
            if (!pair.Triggered) continue;
            pair.Triggered = false;
            return pair;
        }
        while (_triggered.TryDequeue(out var pair))
        {
            if (!pair.Triggered) continue;
            pair.Triggered = false;
            return pair;
        }
        return null;
    }

    /// <summary>RFC 8445 §6.1.4.2: the highest-priority Waiting pair.</summary>
    public IceCandidatePair? HighestWaiting() => _pairs.Find(p => p.State == CandidatePairState.Waiting);

    /// <summary>
    /// RFC 8445 §6.1.2.6 / §6.1.4.2: for each foundation with no Waiting or In-Progress pair, the Frozen pair with the
    /// lowest component ID and the highest priority (this list is in priority order). A reused collection: valid until the next call.
    /// </summary>
    public Dictionary<string, IceCandidatePair>.ValueCollection PairsToUnfreeze(ISet<string> activeFoundations)
    {
        var chosen = _toUnfreeze;
        chosen.Clear();
        foreach (var pair in _pairs)
        {
            if (pair.State != CandidatePairState.Frozen || activeFoundations.Contains(pair.Foundation)) continue;
            if (!chosen.TryGetValue(pair.Foundation, out var best) || pair.Component < best.Component) chosen[pair.Foundation] = pair;
        }
        return chosen.Values;
    }

    /// <summary>Whether <see cref="PairsToUnfreeze"/> would name a pair (without building the list).</summary>
    public bool HasPairToUnfreeze(ISet<string> activeFoundations)
    {
        foreach (var pair in _pairs)
            if (pair.State == CandidatePairState.Frozen && !activeFoundations.Contains(pair.Foundation)) return true;
        return false;
    }

    /// <summary>RFC 8445 §8.1.2: once a component is nominated, its Frozen and Waiting pairs are removed.</summary>
    public void PruneAfterNomination(int component)
    {
        _pairs.RemoveAll(p => p.Component == component && p.State is CandidatePairState.Frozen or CandidatePairState.Waiting && Selected[component] != p);
        foreach (var pair in _pairs) if (pair.Component == component && pair != Selected[component]) pair.Triggered = false;
    }

    public bool AllComponentsSelected()
    {
        for (var c = 1; c <= Components; c++) if (Selected[c] is null) return false;
        return true;
    }

    public bool AllFailed() => _pairs.Count > 0 && _pairs.TrueForAll(p => p.State == CandidatePairState.Failed);
}
