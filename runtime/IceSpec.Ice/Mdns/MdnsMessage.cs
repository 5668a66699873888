using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace IceSpec.Ice.Mdns;

/// <summary>The RR TYPEs this codec gives meaning to (RFC 1035 §3.2.2, RFC 3596 §2.1); others are read and kept as numbers.</summary>
public static class MdnsRecordTypes
{
    public const ushort A = 1;
    public const ushort Aaaa = 28;
    /// <summary>RFC 1035 §3.2.3 QTYPE "*": any type.</summary>
    public const ushort Any = 255;
}

/// <summary>
/// One question (RFC 1035 §4.1.2). RFC 6762 §5.4: the top bit of QCLASS is the "unicast-response" (QU) bit.
/// </summary>
public sealed record MdnsQuestion(string Name, ushort Type, bool UnicastResponse);

/// <summary>
/// One resource record (RFC 1035 §4.1.3). RFC 6762 §10.2: the top bit of CLASS is the "cache-flush" bit. <see cref="Address"/>
/// is the RDATA of an A (4 bytes) or AAAA (16 bytes) record; null for any other record.
/// </summary>
public sealed record MdnsRecord(string Name, ushort Type, bool CacheFlush, uint Ttl, IPAddress? Address);

/// <summary>
/// An mDNS message: the RFC 1035 §4.1 layout, read and written with the RFC 6762 meanings of its bits (§18). Only class
/// IN (1) is used. <see cref="Records"/> holds the answer, authority and additional sections in that order
/// (<see cref="AnswerCount"/> of them answers).
/// <code>
///                                 1  1  1  1  1  1
///   0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |                      ID                       |   RFC 6762 §18.1: 0 in multicast messages
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |   §18.2 QR=1 response, §18.3 opcode 0, §18.4 AA=1 in responses
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |                    QDCOUNT                    |
/// |                    ANCOUNT                    |
/// |                    NSCOUNT                    |
/// |                    ARCOUNT                    |
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// question:  QNAME (labels) | QTYPE (16) | QU (1) QCLASS (15)
/// record:    NAME (labels)  | TYPE (16)  | cache-flush (1) CLASS (15) | TTL (32) | RDLENGTH (16) | RDATA
/// </code>
/// </summary>
public sealed record MdnsMessage(ushort Id, bool IsResponse, IReadOnlyList<MdnsQuestion> Questions, IReadOnlyList<MdnsRecord> Records, int AnswerCount)
{
    private const int HeaderLength = 12;
    private const ushort ClassIn = 1;
    /// <summary>The top bit of a 16-bit field: QU in QCLASS (RFC 6762 §5.4), cache-flush in CLASS (§10.2), QR in the flags (RFC 1035 §4.1.1).</summary>
    private const ushort TopBit = 0x8000;
    private const ushort ResponseFlags = 0x8400; // QR and AA (RFC 6762 §18.2, §18.4)
    /// <summary>RFC 1035 §2.3.4: a name is at most 255 octets on the wire, a label at most 63.</summary>
    private const int MaxNameLength = 255, MaxLabelLength = 63;
    /// <summary>RFC 6762 §17: a message fits in 9000 bytes; more is refused here.</summary>
    public const int MaxLength = 9000;

    /// <summary>The answer section: what a resolver reads (RFC 6762 §6: the answers to its questions).</summary>
    public IEnumerable<MdnsRecord> Answers => Records.Take(AnswerCount);

    /// <summary>A query: ID 0, opcode 0, no flags (RFC 6762 §18), the questions in class IN with their QU bits.</summary>
    public static MdnsMessage Query(params MdnsQuestion[] questions) => new(0, false, questions, [], 0);

    /// <summary>An authoritative response (QR, AA) with <paramref name="answers"/>; <paramref name="questions"/> only for a legacy unicast reply (§6.7).</summary>
    public static MdnsMessage Response(ushort id, IReadOnlyList<MdnsRecord> answers, IReadOnlyList<MdnsQuestion>? questions = null) =>
        new(id, true, questions ?? [], answers, answers.Count);

    /// <summary>The message on the wire (names uncompressed: RFC 6762 §18.14 allows it).</summary>
    public byte[] Encode()
    {
        var b = new List<byte>(128);
        void U16(int v) { b.Add((byte)(v >> 8)); b.Add((byte)v); }
        U16(Id);
        U16(IsResponse ? ResponseFlags : 0);
        U16(Questions.Count); U16(AnswerCount); U16(0); U16(Records.Count - AnswerCount);
        foreach (var q in Questions)
        {
            WriteName(b, q.Name);
            U16(q.Type);
            U16(ClassIn | (q.UnicastResponse ? TopBit : 0));
        }
        foreach (var r in Records)
        {
            WriteName(b, r.Name);
            U16(r.Type);
            U16(ClassIn | (r.CacheFlush ? TopBit : 0));
            U16((int)(r.Ttl >> 16)); U16((int)(r.Ttl & 0xFFFF));
            var rdata = r.Address?.GetAddressBytes() ?? [];
            U16(rdata.Length);
            b.AddRange(rdata);
        }
        return [.. b];
    }

