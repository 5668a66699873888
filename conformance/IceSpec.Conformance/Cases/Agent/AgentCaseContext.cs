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
    internal AgentCaseContext(AgentCase agentCase, IutDriver iut, TesterPeer tester, AgentCasePlacement placement, string nomination, CancellationToken cancel,
        bool iutAnswers = false)
    {
        (Case, Iut, Tester, Placement, Nomination, Cancel, IutAnswers) = (agentCase, iut, tester, placement, nomination, cancel, iutAnswers);
    }

    public AgentCase Case { get; }
    public IutDriver Iut { get; }
    public TesterPeer Tester { get; }
    public AgentCasePlacement Placement { get; }
    /// <summary>The IUT's nomination mode when it is controlling: "regular" or "aggressive".</summary>
    public string Nomination { get; }
    public CancellationToken Cancel { get; }
    public IceRole IutRole => Case.IutRole;

    /// <summary>
    /// The IUT's driver declares <c>answerer</c> (conformance/ADAPTER.md): as the controlled agent it describes itself only
    /// after the peer's description, as a browser answering an offer does (RFC 8829 §5.3).
    /// </summary>
    public bool IutAnswers { get; }

    /// <summary>
    /// The tester gave its credentials before the IUT described itself (a controlled IUT that <see cref="IutAnswers"/>):
    /// its candidates then follow as trickled <c>remote-candidate</c>s (RFC 8838 §4.1), end-of-candidates as the command.
    /// </summary>
    public bool TesterDescribedFirst { get; private set; }

    private bool _testerDescribedLite;

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
    /// S-O TCP candidates, <c>tcp-so</c>) and waits for its gathered description. A controlled IUT that
    /// <see cref="IutAnswers"/> first gets the tester's credentials (a description without candidates, not ended; lite
    /// when the case will describe the tester as <paramref name="testerLite"/>, which makes the answerer controlling).
    /// </summary>
    public async Task<IutDescription> GatherAsync(string transports = "udp", bool tcpSimultaneousOpen = false, bool testerLite = false)
    {
        var role = IutRole == IceRole.Controlling ? "controlling" : "controlled";
        await Iut.ConfigureAsync(role, Nomination, [Placement.IutAddress.ToString()], transports, Cancel, tcpSimultaneousOpen);
        await Iut.SendGatherAsync(Cancel);
        if (IutAnswers && IutRole == IceRole.Controlled)
        {
            await Iut.SendRemoteDescriptionAsync(Tester.Credentials, [], endOfCandidates: false, testerLite, Cancel);
            (TesterDescribedFirst, _testerDescribedLite) = (true, testerLite);
        }
        Description = await Iut.NextDescriptionAsync(StepTimeout * 2, Cancel);
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

    /// <summary>
    /// Gives the IUT the tester's credentials and candidates (one per advertised socket unless <paramref name="lines"/> say
    /// otherwise); when the tester described itself first, the candidates and end-of-candidates only, trickled.
    /// </summary>
    public async Task DescribeAsync(IEnumerable<TesterSocket> advertised, bool endOfCandidates = true, bool lite = false, IEnumerable<string>? lines = null)
    {
        var candidates = (lines ?? advertised.Select((s, i) => CandidateLine(s, foundation: (i + 1).ToString()))).ToList();
        if (!TesterDescribedFirst)
        {
            await Iut.SendRemoteDescriptionAsync(Tester.Credentials, candidates, endOfCandidates, lite, Cancel);
            return;
        }
        if (lite != _testerDescribedLite)
            throw new InvalidOperationException($"the tester described itself {(_testerDescribedLite ? "lite" : "full")} first; GatherAsync(testerLite: {lite}) says what it will be");
        foreach (var line in candidates) await Iut.SendRemoteCandidateAsync(line, Cancel);
        if (endOfCandidates) await Iut.SendEndOfCandidatesAsync(Cancel);
    }

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
