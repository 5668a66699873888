namespace IceSpec.Ice.Sdp;

/// <summary>An error on one line of an SDP block (1-based line number).</summary>
public sealed record IceSdpLineError(int LineNumber, string Line, IceSdpError Error)
{
    public override string ToString() => $"line {LineNumber}: {Error}";
}

/// <summary>One m= section and its ICE attributes. The Effective* values fall back to the session level (RFC 8839 §5.4, §5.6).</summary>
public sealed class IceMediaSection
{
    internal IceMediaSection(string mediaLine, IceDescription session) { MediaLine = mediaLine; Session = session; }

    /// <summary>The m= line without "m=".</summary>
    public string MediaLine { get; }
    /// <summary>a=mid value, if any.</summary>
    public string? Mid { get; internal set; }
    public IceDescription Ice { get; } = new();
    private IceDescription Session { get; }

    public string? EffectiveUfrag => Ice.Ufrag ?? Session.Ufrag;
    public string? EffectivePassword => Ice.Password ?? Session.Password;
    public IReadOnlyList<string> EffectiveOptions => Ice.Options.Count > 0 ? Ice.Options : Session.Options;
}

/// <summary>
/// The ICE attributes extracted from a whole SDP (v=/m=/a= lines) or from a bare attribute block ("a=…" or "…" lines, as
/// trickle fragments and werift-ice/aioice signalling carry them). Bad lines are collected in <see cref="Errors"/>; other
/// lines are ignored. Never throws for bad input.
/// </summary>
public sealed class IceSdp
{
    public IceDescription Session { get; } = new();
    public List<IceMediaSection> Media { get; } = [];
    public List<IceSdpLineError> Errors { get; } = [];

    /// <summary>All candidates (session level then each media section).</summary>
    public IEnumerable<IceCandidate> AllCandidates => Session.Candidates.Concat(Media.SelectMany(m => m.Ice.Candidates));

    public static IceSdp Parse(string? text)
    {
        var sdp = new IceSdp();
        var lines = (text ?? "").Split('\n');
        IceDescription current = sdp.Session;
        IceMediaSection? media = null;
        for (var n = 0; n < lines.Length; n++)
        {
            var raw = lines[n].TrimEnd('\r');
            var line = raw.Trim();
            if (line.Length == 0) continue;
            if (line.StartsWith("m=", StringComparison.Ordinal))
            {
                media = new IceMediaSection(line[2..], sdp.Session);
                sdp.Media.Add(media);
                current = media.Ice;
                continue;
            }
            string attribute;
            if (line.StartsWith("a=", StringComparison.Ordinal)) attribute = line[2..];
            else if (line.Length > 1 && line[1] == '=') continue; // v=, o=, c=, … : not ICE
            else attribute = line;

            var colon = attribute.IndexOf(':');
            var name = colon < 0 ? attribute : attribute[..colon];
            var value = colon < 0 ? null : attribute[(colon + 1)..];
            IceSdpError? error = null;
            switch (name.ToLowerInvariant())
            {
                case "candidate":
                    if (IceCandidate.TryParse(attribute, out var candidate, out error)) current.Candidates.Add(candidate!);
                    break;
                case "ice-ufrag":
                    if (current.Ufrag is not null) error = Duplicate(IceSdpField.Ufrag, "ice-ufrag", IceSdpGrammar.Ufrag);
                    else if (IceDescription.TryParseUfrag(value ?? "", out error)) current.Ufrag = value;
                    break;
                case "ice-pwd":
                    if (current.Password is not null) error = Duplicate(IceSdpField.Password, "ice-pwd", IceSdpGrammar.Password);
                    else if (IceDescription.TryParsePassword(value ?? "", out error)) current.Password = value;
                    break;
                case "ice-options":
                    if (IceDescription.TryParseOptions(value ?? "", out var tags, out error)) current.Options.AddRange(tags);
                    break;
                case "ice-pacing":
                    if (IceDescription.TryParsePacing(value ?? "", out var pacing, out error)) current.Pacing = pacing;
                    break;
                case "ice-lite":
                    if (media is not null)
                        error = new(IceSdpField.Line, "ice-lite is a session-level attribute", name, 0, "RFC 8839 §5.3: ice-lite = \"ice-lite\" (session level only)");
                    else current.IceLite = true;
                    break;
                case "ice-mismatch":
                    current.IceMismatch = true;
                    break;
                case "end-of-candidates":
                    current.EndOfCandidates = true;
                    break;
                case "mid":
                    if (media is not null) media.Mid = value;
                    break;
                default:
                    // A bare candidate value (werift-ice's toSdp(), aioice's to_sdp()) in an attribute block.
                    if (colon < 0 && !line.StartsWith("a=", StringComparison.Ordinal) && IceCandidate.TryParse(attribute, out var bare, out _))
                        current.Candidates.Add(bare!);
                    break;
            }
            if (error is not null) sdp.Errors.Add(new(n + 1, raw, error));
        }
        return sdp;
    }

    private static IceSdpError Duplicate(IceSdpField field, string name, string rule) =>
        new(field, $"{name} appears twice at the same level", name, 0, rule);
}
