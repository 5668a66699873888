using System.Globalization;
using System.Text;

namespace IceSpec.Turn.Server;

/// <summary>
/// Escaping for the server's log lines. Client data (USERNAME, REALM, SOFTWARE, reason phrases, peer data) reaches the
/// log, and a terminal or a log viewer must not act on it: C0 controls (NUL included), DEL, C1 controls, the
/// bidirectional embeddings/overrides U+202A–U+202E and isolates U+2066–U+2069, and the marks U+200E/U+200F are written as
/// <c>\uXXXX</c> in both formats; a lone surrogate becomes <c>\uFFFD</c> so JSON stays valid UTF-8.
/// </summary>
public static class TurnLogText
{
    /// <summary>Whether <paramref name="c"/> is written as an escape in both formats (see the class summary).</summary>
    public static bool MustEscape(char c) =>
        c < ' ' || c is >= '\u007F' and <= '\u009F' || c is >= '\u202A' and <= '\u202E' || c is >= '\u2066' and <= '\u2069' || c is '\u200E' or '\u200F';

    /// <summary>A JSON string literal (RFC 8259 §7), quotes included.</summary>
    public static void AppendJsonString(StringBuilder line, string value)
    {
        line.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"': line.Append("\\\""); break;
                case '\\': line.Append("\\\\"); break;
                case '\n': line.Append("\\n"); break;
                case '\r': line.Append("\\r"); break;
                case '\t': line.Append("\\t"); break;
                default: AppendOther(line, value, ref i); break;
            }
        }
        line.Append('"');
    }

    /// <summary>A <c>key=value</c> value: bare when it has nothing to quote, else in double quotes with backslash escapes.</summary>
    public static void AppendKeyValue(StringBuilder line, string value)
    {
        if (value.Length > 0 && !NeedsQuotes(value))
        {
            line.Append(value);
            return;
        }
        line.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"' or '\\': line.Append('\\').Append(c); break;
                case '\n': line.Append("\\n"); break;
                case '\r': line.Append("\\r"); break;
                case '\t': line.Append("\\t"); break;
                default: AppendOther(line, value, ref i); break;
            }
        }
        line.Append('"');
    }

    private static bool NeedsQuotes(string value)
    {
        foreach (var c in value)
            if (c is ' ' or '"' or '=' or '\\' || MustEscape(c) || char.IsSurrogate(c)) return true;
        return false;
    }

    private static void AppendOther(StringBuilder line, string value, ref int i)
    {
        var c = value[i];
        if (MustEscape(c))
        {
            AppendEscape(line, c);
        }
        else if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
        {
            line.Append(c).Append(value[++i]);
        }
        else if (char.IsSurrogate(c))
        {
            line.Append("\\uFFFD");
        }
        else
        {
            line.Append(c);
        }
    }

    private static void AppendEscape(StringBuilder line, char c) =>
        line.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
}
