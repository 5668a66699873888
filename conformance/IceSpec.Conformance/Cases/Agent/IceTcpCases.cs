using System.Net;
using IceSpec.Conformance.Tester;
using IceSpec.Ice;
using IceSpec.Ice.Sdp;
using IceSpec.Stun;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// ICE-TCP (RFC 6544): the IUT is configured with TCP host candidates only (<c>transports: tcp</c>; a driver without
/// ICE-TCP answers unsupported). The tester has TCP candidates of its own — a listener as its passive candidate, its
/// connections to the IUT's passive candidate as an active one — and reads and writes RFC 4571 frames, all recorded in
/// <c>tester.pcap</c> as TCP segments.
/// </summary>
internal static class IceTcpCases
{
    private const string NoRetransmissionText =
        "Reliability of STUN over TCP and TLS-over-TCP is handled by TCP itself, and there are no retransmissions at the STUN " +
        "protocol level.";

    private const string AnswersText =
        "An ICE agent (lite or full) MUST be prepared to receive Binding requests on the base of each candidate it included in its " +
        "most recent candidate exchange. The agent MUST use the short-term credential mechanism (i.e., the MESSAGE-INTEGRITY " +
        "attribute) to authenticate the request and perform a message integrity check. Likewise, the short-term credential " +
        "mechanism MUST be used for the response.";

    private const string ActivePortText =
        "In the case of active candidates, both IP address and port are present, but the port is meaningless (it is there only " +
        "for making encoding of active candidates consistent with the other candidate types and is ignored by the peer). [...] " +
        "(§4.5) [...] the port MUST be set to 9 (i.e., Discard)";

    private const string PairingText =
        "(§6.2, the TCP candidates that pair) Local Candidate / Remote Candidate: tcp-so / tcp-so; tcp-active / tcp-passive; " +
        "tcp-passive / tcp-active";

    private const string SimultaneousOpenText =
        "(RFC 6544 §7.2, paraphrased: the connection of a check between two S-O candidates is opened from the local S-O " +
        "candidate's own address and port to the remote one, both agents doing the same, so that their SYNs may cross (TCP " +
        "simultaneous open) and the pair has one connection; §5.2: that port is the one whose NAT mapping is signalled as the " +
        "server reflexive S-O candidate.)";

    private const string FramingText =
        "(RFC 6544 §3, paraphrased: on an ICE-TCP connection every packet — STUN connectivity checks and their responses as " +
        "well as media — is framed with RFC 4571, a 16-bit length before each packet; RFC 4571 §2: LENGTH is the number of " +
        "octets of the packet that follows.)";

    /// <summary>How long the IUT has to connect out once it has the tester's candidates.</summary>
    private static readonly TimeSpan ConnectWindow = TimeSpan.FromSeconds(3);

    /// <summary>How long the tester leaves the IUT's first check over TCP unanswered: four times STUN's initial 500 ms RTO.</summary>
    private static readonly TimeSpan Unanswered = TimeSpan.FromSeconds(2);

