using System.Net;
using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Tester;
using IceSpec.Stun;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// Steps the checking and nomination cases share (triggered checks, pacing, checklist order, nomination): which of
/// the IUT's Binding requests went to which tester socket, transactions told apart by their IDs, answering policies
/// per socket, and the tester's own checks repeated until the IUT answers.
/// </summary>
internal static class CheckingSteps
{
    /// <summary>A Binding request of the IUT that arrived on <paramref name="socket"/>.</summary>
    public static bool IsCheckTo(TesterDatagram d, TesterSocket socket) => d.IsRequest && d.Local.Equals(socket.LocalEndPoint);

    /// <summary>The IUT's Binding requests to <paramref name="socket"/> so far, after frame <paramref name="afterFrame"/>.</summary>
    public static IReadOnlyList<TesterDatagram> ChecksTo(this AgentCaseContext c, TesterSocket socket, int afterFrame = 0) =>
        [.. c.Tester.Inbound.Where(d => d.Frame > afterFrame && IsCheckTo(d, socket))];

    /// <summary>
    /// Requests grouped into transactions by transaction ID (RFC 8489 §6: a retransmission reuses it), each in kernel
    /// time order, the transactions in the order of their first transmission.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<TesterDatagram>> Transactions(IEnumerable<TesterDatagram> requests) =>
        [.. requests.GroupBy(d => d.Stun!.TransactionId)
            .Select(g => (IReadOnlyList<TesterDatagram>)[.. g.OrderBy(d => d.Time)])
            .OrderBy(t => t[0].Time)];

    /// <summary>Milliseconds between two frames, by their (kernel) times.</summary>
    public static double Milliseconds(TesterDatagram from, TesterDatagram to) => (to.Time - from.Time).TotalMilliseconds;

    /// <summary>The pair's remote side is <paramref name="socket"/>.</summary>
    public static bool RemoteIs(this SelectedPair? pair, TesterSocket socket) =>
        pair is not null && IPEndPoint.TryParse(pair.Remote, out var remote) && remote.Equals(socket.LocalEndPoint);

    /// <summary>Correct answers (<see cref="TesterAnswers.Correct"/>) to checks arriving on <paramref name="sockets"/>; silence elsewhere.</summary>
    public static Func<TesterDatagram, TesterAnswer?> AnswerOn(TesterPeer tester, params TesterSocket[] sockets) =>
        TesterAnswers.While(tester, d => sockets.Any(s => d.Local.Equals(s.LocalEndPoint)));

    /// <summary>The tester's success answers to the IUT's checks on <paramref name="socket"/> so far.</summary>
    public static IReadOnlyList<TesterDatagram> SuccessesSentFrom(this AgentCaseContext c, TesterSocket socket) =>
        [.. c.Tester.Datagrams.Where(d => !d.Inbound && d.Stun is { Class: StunClass.Success } && d.Local.Equals(socket.LocalEndPoint))];

    /// <summary>Waits until the tester answered one of the IUT's checks on <paramref name="socket"/> with success; null in time.</summary>
    public static async Task<TesterDatagram?> WaitSuccessSentFromAsync(this AgentCaseContext c, TesterSocket socket, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (c.SuccessesSentFrom(socket).FirstOrDefault() is { } sent) return sent;
            if (DateTime.UtcNow >= deadline) return null;
            await Task.Delay(20, c.Cancel);
        }
    }

    /// <summary>
    /// Sends <paramref name="check"/> from <paramref name="socket"/> (a new transaction every 500 ms) until the IUT
    /// answers one of them: it may not have read the tester's description yet when the first arrives. The answered
    /// request and its response, or the last request and null within <see cref="AgentCaseContext.StepTimeout"/>.
    /// </summary>
    public static async Task<(TesterDatagram Request, TesterDatagram? Response)> CheckUntilAnsweredAsync(this AgentCaseContext c, TesterSocket socket, TesterCheck check)
    {
        var deadline = DateTime.UtcNow + c.StepTimeout;
        while (true)
        {
            var (request, response) = await c.ExchangeAsync(socket, c.Tester.Messages.Check(check), timeout: TimeSpan.FromMilliseconds(500));
            if (response is not null || DateTime.UtcNow >= deadline) return (request, response);
        }
    }

    /// <summary>The tester's check from <paramref name="socket"/> until the IUT answers it with success; false when it never does.</summary>
    public static async Task<bool> CheckUntilSuccessAsync(this AgentCaseContext c, TesterSocket socket)
    {
        var deadline = DateTime.UtcNow + c.StepTimeout;
        while (DateTime.UtcNow < deadline)
        {
            var (_, response) = await c.CheckUntilAnsweredAsync(socket, c.Check());
            if (response?.Stun?.Class == StunClass.Success) return true;
        }
        return false;
    }

    /// <summary>A check with USE-CANDIDATE from <paramref name="socket"/> (RFC 8445 §8.1.1): the request and the IUT's response.</summary>
    public static Task<(TesterDatagram Request, TesterDatagram? Response)> NominateOnceAsync(this AgentCaseContext c, TesterSocket socket) =>
        c.CheckUntilAnsweredAsync(socket, c.Check(useCandidate: true));

    /// <summary>Opens <paramref name="count"/> tester sockets.</summary>
    public static TesterSocket[] OpenSockets(this AgentCaseContext c, int count) => [.. Enumerable.Range(0, count).Select(_ => c.Tester.OpenSocket())];

    /// <summary>Candidate lines for <paramref name="sockets"/>: host candidates with the given local preferences and foundations.</summary>
    public static IEnumerable<string> Lines(IReadOnlyList<TesterSocket> sockets, IReadOnlyList<int> localPreferences, IReadOnlyList<string> foundations) =>
        sockets.Select((s, i) => AgentCaseContext.CandidateLine(s, foundation: foundations[i], localPreference: localPreferences[i]));
}
