namespace IceSpec.Ice.Sdp;

/// <summary>RFC 8839 §5.1 candidate-attribute parser with RFC 6544 §4.5 tcptype. Reports the first broken rule.</summary>
internal static class IceCandidateParser
{
    private readonly record struct Token(string Text, int Column);

    private static readonly (IceSdpField Field, string Name, string Rule)[] Fixed =
    [
        (IceSdpField.Foundation, "foundation", IceSdpGrammar.Foundation),
        (IceSdpField.ComponentId, "component-id", IceSdpGrammar.ComponentId),
        (IceSdpField.Transport, "transport", IceSdpGrammar.Transport),
        (IceSdpField.Priority, "priority", IceSdpGrammar.Priority),
        (IceSdpField.ConnectionAddress, "connection-address", IceSdpGrammar.ConnectionAddress),
        (IceSdpField.Port, "port", IceSdpGrammar.Port),
        (IceSdpField.CandidateType, "\"typ\"", IceSdpGrammar.CandidateType),
        (IceSdpField.CandidateType, "candidate type", IceSdpGrammar.CandidateType),
    ];

    public static bool TryParse(string? line, out IceCandidate? candidate, out IceSdpError? error)
    {
        candidate = null;
        error = Parse(line ?? "", out candidate);
        return error is null;
    }