    public static IEnumerable<AgentCase> All =>
    [
        AgentCase.Define(8489, "6.2.2", 1, RequirementLevel.Must, IceRole.Controlling, "Checks over ICE-TCP are not retransmitted",
            NoRetransmissionText,
            "The IUT is configured controlling with TCP candidates only; the tester describes one passive TCP candidate (a listener). " +
            $"The IUT's active candidate connects and sends its checks as RFC 4571 frames; the tester leaves them unanswered for " +
            $"{Unanswered.TotalSeconds:0} s (a UDP agent would retransmit at 0.5 and 1.5 s), then answers. No transaction may be sent twice.",
            ["Binding request as ice-check: required USERNAME"], NotRetransmittedAsync) with { Requires = ["ice-tcp-active"], Timeout = TimeSpan.FromSeconds(30) },
        AgentCase.Define(8445, "7.3", 10, RequirementLevel.Must, IceRole.Controlled, "Over ICE-TCP: answers a check on a connection the tester opened to its passive candidate",
            AnswersText + " (RFC 6544 §7.2 carries these checks on the TCP connection they arrived on.)",
            "The IUT is configured controlled with TCP candidates only; the tester describes an active TCP candidate (port 9), opens a " +
            "connection to the IUT's passive candidate and sends a check as an RFC 4571 frame. The IUT must answer on that connection " +
            "with a success response signed with its password whose XOR-MAPPED-ADDRESS is the tester's end of the connection.",
            ["Binding request as ice-check: required USERNAME"], AnswersOnAcceptedConnectionAsync) with { Requires = ["ice-tcp-passive"] },
        AgentCase.Define(6544, "4.5", 1, RequirementLevel.Must, IceRole.Controlling, "Active TCP candidates are signalled with port 9",
            ActivePortText,
            "The IUT is configured with TCP candidates only and gathers; every candidate of tcptype active in its description must have port 9.",
            ["TcpActiveCandidatePort"], ActivePortAsync) with { Requires = ["ice-tcp-active"] },
        AgentCase.Define(6544, "6.2", 1, RequirementLevel.Must, IceRole.Controlling, "An active candidate connects to passive candidates only",
            PairingText,
            "The IUT is configured controlling with TCP candidates only; the tester describes a passive candidate (a listener) and an " +
            "active candidate whose port is a second listener of the tester. The IUT's active candidate may connect to the passive " +
            $"candidate only: within {ConnectWindow.TotalSeconds:0} s it must connect to the first listener and never to the second.",
            [], PairsActiveWithPassiveAsync) with { Requires = ["ice-tcp-active"], Timeout = TimeSpan.FromSeconds(30) },
        AgentCase.Define(6544, "3", 1, RequirementLevel.Must, IceRole.Controlling, "Every message on an ICE-TCP connection is one RFC 4571 frame",
            FramingText,
            "The IUT is configured controlling with TCP candidates only; the tester describes one passive TCP candidate (a listener) " +
            $"and answers every check. For {ConnectWindow.TotalSeconds:0} s after the IUT connects, everything it writes on the " +
            "connection is cut by RFC 4571 lengths: each frame must hold exactly one whole STUN message, and at least one must be a check.",
            ["Binding request as ice-check: required USERNAME"], FramesEveryMessageAsync) with { Requires = ["ice-tcp-active"], Timeout = TimeSpan.FromSeconds(30) },
        AgentCase.Define(6544, "7.2", 1, RequirementLevel.Must, IceRole.Controlling, "An S-O check connects from the S-O candidate's own port",
            SimultaneousOpenText,
            "The IUT is configured controlling with TCP candidates and S-O ones (tcp-so); the tester describes one S-O candidate (a " +
            $"listener of the tester). Within {ConnectWindow.TotalSeconds:0} s the IUT must connect to it from exactly the address and " +
            "port of the S-O candidate it signalled, and carry its check on that connection as an RFC 4571 frame; no connection to it " +
            "may come from any other port.",
            ["Binding request as ice-check: required USERNAME"], SimultaneousOpenFromOwnPortAsync) with { Requires = ["ice-tcp-so"], Timeout = TimeSpan.FromSeconds(30) },
    ];

    /// <summary>RFC 6544 §4.2 local preference (2^13 × direction-pref + other-pref), with the recommended host direction-prefs (6, 4, 2).</summary>
    private static uint TcpHostPriority(IceTcpType type) => (uint)IceFormulas.CandidatePriority(IceFormulas.HostTypePreference,
        type switch { IceTcpType.Active => 6, IceTcpType.Passive => 4, _ => 2 } * 8192 + 8191, 1);

    private static string TcpLine(IPEndPoint at, IceTcpType type, int port) => IceCandidate.Create("1", 1, IceTransport.Tcp,
        TcpHostPriority(type), IceConnectionAddress.FromIP(at.Address), port, IceCandidateType.Host, tcpType: type).FormatLine();

    private static async Task<CaseVerdict> NotRetransmittedAsync(AgentCaseContext c)
    {
        await c.GatherAsync("tcp");
        var listener = c.Tester.ListenTcp();
        DateTime? firstCheckAt = null;
        c.Tester.Answer = TesterAnswers.While(c.Tester, d =>
        {
            firstCheckAt ??= d.Time;
            return d.Time >= firstCheckAt + Unanswered;
        });
        await c.DescribeAsync([], lines: [TcpLine(listener.LocalEndPoint, IceTcpType.Passive, listener.LocalEndPoint.Port)]);
        var first = await c.NextCheckAsync(d => d.Transport == "tcp", c.StepTimeout * 2);
        if (first is null)
            return CaseVerdict.Fail($"the IUT sent no check over TCP to the tester's passive candidate {listener.LocalEndPoint} " +
                $"({c.Tester.TcpConnections.Count} connection(s) opened; IUT candidates: {string.Join(" | ", c.Description!.Lines)})");
        await Task.Delay(Unanswered + TimeSpan.FromMilliseconds(500), c.Cancel);
        var checks = c.Tester.Inbound.Where(d => d.IsRequest && d.Transport == "tcp").ToList();
        var repeated = checks.GroupBy(d => d.Stun!.TransactionId).FirstOrDefault(g => g.Count() > 1);
        return repeated is null
            ? CaseVerdict.Pass($"{checks.Count} check(s) over TCP, each transaction sent once, the first left unanswered for " +
                $"{Unanswered.TotalSeconds:0} s: {c.Evidence(checks, 3)}")
            : CaseVerdict.Fail($"transaction {repeated.Key:x24} sent {repeated.Count()} times over TCP: {c.Evidence(repeated)}");
    }

