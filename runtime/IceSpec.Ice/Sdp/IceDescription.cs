using System.Globalization;

namespace IceSpec.Ice.Sdp;

/// <summary>
/// The ICE attributes of one SDP level (session or one media section), RFC 8839 §5: ice-ufrag, ice-pwd, ice-options,
/// ice-lite, ice-mismatch, ice-pacing, end-of-candidates and the candidates in order.
/// </summary>
public sealed class IceDescription
{
    public string? Ufrag { get; set; }
    public string? Password { get; set; }
    /// <summary>ice-options tags in order ("trickle", "ice2", …); empty when absent.</summary>
    public List<string> Options { get; } = [];
    public bool IceLite { get; set; }
    public bool IceMismatch { get; set; }
    public bool EndOfCandidates { get; set; }
    public ulong? Pacing { get; set; }
    public List<IceCandidate> Candidates { get; } = [];

    public bool HasOption(string tag) => Options.Exists(o => o.Equals(tag, StringComparison.OrdinalIgnoreCase));
    public bool IsEmpty => Ufrag is null && Password is null && Options.Count == 0 && !IceLite && !IceMismatch && !EndOfCandidates
                           && Pacing is null && Candidates.Count == 0;

    /// <summary>The "a=" lines in RFC 8839 form: ice-lite, ice-mismatch, ice-options, ice-ufrag, ice-pwd, ice-pacing, candidates, end-of-candidates.</summary>
    public IEnumerable<string> FormatLines()
    {
        if (IceLite) yield return "a=ice-lite";
        if (IceMismatch) yield return "a=ice-mismatch";
        if (Options.Count > 0) yield return "a=ice-options:" + string.Join(' ', Options);
        if (Ufrag is not null) yield return "a=ice-ufrag:" + Ufrag;
        if (Password is not null) yield return "a=ice-pwd:" + Password;
        if (Pacing is { } p) yield return "a=ice-pacing:" + p.ToString(CultureInfo.InvariantCulture);
        foreach (var c in Candidates) yield return c.FormatLine();
        if (EndOfCandidates) yield return "a=end-of-candidates";
    }

    public string Format() => string.Concat(FormatLines().Select(l => l + "\r\n"));

    /// <summary>ufrag = 4*256ice-char (RFC 8839 §5.4).</summary>
    public static bool TryParseUfrag(string value, out IceSdpError? error) =>
        CheckIceChars(value, 4, 256, IceSdpField.Ufrag, "ufrag", IceSdpGrammar.Ufrag, out error);

    /// <summary>password = 22*256ice-char (RFC 8839 §5.4).</summary>
    public static bool TryParsePassword(string value, out IceSdpError? error) =>
        CheckIceChars(value, 22, 256, IceSdpField.Password, "password", IceSdpGrammar.Password, out error);

    /// <summary>ice-options value: ice-option-tag *(SP ice-option-tag), ice-option-tag = 1*ice-char (RFC 8839 §5.6).</summary>
    public static bool TryParseOptions(string value, out List<string> tags, out IceSdpError? error)
    {
        tags = [];
        error = null;
        var parts = value.Split(' ');
        var column = 0;
        foreach (var part in parts)
        {
            if (part.Length == 0 || !IceSdpGrammar.AllIceChars(part))
            {
                error = new(IceSdpField.IceOptions, part.Length == 0 ? "empty option tag (tags are separated by one SP)" : "only ALPHA, DIGIT, '+' and '/' are allowed in a tag",
                    part, column, IceSdpGrammar.IceOptions);
                tags = [];
                return false;
            }
            tags.Add(part);
            column += part.Length + 1;
        }
        return true;
    }

    /// <summary>pacing-value = 1*10DIGIT (RFC 8839 §5.5).</summary>
    public static bool TryParsePacing(string value, out ulong pacing, out IceSdpError? error)
    {
        pacing = 0;
        error = null;
        if (!IceSdpGrammar.AllDigits(value) || value.Length > 10)
        {
            error = new(IceSdpField.IcePacing, "not a decimal number of 1 to 10 digits", value, 0, IceSdpGrammar.IcePacing);
            return false;
        }
        pacing = ulong.Parse(value, CultureInfo.InvariantCulture);
        return true;
    }

    private static bool CheckIceChars(string value, int min, int max, IceSdpField field, string name, string rule, out IceSdpError? error)
    {
        error = null;
        for (var i = 0; i < value.Length; i++)
            if (!IceSdpGrammar.IsIceChar(value[i]))
            {
                error = new(field, $"'{value[i]}' is not an ice-char (ALPHA, DIGIT, '+', '/')", value, i, rule);
                return false;
            }
        if (value.Length < min || value.Length > max)
        {
            error = new(field, $"{name} has {value.Length} characters; {min} to {max} are required", value, 0, rule);
            return false;
        }
        return true;
    }
}