    private static IceSdpError? Parse(string line, out IceCandidate? candidate)
    {
        candidate = null;
        var end = line.Length;
        while (end > 0 && line[end - 1] is '\r' or '\n' or ' ' or '\t') end--;
        var start = 0;
        while (start < end && line[start] is ' ' or '\t') start++;
        var sdpLine = string.CompareOrdinal(line, start, "a=", 0, 2) == 0;
        if (sdpLine) start += 2;
        if (end - start >= 10 && string.Compare(line, start, "candidate:", 0, 10, StringComparison.OrdinalIgnoreCase) == 0) start += 10;
        else if (sdpLine)
        {
            // With "a=" the attribute name is mandatory; without it the bare value (werift-ice, aioice) is accepted.
            var nameEnd = line.IndexOfAny([':', ' ', '\t'], start, end - start);
            var name = nameEnd < 0 ? line[start..end] : line[start..nameEnd];
            return new(IceSdpField.Line, name.Equals("candidate", StringComparison.OrdinalIgnoreCase)
                ? "\"candidate\" must be followed by \":\"" : $"not a candidate attribute (a={name})", name, start, IceSdpGrammar.CandidateAttribute);
        }

        var tokens = new List<Token>();
        for (var i = start; i < end;)
        {
            if (line[i] is ' ' or '\t') { i++; continue; }
            var s = i;
            while (i < end && line[i] is not (' ' or '\t')) i++;
            tokens.Add(new(line[s..i], s));
        }
        if (tokens.Count < Fixed.Length)
        {
            var (field, name, rule) = Fixed[tokens.Count];
            return new(field, tokens.Count == 0 ? "empty candidate attribute" : $"the line ends before the {name}", "", end, rule);
        }

        // foundation = 1*32ice-char
        var t = tokens[0];
        if (t.Text.Length > 32) return Err(IceSdpField.Foundation, $"longer than 32 characters ({t.Text.Length})", t, IceSdpGrammar.Foundation);
        if (!IceSdpGrammar.AllIceChars(t.Text)) return Err(IceSdpField.Foundation, "only ALPHA, DIGIT, '+' and '/' are allowed", t, IceSdpGrammar.Foundation);
        var foundation = t.Text;

        // component-id
        t = tokens[1];
        if (!IceSdpGrammar.AllDigits(t.Text)) return Err(IceSdpField.ComponentId, "not a decimal number", t, IceSdpGrammar.ComponentId);
        if (t.Text.Length > 5) return Err(IceSdpField.ComponentId, "more than 5 digits", t, IceSdpGrammar.ComponentId);
        var component = int.Parse(t.Text);
        if (component is < 1 or > 256) return Err(IceSdpField.ComponentId, "out of range 1..256", t, IceSdpGrammar.ComponentId);

        // transport
        t = tokens[2];
        if (!IceSdpGrammar.AllTokenChars(t.Text)) return Err(IceSdpField.Transport, "not a token", t, IceSdpGrammar.Transport);
        var transport = t.Text;

        // priority = 1*10DIGIT, 1..2^31-1
        t = tokens[3];
        if (!IceSdpGrammar.AllDigits(t.Text)) return Err(IceSdpField.Priority, "not a decimal number", t, IceSdpGrammar.Priority);
        if (t.Text.Length > 10) return Err(IceSdpField.Priority, "more than 10 digits", t, IceSdpGrammar.Priority);
        var priority = ulong.Parse(t.Text);
        if (priority is < 1 or > int.MaxValue) return Err(IceSdpField.Priority, "out of range 1..2^31-1", t, IceSdpGrammar.Priority);

        // connection-address
        t = tokens[4];
        if (!IceConnectionAddress.TryParse(t.Text, out var address, out var why)) return Err(IceSdpField.ConnectionAddress, why, t, IceSdpGrammar.ConnectionAddress);

        // port
        t = tokens[5];
        if (!TryPort(t.Text, out var port, out why)) return Err(IceSdpField.Port, why, t, IceSdpGrammar.Port);

        // cand-type = "typ" SP candidate-types
        t = tokens[6];
        if (!t.Text.Equals("typ", StringComparison.OrdinalIgnoreCase)) return Err(IceSdpField.CandidateType, "expected \"typ\"", t, IceSdpGrammar.CandidateType);
        t = tokens[7];
        if (!IceSdpGrammar.AllTokenChars(t.Text)) return Err(IceSdpField.CandidateType, "not a token", t, IceSdpGrammar.CandidateType);
        var type = t.Text;

        IceConnectionAddress? relatedAddress = null;
        int? relatedPort = null;
        var extensions = new List<IceExtensionAttribute>();
        var index = 8;
        if (index < tokens.Count && tokens[index].Text.Equals("raddr", StringComparison.OrdinalIgnoreCase))
        {
            if (index + 1 >= tokens.Count) return new(IceSdpField.RelatedAddress, "\"raddr\" without an address", "", end, IceSdpGrammar.RelatedAddress);
            t = tokens[index + 1];
            if (!IceConnectionAddress.TryParse(t.Text, out var ra, out why)) return Err(IceSdpField.RelatedAddress, why, t, IceSdpGrammar.RelatedAddress);
            relatedAddress = ra;
            index += 2;
        }
        if (index < tokens.Count && tokens[index].Text.Equals("rport", StringComparison.OrdinalIgnoreCase))
        {
            if (index + 1 >= tokens.Count) return new(IceSdpField.RelatedPort, "\"rport\" without a port", "", end, IceSdpGrammar.RelatedPort);
            t = tokens[index + 1];
            if (!TryPort(t.Text, out var rp, out why)) return Err(IceSdpField.RelatedPort, why, t, IceSdpGrammar.RelatedPort);
            relatedPort = rp;
            index += 2;
        }
        var sawTcpType = false;
        for (; index < tokens.Count; index += 2)
        {
            var name = tokens[index];
            if (name.Text.Equals("raddr", StringComparison.OrdinalIgnoreCase))
                return Err(IceSdpField.RelatedAddress, relatedAddress is null ? "raddr must come right after the candidate type, before rport and extensions" : "raddr appears twice", name, IceSdpGrammar.CandidateAttribute);
            if (name.Text.Equals("rport", StringComparison.OrdinalIgnoreCase))
                return Err(IceSdpField.RelatedPort, relatedPort is null ? "rport must come right after raddr (or the candidate type), before extensions" : "rport appears twice", name, IceSdpGrammar.CandidateAttribute);
            if (!IceSdpGrammar.AllTokenChars(name.Text)) return Err(IceSdpField.ExtensionName, "not a token", name, IceSdpGrammar.Extension);
            if (index + 1 >= tokens.Count) return new(IceSdpField.ExtensionValue, $"extension \"{name.Text}\" has no value", name.Text, end, IceSdpGrammar.Extension);
            var value = tokens[index + 1];
            foreach (var c in value.Text)
                if (!IceSdpGrammar.IsVChar(c)) return Err(IceSdpField.ExtensionValue, $"character U+{(int)c:X4} is not a VCHAR", value, IceSdpGrammar.Extension);
            if (name.Text.Equals("tcptype", StringComparison.OrdinalIgnoreCase))
            {
                if (sawTcpType) return Err(IceSdpField.TcpType, "tcptype appears twice", name, IceSdpGrammar.TcpType);
                sawTcpType = true;
                if (!transport.Equals("TCP", StringComparison.OrdinalIgnoreCase)) return Err(IceSdpField.TcpType, $"tcptype on a {transport} candidate (only TCP candidates carry it)", name, IceSdpGrammar.TcpType);
                if (value.Text.ToLowerInvariant() is not ("active" or "passive" or "so")) return Err(IceSdpField.TcpType, "not active, passive or so", value, IceSdpGrammar.TcpType);
            }
            extensions.Add(new(name.Text, value.Text));
        }
        if (transport.Equals("TCP", StringComparison.OrdinalIgnoreCase) && !sawTcpType)
            return new(IceSdpField.TcpType, "a TCP candidate must carry tcptype", "", end, IceSdpGrammar.TcpType);

        candidate = new IceCandidate(foundation, component, transport, (uint)priority, address, port, type, relatedAddress, relatedPort, extensions);
        return null;
    }

    private static bool TryPort(string text, out int port, out string reason)
    {
        port = 0;
        if (!IceSdpGrammar.AllDigits(text)) { reason = "not a decimal number"; return false; }
        if (text.Length > 5 || (port = int.Parse(text)) > 65535) { reason = "out of range 0..65535"; port = 0; return false; }
        reason = "";
        return true;
    }

    private static IceSdpError Err(IceSdpField field, string reason, Token token, string rule) => new(field, reason, token.Text, token.Column, rule);
}