    private static async Task<CaseVerdict> AnswersOnAcceptedConnectionAsync(AgentCaseContext c)
    {
        var description = await c.GatherAsync("tcp");
        var passive = description.Candidates.FirstOrDefault(d => d.Transport == IceTransport.Tcp && d.TcpType == IceTcpType.Passive
            && d.Type == IceCandidateType.Host && d.Address.IPAddress is not null);
        if (passive is null) return CaseVerdict.Fail($"the IUT advertised no passive TCP host candidate: {string.Join(" | ", description.Lines)}");
        var target = new IPEndPoint(passive.Address.IPAddress!, passive.Port);
        await c.DescribeAsync([], lines: [TcpLine(new IPEndPoint(c.Placement.TesterAddress, 9), IceTcpType.Active, 9)]);
        TesterTcpConnection connection;
        try
        {
            connection = await c.Tester.ConnectTcpAsync(target, c.Cancel);
        }
        catch (System.Net.Sockets.SocketException e)
        {
            return CaseVerdict.Fail($"the tester could not connect to the IUT's passive candidate {passive.Format()}: {e.Message}");
        }
        var request = c.Tester.SendTcp(connection, c.Tester.Messages.Check(c.Check()));
        var id = request.Stun!.TransactionId;
        var response = await c.Tester.WaitAsync(d => d.IsResponse && d.Stun!.TransactionId == id, c.StepTimeout, c.Cancel, request.Frame);
        if (response is null) return CaseVerdict.Fail($"no response on the connection within {c.StepTimeout.TotalSeconds:0} s to {c.Evidence(request)}");
        var wrong = !response.Local.Equals(connection.LocalEndPoint) ? $"it came on another connection ({response.Remote} → {response.Local})"
            : response.Stun!.Class != StunClass.Success ? "it is not a success response"
            : !response.Stun.IntegrityValidWith(c.Tester.IutKey!) ? "its MESSAGE-INTEGRITY does not verify with the IUT's password"
            : !connection.LocalEndPoint.Equals(response.Stun.XorMappedAddress)
                ? $"its XOR-MAPPED-ADDRESS is {response.Stun.XorMappedAddress?.ToString() ?? "missing"}, not the tester's end {connection.LocalEndPoint}"
            : null;
        return wrong is null
            ? CaseVerdict.Pass($"answered on the connection the tester opened to {passive.Format()}: {c.Evidence(request, response)}")
            : CaseVerdict.Fail($"{wrong}: {c.Evidence(request, response)}");
    }

    private static async Task<CaseVerdict> ActivePortAsync(AgentCaseContext c)
    {
        var description = await c.GatherAsync("tcp");
        var active = description.Candidates.Where(d => d.Transport == IceTransport.Tcp && d.TcpType == IceTcpType.Active).ToList();
        if (active.Count == 0) return CaseVerdict.Fail($"the IUT advertised no active TCP candidate with TCP candidates on: {string.Join(" | ", description.Lines)}");
        var wrong = active.FirstOrDefault(a => a.Port != IceFormulas.TcpActiveCandidatePort);
        return wrong is null
            ? CaseVerdict.Pass($"{active.Count} active candidate(s), each with port 9: {string.Join(" | ", active.Select(a => a.FormatLine()))}")
            : CaseVerdict.Fail($"the active candidate {wrong.FormatLine()} has port {wrong.Port}, not 9");
    }

    private static async Task<CaseVerdict> PairsActiveWithPassiveAsync(AgentCaseContext c)
    {
        await c.GatherAsync("tcp");
        var passive = c.Tester.ListenTcp();
        var active = c.Tester.ListenTcp();
        await c.DescribeAsync([], lines:
        [
            TcpLine(passive.LocalEndPoint, IceTcpType.Passive, passive.LocalEndPoint.Port),
            TcpLine(active.LocalEndPoint, IceTcpType.Active, active.LocalEndPoint.Port),
        ]);
        await Task.Delay(ConnectWindow, c.Cancel);
        var connections = c.Tester.TcpConnections.Where(t => t.Accepted).ToList();
        var wrong = connections.FirstOrDefault(t => t.LocalEndPoint.Equals(active.LocalEndPoint));
        if (wrong is not null)
            return CaseVerdict.Fail($"the IUT connected from {wrong.RemoteEndPoint} to the tester's active candidate at {active.LocalEndPoint} " +
                "(an active candidate pairs with a passive one only)");
        return connections.Any(t => t.LocalEndPoint.Equals(passive.LocalEndPoint))
            ? CaseVerdict.Pass($"the IUT connected to the passive candidate {passive.LocalEndPoint} only ({connections.Count} connection(s)); " +
                $"checks: {c.Evidence(c.Tester.Inbound.Where(d => d.Transport == "tcp" && d.IsRequest), 2)}")
            : CaseVerdict.Fail($"the IUT opened no connection to the tester's passive candidate {passive.LocalEndPoint} within {ConnectWindow.TotalSeconds:0} s");
    }

