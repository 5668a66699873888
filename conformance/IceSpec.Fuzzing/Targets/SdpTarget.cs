using System.Text;
using IceSpec.Ice.Sdp;

namespace IceSpec.Fuzzing.Targets;

/// <summary>
/// SDP ICE attributes (RFC 8839 §5, RFC 6544 §4.5): <see cref="IceSdp.Parse"/> over the input as UTF-8 — documented to
/// collect bad lines in <see cref="IceSdp.Errors"/>, never to throw —, and each line alone through
/// <see cref="IceCandidate.TryParse"/>. Invariant: what was parsed formats back into text that parses to the same thing
/// (a candidate's <see cref="IceCandidate.Format"/>, the session's <see cref="IceDescription.Format"/>).
/// </summary>
public sealed class SdpTarget : FuzzTarget
{
    public override string Name => "sdp";

    public override string Description => "SDP candidate lines and ICE session attributes (RFC 8839 §5, RFC 6544 §4.5)";

    public override void Run(ReadOnlySpan<byte> input)
    {
        var text = Encoding.UTF8.GetString(input);
        var sdp = IceSdp.Parse(text);
        foreach (var candidate in sdp.AllCandidates) RoundTrip(candidate);
        foreach (var line in text.Split('\n'))
            if (IceCandidate.TryParse(line.Trim(), out var candidate, out _)) RoundTrip(candidate!);

        var session = sdp.Session.Format();
        var again = IceSdp.Parse(session);
        if (again.Session.Format() != session)
            throw new InvariantViolation($"the session's ICE attributes format as {Quote(session)}, which parse back as {Quote(again.Session.Format())}");
    }

    private static void RoundTrip(IceCandidate candidate)
    {
        var line = candidate.Format();
        if (!IceCandidate.TryParse(line, out var again, out var error))
            throw new InvariantViolation($"a parsed candidate formats as {Quote(line)}, which does not parse: {error}");
        if (again!.Format() != line)
            throw new InvariantViolation($"candidate {Quote(line)} parses back as {Quote(again.Format())}");
    }

    private static string Quote(string text) => System.Text.Json.JsonSerializer.Serialize(text);
}
