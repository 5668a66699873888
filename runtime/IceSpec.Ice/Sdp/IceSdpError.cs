namespace IceSpec.Ice.Sdp;

/// <summary>The part of an ICE SDP attribute a parse error is about.</summary>
public enum IceSdpField
{
    Line,
    Foundation,
    ComponentId,
    Transport,
    Priority,
    ConnectionAddress,
    Port,
    CandidateType,
    RelatedAddress,
    RelatedPort,
    TcpType,
    ExtensionName,
    ExtensionValue,
    Ufrag,
    Password,
    IceOptions,
    IcePacing,
}

/// <summary>
/// Why an ICE SDP attribute was rejected: the field, a human reason, the offending text, its 0-based column in the
/// attribute value as given, and the ABNF rule (RFC 8839 §5, RFC 6544 §4.5, RFC 4566 §9) it breaks.
/// </summary>
public sealed record IceSdpError(IceSdpField Field, string Reason, string Value, int Column, string Rule)
{
    public override string ToString() =>
        $"{Field} at column {Column}: {Reason}{(Value.Length > 0 ? $" ('{Value}')" : "")}; grammar: {Rule}";
}

/// <summary>The grammar rules quoted in errors.</summary>
public static class IceSdpGrammar
{
    public const string CandidateAttribute =
        "RFC 8839 §5.1: candidate-attribute = \"candidate\" \":\" foundation SP component-id SP transport SP priority SP " +
        "connection-address SP port SP cand-type [SP rel-addr] [SP rel-port] *(SP cand-extension)";
    public const string Foundation = "RFC 8839 §5.1: foundation = 1*32ice-char; ice-char = ALPHA / DIGIT / \"+\" / \"/\"";
    public const string ComponentId = "RFC 8839 §5.1: component-id = 1*5DIGIT (a positive integer 1..256, RFC 8445 §5.1.1.1)";
    public const string Transport = "RFC 8839 §5.1: transport = \"UDP\" / transport-extension; transport-extension = token (RFC 3261)";
    public const string Priority = "RFC 8839 §5.1: priority = 1*10DIGIT (a positive integer 1..2^31-1, RFC 8445 §5.1.2)";
    public const string ConnectionAddress =
        "RFC 8839 §5.1: connection-address (RFC 4566 §9: IP4-address / IP6-address / FQDN; FQDN = 4*(alpha-numeric / \"-\" / \".\"))";
    public const string Port = "RFC 8839 §5.1: port (RFC 4566 §9: port = 1*DIGIT, 0..65535)";
    public const string CandidateType =
        "RFC 8839 §5.1: cand-type = \"typ\" SP candidate-types; candidate-types = \"host\" / \"srflx\" / \"prflx\" / \"relay\" / token";
    public const string RelatedAddress = "RFC 8839 §5.1: rel-addr = \"raddr\" SP connection-address";
    public const string RelatedPort = "RFC 8839 §5.1: rel-port = \"rport\" SP port";
    public const string TcpType = "RFC 6544 §4.5: tcp-type-ext = \"tcptype\" SP tcp-type; tcp-type = \"active\" / \"passive\" / \"so\"";
    public const string Extension =
        "RFC 8839 §5.1: cand-extension = extension-att-name SP extension-att-value; extension-att-name = token; extension-att-value = *VCHAR";
    public const string Ufrag = "RFC 8839 §5.4: ice-ufrag-att = \"ice-ufrag\" \":\" ufrag; ufrag = 4*256ice-char";
    public const string Password = "RFC 8839 §5.4: ice-pwd-att = \"ice-pwd\" \":\" password; password = 22*256ice-char";
    public const string IceOptions = "RFC 8839 §5.6: ice-options = \"ice-options\" \":\" ice-option-tag *(SP ice-option-tag); ice-option-tag = 1*ice-char";
    public const string IcePacing = "RFC 8839 §5.5: ice-pacing-att = \"ice-pacing\" \":\" pacing-value; pacing-value = 1*10DIGIT";

    internal static bool IsIceChar(char c) => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '+' or '/';

    internal static bool IsTokenChar(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
            or '-' or '.' or '!' or '%' or '*' or '_' or '+' or '`' or '\'' or '~';

    internal static bool IsVChar(char c) => c is >= '\x21' and <= '\x7e';

    internal static bool AllIceChars(string s) { foreach (var c in s) if (!IsIceChar(c)) return false; return true; }
    internal static bool AllTokenChars(string s) { foreach (var c in s) if (!IsTokenChar(c)) return false; return s.Length > 0; }
    internal static bool AllDigits(string s) { foreach (var c in s) if (c is < '0' or > '9') return false; return s.Length > 0; }
}
