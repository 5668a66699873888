using System.Buffers.Binary;
using IceSpec.Stun;

namespace IceSpec.Cli;

/// <summary>
/// Turns hex text into message bytes. Whitespace is ignored, as is a <c>0x</c> at the start of a word, so
/// "0001 0058", "0x0001 0x0058" and an RFC-style dump of four bytes a line all read the same.
/// <para>
/// Several messages on standard input: a blank line always ends a message; otherwise a line starts a new message when
/// it begins with a STUN header of its own (the magic cookie at bytes 4–7), or when the message before it is already
/// complete by its length field. Any other line continues the message before it.
/// </para>
/// </summary>
public static class HexInput
{
    /// <summary>One message given as a command-line argument.</summary>
    public static bool TryParseArgument(string text, out byte[] message, out string error)
    {
        message = [];
        if (!TryParseLine(text, out var bytes, out error)) return false;
        if (bytes.Count == 0)
        {
            error = "no hex digits in the argument";
            return false;
        }
        message = bytes.ToArray();
        return true;
    }

    /// <summary>Every message in the text of <paramref name="reader"/>, grouped as the class summary says.</summary>
    public static bool TryParseLines(TextReader reader, out List<byte[]> messages, out string error)
    {
        messages = [];
        error = "";
        List<byte>? current = null;
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (!TryParseLine(line, out var bytes, out var lineError))
            {
                error = lineError + $" on line {lineNumber}";
                return false;
            }
            if (bytes.Count == 0)
            {
                Flush(messages, ref current);
                continue;
            }
            if (current is not null && (StartsHeader(bytes) || IsComplete(current))) Flush(messages, ref current);
            (current ??= []).AddRange(bytes);
        }
        Flush(messages, ref current);
        if (messages.Count == 0)
        {
            error = "no hex on standard input: give the message as an argument (icespec decode HEX) or pipe its hex in";
            return false;
        }
        return true;
    }

    private static void Flush(List<byte[]> messages, ref List<byte>? current)
    {
        if (current is { Count: > 0 }) messages.Add(current.ToArray());
        current = null;
    }

    private static bool StartsHeader(List<byte> bytes) =>
        bytes.Count >= 8 && (bytes[0] & 0xC0) == 0 &&
        BinaryPrimitives.ReadUInt32BigEndian([bytes[4], bytes[5], bytes[6], bytes[7]]) == StunHeader.MagicCookie;

    /// <summary>A message whose header is whole and whose bytes reach its length field (or that is not STUN enough to say).</summary>
    private static bool IsComplete(List<byte> message)
    {
        if (message.Count < StunHeader.Length) return false;
        if (!StartsHeader(message)) return true;
        return message.Count >= StunHeader.Length + ((message[2] << 8) | message[3]);
    }

    private static bool TryParseLine(string text, out List<byte> bytes, out string error)
    {
        bytes = [];
        error = "";
        var high = -1;
        var digits = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c)) continue;
            var wordStart = i == 0 || char.IsWhiteSpace(text[i - 1]);
            if (wordStart && c == '0' && i + 1 < text.Length && text[i + 1] is 'x' or 'X')
            {
                i++;
                continue;
            }
            var nibble = HexValue(c);
            if (nibble < 0)
            {
                error = $"not hex: '{BadRun(text, i)}' at offset {i}";
                return false;
            }
            digits++;
            if (high < 0) high = nibble;
            else
            {
                bytes.Add((byte)((high << 4) | nibble));
                high = -1;
            }
        }
        if (high >= 0)
        {
            error = $"odd number of hex digits ({digits}): each byte takes two";
            return false;
        }
        return true;
    }

    /// <summary>The offending characters: from <paramref name="start"/> up to the next hex digit or space (at most 16).</summary>
    private static string BadRun(string text, int start)
    {
        var end = start;
        while (end < text.Length && end - start < 16 && !char.IsWhiteSpace(text[end]) && HexValue(text[end]) < 0) end++;
        return text[start..end];
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };
}
