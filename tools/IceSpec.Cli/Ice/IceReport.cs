using IceSpec.Ice;
using IceSpec.Ice.Sdp;

namespace IceSpec.Cli.Ice;

/// <summary>The stages of <c>icespec ice offer|answer</c>, in order; each is bounded by <c>--timeout</c>.</summary>
internal enum IceStage : byte
{
    Gathering,
    Description,
    Connectivity,
    Exchange,
}

/// <summary>
/// What <c>icespec ice offer|answer</c> tells as it runs: <see cref="IceTextReport"/> for a person (today's output),
/// <see cref="IceJsonReport"/> for a program (one JSON object per line, docs/ice-json.md). Called from the
/// session's loop, the receiving task and the command, so implementations serialise their writes.
/// </summary>
internal interface IIceReport
{
    void Started(IceRole role, IceNomination nomination, TimeSpan timeout);

    /// <summary>Every event of the session (<see cref="IceSession.Event"/>), as it happens.</summary>
    void Event(IceEvent iceEvent);

    /// <summary>Our description, complete (gathering done): written to <paramref name="file"/>, or to be printed when null.</summary>
    void LocalDescription(IceDescription description, string peerSide, string? file);

    /// <summary>Trickle: our description so far (credentials, options, the candidates gathered yet), to be printed now.</summary>
    void TrickleStarted(IceDescription head, string peerSide);

    /// <summary>Trickle: one more line of our description (a candidate, or a=end-of-candidates).</summary>
    void TrickledLine(string line);

    /// <summary>Trickle: our description is complete.</summary>
    void TrickleEnded();

    /// <summary>Trickle: one more candidate of the peer's, just before it is applied.</summary>
    void RemoteCandidate(IceCandidate candidate);

    /// <summary>The peer's description, as read from <paramref name="source"/> (a file, or stdin), just before it is applied.</summary>
    void RemoteDescription(IceDescription description, string source);

    /// <summary>Every component has a selected pair; <paramref name="sinceRemoteDescription"/> is the time the checks took.</summary>
    void Connected(IceCandidatePair pair, IceRole role, TimeSpan sinceRemoteDescription);

    void DataSent(string line, bool sent);

    void DataReceived(int component, string line);

    /// <summary>The command stops: <paramref name="message"/> says why (a stage timed out, ICE failed…).</summary>
    void Failed(IceStage stage, string message);

    void Ended(int exitCode);
}
