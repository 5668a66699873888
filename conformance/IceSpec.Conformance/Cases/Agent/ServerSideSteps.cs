using System.Buffers.Binary;
using IceSpec.Conformance.Tester;
using IceSpec.Stun;

namespace IceSpec.Conformance.Cases.Agent;

/// <summary>
/// The steps of the cases in which the IUT is the STUN server of the tester's checks (RFC 8445 §7.3): describe the tester,
/// send a crafted check as a STUN client does (RFC 8489 §6.2.1), and judge or show what came back.
/// </summary>
internal static class ServerSideSteps
{
    /// <summary>
    /// Gathers, gives the IUT the tester's description (one socket, end-of-candidates) and waits for the IUT's first check,
    /// the sign that it read the description (at most <see cref="AgentCaseContext.StepTimeout"/>: these cases judge the
    /// IUT's answers, not its checks). The tester answers the IUT's checks correctly. Returns the advertised socket.
    /// </summary>
    public static async Task<TesterSocket> DescribedAsync(AgentCaseContext c)
    {
        await c.GatherAsync();
        var socket = c.Tester.OpenSocket();
        await c.DescribeAsync([socket]);
        await c.NextCheckAsync();
        return socket;
    }

    /// <summary>Sends <paramref name="check"/> from <paramref name="from"/> to the IUT's host candidate, retransmitting, and waits for its response.</summary>
    public static Task<(TesterDatagram Request, TesterDatagram? Response)> CheckAsync(AgentCaseContext c, TesterSocket from, TesterCheck check) =>
        c.TransactAsync(from, c.Tester.Messages.Check(check));

    /// <summary>The request and its response as evidence, or the request and the fact that nothing came back.</summary>
    public static string Exchange(AgentCaseContext c, TesterDatagram request, TesterDatagram? response) => response is null
        ? $"{c.Evidence(request)}; no response within {c.StepTimeout.TotalSeconds:0} s (the request retransmitted as RFC 8489 §6.2.1 says)"
        : c.Evidence(request, response);

    /// <summary>A correct check from <paramref name="from"/> answered with success: null, or why not (the case's failure).</summary>
    public static async Task<(TesterDatagram Request, TesterDatagram? Response, string? Problem)> SucceedAsync(AgentCaseContext c, TesterSocket from, TesterCheck? check = null)
    {
        var (request, response) = await CheckAsync(c, from, check ?? c.Check());
        var problem = response?.Stun?.Class == StunClass.Success ? null : $"a correct check did not get a success response: {Exchange(c, request, response)}";
        return (request, response, problem);
    }

    /// <summary>
    /// The check described by <paramref name="what"/> must get error <paramref name="code"/>; <paramref name="more"/> judges
    /// the error response further (null: fine).
    /// </summary>
    public static async Task<CaseVerdict> ExpectErrorAsync(AgentCaseContext c, TesterCheck check, int code, string what, Func<TesterStun, string?>? more = null)
    {
        var socket = await DescribedAsync(c);
        var (request, response) = await CheckAsync(c, socket, check);
        var shown = Exchange(c, request, response);
        if (response?.Stun is not { } answer) return CaseVerdict.Fail($"{what} got no response: {shown}");
        if (answer.Class != StunClass.Error || answer.ErrorCode != code)
            return CaseVerdict.Fail($"{what} got {(answer.Class == StunClass.Error ? $"error {answer.ErrorCode}" : "a success response")}, not error {code}: {shown}");
        return more?.Invoke(answer) is { } wrong ? CaseVerdict.Fail($"{what} got error {code}, but {wrong}: {shown}") : CaseVerdict.Pass($"{what} got error {code}: {shown}");
    }

    /// <summary>
    /// <paramref name="bytes"/> must be silently discarded: first a correct check from the same socket is answered (so the
    /// IUT answers checks at that moment), then <paramref name="bytes"/> gets no response within
    /// <see cref="AgentCaseContext.QuietWindow"/>.
    /// </summary>
    public static async Task<CaseVerdict> ExpectDiscardedAsync(AgentCaseContext c, Func<byte[]> bytes, string what)
    {
        var socket = await DescribedAsync(c);
        var (control, controlResponse, problem) = await SucceedAsync(c, socket);
        if (problem is not null) return CaseVerdict.Inconclusive($"the IUT does not answer checks, so its silence would prove nothing: {problem}");
        var message = bytes();
        var id = TransactionIdOf(message);
        var sent = c.Tester.Send(socket, c.IutHost, message);
        var answer = await c.Tester.WaitAsync(d => d.IsResponse && d.Stun!.TransactionId == id, c.QuietWindow, c.Cancel, sent.Frame);
        var context = $"a correct check was answered ({c.Evidence(control, controlResponse)})";
        return answer is null
            ? CaseVerdict.Pass($"{context}; {what} got no response within {c.QuietWindow.TotalSeconds:0.#} s: {c.Evidence(sent)}")
            : CaseVerdict.Fail($"{context}; {what} was answered instead of being silently discarded: {c.Evidence(sent, answer)}");
    }

    /// <summary>The transaction ID of STUN bytes as <see cref="TesterStun.TransactionId"/> reads it (RFC 8489 §5: bytes 8–19).</summary>
    public static UInt128 TransactionIdOf(byte[] message) =>
        BinaryPrimitives.ReadUInt128BigEndian([0, 0, 0, 0, .. message.AsSpan(StunHeader.TransactionIdOffset, StunHeader.TransactionIdLength)]);
}
