using System.Net;
using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Tester;
using IceSpec.Ice;
using IceSpec.Ice.Sdp;
using IceSpec.Stun;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>Where an agent case runs: the IUT's and the tester's addresses, and their network namespaces (null: this one).</summary>
public sealed record AgentCasePlacement(string Name, IPAddress IutAddress, IPAddress TesterAddress, string? IutNamespace = null, string? TesterNamespace = null)
{
    /// <summary>Both on 127.0.0.1 of this namespace.</summary>
    public static readonly AgentCasePlacement Loopback = new("loopback", IPAddress.Loopback, IPAddress.Loopback);

    /// <summary>A NAT may stand between IUT and tester: what the tester sees as the IUT's source need not be an IUT candidate.</summary>
    public bool TranslatesIutAddresses { get; init; }
}

/// <summary>
/// What a case works with: the IUT (through its driver) and the tester (sockets, capture, crafted messages), the IUT's
/// role and nomination, time limits, and the usual steps — gather, describe the tester, connect — written once here.
/// </summary>
public sealed class AgentCaseContext
{
    internal AgentCaseContext(AgentCase agentCase, IutDriver iut, TesterPeer tester, AgentCasePlacement placement, string nomination, CancellationToken cancel)
    {
        (Case, Iut, Tester, Placement, Nomination, Cancel) = (agentCase, iut, tester, placement, nomination, cancel);
    }

    public AgentCase Case { get; }
    public IutDriver Iut { get; }
    public TesterPeer Tester { get; }
    public AgentCasePlacement Placement { get; }
    /// <summary>The IUT's nomination mode when it is controlling: "regular" or "aggressive".</summary>
    public string Nomination { get; }
    public CancellationToken Cancel { get; }
    public IceRole IutRole => Case.IutRole;

    /// <summary>How long the IUT may take to do what a step expects of it (send a check, answer, select a pair).</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the IUT must stay silent for "it does not answer" / "it sends nothing": far above a loopback round trip.</summary>
    public TimeSpan QuietWindow { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The IUT's description, once <see cref="GatherAsync"/> ran.</summary>
    public IutDescription? Description { get; private set; }

    /// <summary>The IUT's first UDP host candidate: where the tester's checks go.</summary>
    public IPEndPoint IutHost => Description?.UdpHosts.FirstOrDefault()
        ?? throw new IutException($"the IUT advertised no UDP host candidate on {Placement.IutAddress}: {string.Join(" | ", Description?.Lines ?? [])}");

    /// <summary>The role attribute the tester's checks carry: the opposite of the IUT's (RFC 8445 §6.1.1).</summary>
    public TesterRole TesterRole => IutRole == IceRole.Controlling ? TesterRole.Controlled : TesterRole.Controlling;

    /// <summary>
    /// Configures the IUT (role, nomination, the placement's address; with <paramref name="tcpSimultaneousOpen"/> also
    /// S-O TCP candidates, <c>tcp-so</c>) and waits for its gathered description.
    /// </summary>
    public async Task<IutDescription> GatherAsync(string transports = "udp", bool tcpSimultaneousOpen = false)
    {
        var role = IutRole == IceRole.Controlling ? "controlling" : "controlled";
        await Iut.ConfigureAsync(role, Nomination, [Placement.IutAddress.ToString()], transports, Cancel, tcpSimultaneousOpen);
        Description = await Iut.GatherAsync(StepTimeout * 2, Cancel);
        Tester.SetIut(Description.Credentials);
        return Description;
    }

    /// <summary>
    /// An RFC 8839 candidate line for a tester socket: host type, UDP, priority by RFC 8445 §5.1.2.1 with the host type
    /// preference and <paramref name="localPreference"/> unless <paramref name="priority"/> is given.
    /// </summary>
    public static string CandidateLine(TesterSocket socket, string foundation = "1", int localPreference = 65535, uint? priority = null, int component = 1)
    {
        var value = priority ?? (uint)IceFormulas.CandidatePriority(IceFormulas.HostTypePreference, localPreference, component);
        return IceCandidate.Create(foundation, component, IceTransport.Udp, value, IceConnectionAddress.FromIP(socket.LocalEndPoint.Address),
            socket.LocalEndPoint.Port, IceCandidateType.Host).FormatLine();
    }

    /// <summary>Gives the IUT the tester's credentials and candidates (one per advertised socket unless <paramref name="lines"/> say otherwise).</summary>
    public Task DescribeAsync(IEnumerable<TesterSocket> advertised, bool endOfCandidates = true, bool lite = false, IEnumerable<string>? lines = null) =>
        Iut.SendRemoteDescriptionAsync(Tester.Credentials, lines ?? advertised.Select((s, i) => CandidateLine(s, foundation: (i + 1).ToString())),
            endOfCandidates, lite, Cancel);

    /// <summary>A correct check of the tester's role; adjust with <c>with</c>.</summary>
    public TesterCheck Check(bool useCandidate = false) => new() { Role = TesterRole, UseCandidate = useCandidate };

    /// <summary>
    /// Sends <paramref name="request"/> from <paramref name="from"/> to <paramref name="to"/> (default: the IUT's host
    /// candidate) and waits for the IUT's response with the same transaction ID. The response is null when none came.
    /// </summary>
    public async Task<(TesterDatagram Request, TesterDatagram? Response)> ExchangeAsync(TesterSocket from, byte[] request, IPEndPoint? to = null, TimeSpan? timeout = null)
    {
        var sent = Tester.Send(from, to ?? IutHost, request);
        var id = sent.Stun!.TransactionId;
        var response = await Tester.WaitAsync(d => d.IsResponse && d.Stun!.TransactionId == id, timeout ?? StepTimeout, Cancel, sent.Frame);
        return (sent, response);
    }

    /// <summary>
    /// A STUN client transaction over UDP (RFC 8489 §6.2.1): sends <paramref name="request"/> from <paramref name="from"/> to
    /// <paramref name="to"/> (default: the IUT's host candidate) and retransmits the same bytes after the spec's initial RTO (500 ms), then at doubling
    /// intervals, until a response with its transaction ID arrives or <paramref name="timeout"/> (default
    /// <see cref="StepTimeout"/>) passes. Request: the first transmission; Response: the first response, or null.
    /// </summary>
    public async Task<(TesterDatagram Request, TesterDatagram? Response)> TransactAsync(TesterSocket from, byte[] request, IPEndPoint? to = null, TimeSpan? timeout = null)
    {
        var destination = to ?? IutHost;
        var deadline = DateTime.UtcNow + (timeout ?? StepTimeout);
        var first = Tester.Send(from, destination, request);
        var id = first.Stun!.TransactionId;
        for (var rto = new StunClientTransactionMachine().Rto; ; rto *= 2)   // the spec's initial RTO (RFC 8489 §6.2.1)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return (first, null);
            var response = await Tester.WaitAsync(d => d.IsResponse && d.Stun!.TransactionId == id, rto < left ? rto : left, Cancel, first.Frame);
            if (response is not null) return (first, response);
            if (DateTime.UtcNow >= deadline) return (first, null);
            Tester.Send(from, destination, request);
        }
    }