    private static async Task<CaseVerdict> SimultaneousOpenFromOwnPortAsync(AgentCaseContext c)
    {
        var description = await c.GatherAsync("tcp", tcpSimultaneousOpen: true);
        var own = description.Candidates.FirstOrDefault(d => d.Transport == IceTransport.Tcp && d.TcpType == IceTcpType.SimultaneousOpen
            && d.Type == IceCandidateType.Host && d.Address.IPAddress is not null);
        if (own is null) return CaseVerdict.Fail($"the IUT advertised no S-O host candidate with tcp-so: {string.Join(" | ", description.Lines)}");
        var port = new IPEndPoint(own.Address.IPAddress!, own.Port);
        var listener = c.Tester.ListenTcp();
        await c.DescribeAsync([], lines: [TcpLine(listener.LocalEndPoint, IceTcpType.SimultaneousOpen, listener.LocalEndPoint.Port)]);
        var check = await c.NextCheckAsync(d => d.Transport == "tcp", ConnectWindow);
        var connections = c.Tester.TcpConnections.Where(t => t.Accepted && t.LocalEndPoint.Equals(listener.LocalEndPoint)).ToList();
        if (connections.Count == 0)
            return CaseVerdict.Fail($"the IUT opened no connection to the tester's S-O candidate {listener.LocalEndPoint} within {ConnectWindow.TotalSeconds:0} s");
        var elsewhere = connections.FirstOrDefault(t => !t.RemoteEndPoint.Equals(port));
        if (elsewhere is not null)
            return CaseVerdict.Fail($"the IUT connected to the tester's S-O candidate from {elsewhere.RemoteEndPoint}, not from its S-O candidate {own.FormatLine()}");
        if (check is null) return CaseVerdict.Fail($"the IUT connected from {port} but sent no check on the connection within {ConnectWindow.TotalSeconds:0} s");
        return CaseVerdict.Pass($"{connections.Count} connection(s) to the tester's S-O candidate, each from the IUT's S-O port {port}: {c.Evidence(check)}");
    }

    private static async Task<CaseVerdict> FramesEveryMessageAsync(AgentCaseContext c)
    {
        await c.GatherAsync("tcp");
        var listener = c.Tester.ListenTcp();
        await c.DescribeAsync([], lines: [TcpLine(listener.LocalEndPoint, IceTcpType.Passive, listener.LocalEndPoint.Port)]);
        var first = await c.NextCheckAsync(d => d.Transport == "tcp", ConnectWindow);
        await Task.Delay(ConnectWindow, c.Cancel);
        var connected = c.Tester.TcpConnections.Any(t => t.Accepted && t.LocalEndPoint.Equals(listener.LocalEndPoint));
        var frames = c.Tester.Inbound.Where(d => d.Transport == "tcp" && d.Local.Equals(listener.LocalEndPoint)).ToList();
        if (!connected) return CaseVerdict.Fail($"the IUT opened no connection to the tester's passive candidate {listener.LocalEndPoint} within {ConnectWindow.TotalSeconds:0} s");
        var notStun = frames.FirstOrDefault(d => d.Stun is null || StunMessage.TryParse(d.Bytes, out _) != StunParseStatus.Ok);
        if (notStun is not null)
            return CaseVerdict.Fail($"frame {notStun.Frame} of the connection is not one whole STUN message ({notStun.Bytes.Length} bytes: " +
                $"{Convert.ToHexString(notStun.Bytes.AsSpan(0, Math.Min(16, notStun.Bytes.Length)))}…): the stream is not cut by RFC 4571 lengths");
        return first is null
            ? CaseVerdict.Fail($"no check arrived as an RFC 4571 frame within {ConnectWindow.TotalSeconds:0} s ({frames.Count} frame(s))")
            : CaseVerdict.Pass($"{frames.Count} frame(s) on the connection, each one whole STUN message: {c.Evidence(frames, 3)}");
    }
}
