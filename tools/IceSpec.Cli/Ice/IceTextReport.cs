using IceSpec.Ice;
using IceSpec.Ice.Sdp;

namespace IceSpec.Cli.Ice;

/// <summary>
/// The output for a person: the description and the peer's lines on stdout, and each step (candidates, checks, pair
/// states, the selected pair) on stderr as <c>[offer] …</c> lines.
/// </summary>
internal sealed class IceTextReport(CliConsole console, string side) : IIceReport
{
    private readonly Lock _gate = new();

    public void Started(IceRole role, IceNomination nomination, TimeSpan timeout) { }

    public void Event(IceEvent iceEvent)
    {
        if (Describe(iceEvent) is { } line) Error($"[{side}] {line}");
    }

    public void LocalDescription(IceDescription description, string peerSide, string? file)
    {
        if (file is not null) return;
        Out($"--- {side} (paste into the {peerSide} side) ---\n{description.Format()}--- end ---\npaste the {peerSide}'s lines, ending with a=end-of-candidates:");
    }

    public void TrickleStarted(IceDescription head, string peerSide) =>
        Out($"--- {side} (paste into the {peerSide} side; its candidates follow as gathered) ---\n{head.Format().TrimEnd()}\n" +
            $"(paste the {peerSide}'s lines meanwhile, ending with a=end-of-candidates)");

    public void TrickledLine(string line) => Out(line);

    public void TrickleEnded() => Out("--- end ---");

    public void RemoteCandidate(IceCandidate candidate) { }

    public void RemoteDescription(IceDescription description, string source) { }

    public void Connected(IceCandidatePair pair, IceRole role, TimeSpan sinceRemoteDescription)
    {
        var connection = pair.TcpConnectionLocal is { } from ? $" (connection from {from})" : "";
        Out($"connected: {pair.MappedLocal ?? pair.Local}{connection} <-> {pair.Remote} (role {role.ToString().ToLowerInvariant()})");
    }

    public void DataSent(string line, bool sent)
    {
        if (!sent) Error($"[{side}] not sent: no selected pair (or consent expired)");
    }

    public void DataReceived(int component, string line) => Out("< " + line);

    public void Failed(IceStage stage, string message) => Error($"icespec: ice {side}: {message}");

    public void Ended(int exitCode) { }

    private void Out(string text)
    {
        lock (_gate)
        {
            console.Out.WriteLine(text);
            console.Out.Flush();
        }
    }

    private void Error(string text)
    {
        lock (_gate) console.Error.WriteLine(text);
    }

    private static string? Describe(IceEvent iceEvent) => iceEvent switch
    {
        IceCandidateGathered g => $"candidate {g.Candidate.Candidate.FormatLine()}",
        IceGatheringComplete => "gathering complete",
        IceCheckSent c => $"check {c.Pair}{(c.UseCandidate ? " USE-CANDIDATE" : "")}{(c.Triggered ? " (triggered)" : "")}",
        IcePairStateChanged p => $"pair {p.Pair}: {p.From} -> {p.To}",
        IceSelectedPairChanged s => $"selected {s.Pair}",
        IceRoleChanged r => $"role conflict: now {r.Role.ToString().ToLowerInvariant()}",
        IceConnectionStateChanged s => $"state {s.State.ToString().ToLowerInvariant()}",
        IceServerFailed f => $"server {f.Server}: {f.Reason}",
        IceRemoteCandidateResolved r => $"resolved {r.Candidate.Address} to {r.Address}",
        IceRemoteCandidateDropped d => $"dropped remote candidate {d.Candidate.FormatLine()}: {d.Reason}",
        IceMdnsUnavailable m => $"no mDNS: {m.Reason}",
        _ => null,
    };
}