    /// <summary>The IUT's next Binding request after <paramref name="afterFrame"/> that <paramref name="match"/> accepts, or null in time.</summary>
    public Task<TesterDatagram?> NextCheckAsync(Func<TesterDatagram, bool>? match = null, TimeSpan? timeout = null, int afterFrame = 0) =>
        Tester.WaitAsync(d => d.IsRequest && (match?.Invoke(d) ?? true), timeout ?? StepTimeout, Cancel, afterFrame);

    /// <summary>
    /// The usual session: gather, describe one tester socket (with end-of-candidates), and bring the IUT to a selected
    /// pair — controlling IUT: the tester answers its checks and waits for its nomination; controlled IUT: the tester
    /// checks it, then nominates the pair with USE-CANDIDATE (RFC 8445 §8.1.1; regular). Null pair: it never selected.
    /// </summary>
    public async Task<(TesterSocket Socket, SelectedPair? Pair)> ConnectAsync()
    {
        if (Description is null) await GatherAsync();
        var socket = Tester.OpenSocket();
        await DescribeAsync([socket]);
        if (IutRole == IceRole.Controlled) await NominateAsync(socket);
        return (socket, await Iut.WaitSelectedPairAsync(StepTimeout * 2, Cancel));
    }

    /// <summary>
    /// The tester as controlling agent (RFC 8445 §8.1.1, regular nomination): an ordinary check to the IUT's host
    /// candidate until one succeeds, then the same check with USE-CANDIDATE. False when the IUT never answered with success.
    /// </summary>
    public async Task<bool> NominateAsync(TesterSocket socket)
    {
        var deadline = DateTime.UtcNow + StepTimeout;
        while (DateTime.UtcNow < deadline)
        {
            var (_, response) = await ExchangeAsync(socket, Tester.Messages.Check(Check()), timeout: TimeSpan.FromMilliseconds(500));
            if (response?.Stun?.Class != Stun.StunClass.Success) continue;
            var (_, nominated) = await ExchangeAsync(socket, Tester.Messages.Check(Check(useCandidate: true)));
            return nominated?.Stun?.Class == Stun.StunClass.Success;
        }
        return false;
    }

    /// <summary>The frames as evidence: one line each, times from the tester's start.</summary>
    public string Evidence(IEnumerable<TesterDatagram> frames, int max = 6)
    {
        var list = frames.ToList();
        var shown = string.Join("; ", list.Take(max).Select(d => d.Describe(Tester.Origin)));
        return list.Count > max ? $"{shown}; … ({list.Count - max} more)" : shown;
    }

    public string Evidence(params TesterDatagram?[] frames) => Evidence(frames.OfType<TesterDatagram>());
}
