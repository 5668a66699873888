using System.Net;

namespace IceSpec.Ice;

/// <summary>One data stream of the agent (RFC 8445 §2): its sockets, candidates, checklist and selected pairs.</summary>
internal sealed class IceAgentStream
{
    public IceAgentStream(int index, int components, RemoteCandidatesMachine remoteCandidates)
    {
        Index = index;
        Components = components;
        CheckList = new IceCheckList(index, components, remoteCandidates);
        Data = new IceComponentData[components + 1];
        for (var c = 1; c <= components; c++) Data[c] = new IceComponentData();
    }

    public int Index { get; }
    public int Components { get; }
    public List<IceLocalCandidate> LocalCandidates { get; } = [];
    public List<IceRemoteCandidate> RemoteCandidates { get; } = [];
    public IceCheckList CheckList { get; set; }
    /// <summary>Index = component ID: the pair data uses, and its consent and keepalive machines.</summary>
    public IceComponentData[] Data { get; }

    /// <summary>The UDP host candidate of a socket (TCP candidates are reached through their connections).</summary>
    public IceLocalCandidate? HostFor(IPEndPoint socket)
    {
        foreach (var c in LocalCandidates)
            if (c.Type == IceCandidateType.Host && c.Transport == IceTransport.Udp && c.Socket.Equals(socket)) return c;
        return null;
    }

    public IceRemoteCandidate? RemoteAt(int component, IceTransport transport, IPEndPoint address)
    {
        foreach (var c in RemoteCandidates)
            if (c.Component == component && c.Transport == transport && c.Address.Equals(address)) return c;
        return null;
    }
}

/// <summary>What carries data for one component: the selected pair (kept across an ICE restart until a new one is selected, RFC 8445 §9.1.1.1).</summary>
internal sealed class IceComponentData
{
    public IceCandidatePair? Selected { get; set; }
    public ConsentFreshnessMachine? Consent { get; set; }
    public KeepaliveMachine Keepalive { get; } = new();
}