    private static void WriteName(List<byte> b, string name)
    {
        var length = 1;
        foreach (var label in name.TrimEnd('.').Split('.'))
        {
            var bytes = Encoding.UTF8.GetBytes(label);
            if (bytes.Length is 0 or > MaxLabelLength) throw new ArgumentException($"'{name}': each label has 1 to {MaxLabelLength} octets (RFC 1035 §2.3.4)", nameof(name));
            length += bytes.Length + 1;
            if (length > MaxNameLength) throw new ArgumentException($"'{name}' is longer than {MaxNameLength} octets (RFC 1035 §2.3.4)", nameof(name));
            b.Add((byte)bytes.Length);
            b.AddRange(bytes);
        }
        b.Add(0);
    }

    /// <summary>
    /// Reads a message. Never throws: a truncated message, a count past the end, a compression pointer that does not
    /// point back (which is what makes a loop impossible), a reserved label type (RFC 6891 §5), a name over 255 octets or
    /// a message over <see cref="MaxLength"/> gives false and the reason.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, out MdnsMessage? message, out string error)
    {
        message = null;
        if (data.Length > MaxLength) { error = $"longer than {MaxLength} bytes (RFC 6762 §17)"; return false; }
        if (data.Length < HeaderLength) { error = $"shorter than the {HeaderLength}-byte header (RFC 1035 §4.1.1)"; return false; }
        var id = BinaryPrimitives.ReadUInt16BigEndian(data);
        var flags = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        int qd = BinaryPrimitives.ReadUInt16BigEndian(data[4..]), an = BinaryPrimitives.ReadUInt16BigEndian(data[6..]),
            ns = BinaryPrimitives.ReadUInt16BigEndian(data[8..]), ar = BinaryPrimitives.ReadUInt16BigEndian(data[10..]);
        // A question takes at least 5 bytes, a record 11: counts the data cannot hold are refused before any allocation.
        if ((long)qd * 5 + (long)(an + ns + ar) * 11 > data.Length - HeaderLength) { error = "the section counts do not fit in the message"; return false; }
        var offset = HeaderLength;
        var questions = new List<MdnsQuestion>(qd);
        for (var i = 0; i < qd; i++)
        {
            if (!TryReadName(data, ref offset, out var name, out error)) return false;
            if (offset + 4 > data.Length) { error = "a question ends early"; return false; }
            var type = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
            var qclass = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]);
            offset += 4;
            questions.Add(new MdnsQuestion(name, type, (qclass & TopBit) != 0));
        }
        var records = new List<MdnsRecord>(an + ns + ar);
        for (var i = 0; i < an + ns + ar; i++)
        {
            if (!TryReadName(data, ref offset, out var name, out error)) return false;
            if (offset + 10 > data.Length) { error = "a record ends early"; return false; }
            var type = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
            var rclass = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]);
            var ttl = BinaryPrimitives.ReadUInt32BigEndian(data[(offset + 4)..]);
            var rdLength = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 8)..]);
            offset += 10;
            if (offset + rdLength > data.Length) { error = $"the RDATA of '{name}' runs past the end"; return false; }
            var rdata = data.Slice(offset, rdLength);
            offset += rdLength;
            IPAddress? address = (type, rdLength) switch
            {
                (MdnsRecordTypes.A, 4) or (MdnsRecordTypes.Aaaa, 16) => new IPAddress(rdata),
                _ => null,
            };
            records.Add(new MdnsRecord(name, type, (rclass & TopBit) != 0, ttl, address));
        }
        message = new MdnsMessage(id, (flags & TopBit) != 0, questions, records, an);
        error = "";
        return true;
    }

    /// <summary>RFC 1035 §4.1.4: labels, ending in a zero octet or a pointer (top two bits set) to an earlier name.</summary>
    private static bool TryReadName(ReadOnlySpan<byte> data, ref int offset, out string name, out string error)
    {
        name = "";
        var text = new StringBuilder();
        var position = offset;
        var wireLength = 1;
        int? resumeAt = null;
        while (true)
        {
            if (position >= data.Length) { error = "a name runs past the end"; return false; }
            var length = data[position];
            if ((length & 0xC0) == 0xC0)
            {
                if (position + 1 >= data.Length) { error = "a compression pointer is cut off"; return false; }
                var target = ((length & 0x3F) << 8) | data[position + 1];
                // Only backwards, and each jump strictly before the last one: a loop cannot be written.
                if (target >= position) { error = $"a compression pointer at {position} does not point back (to {target})"; return false; }
                resumeAt ??= position + 2;
                position = target;
                continue;
            }
            if ((length & 0xC0) != 0) { error = $"label type 0x{length & 0xC0:x2} at {position} is not a length or a pointer (RFC 6891 §5)"; return false; }
            if (length == 0) { position++; break; }
            wireLength += length + 1;
            if (wireLength > MaxNameLength) { error = $"a name is longer than {MaxNameLength} octets (RFC 1035 §2.3.4)"; return false; }
            if (position + 1 + length > data.Length) { error = "a label runs past the end"; return false; }
            if (text.Length > 0) text.Append('.');
            text.Append(Encoding.UTF8.GetString(data.Slice(position + 1, length)));
            position += 1 + length;
        }
        offset = resumeAt ?? position;
        name = text.ToString();
        error = "";
        return true;
    }
}
