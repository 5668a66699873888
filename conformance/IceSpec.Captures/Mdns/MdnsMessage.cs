using System.Buffers.Binary;
using System.Net;
using System.Text;

namespace IceSpec.Captures.Mdns;

/// <summary>A question of an mDNS query: the name, its type, and the QU bit (RFC 6762 §5.4: a unicast reply is asked for).</summary>
public sealed record MdnsQuestion(string Name, ushort Type, bool UnicastResponse)
{
    public string TypeName => MdnsMessage.TypeName(Type);
}

/// <summary>The section of a DNS message a resource record is in (RFC 1035 §4.1).</summary>
public enum MdnsSection { Answer, Authority, Additional }

/// <summary>
/// A resource record of an mDNS message: the name, its type, the cache-flush bit (RFC 6762 §10.2: the top bit of the
/// class), the TTL (0: a goodbye, RFC 6762 §10.1), the address of an A or AAAA record, the target of a PTR/CNAME record.
/// </summary>
public sealed record MdnsRecord(MdnsSection Section, string Name, ushort Type, bool CacheFlush, uint Ttl, IPAddress? Address, string? Target)
{
    public string TypeName => MdnsMessage.TypeName(Type);

    /// <summary>RFC 6762 §10.1: a record with TTL 0 announces that it is no longer valid.</summary>
    public bool IsGoodbye => Ttl == 0;

    /// <summary>
    /// An NSEC record's type bitmap (RFC 4034 §4.1.2; RFC 6762 §6.1: a responder asserts which types the name has, e.g.
    /// A and no AAAA); empty for other records.
    /// </summary>
    public IReadOnlyList<ushort> NsecTypes { get; init; } = [];
}

/// <summary>
/// An mDNS message (RFC 6762) in DNS wire format (RFC 1035 §4.1), read with every length and every compression pointer
/// checked: a truncated or looping message is refused with a reason (<see cref="TryRead"/>), never read past its end.
/// <code>
/// RFC 1035 §4.1.1 header:
///                                 1  1  1  1  1  1
///   0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// |                      ID                       |
/// |QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |
/// |                    QDCOUNT                    |
/// |                    ANCOUNT                    |
/// |                    NSCOUNT                    |
/// |                    ARCOUNT                    |
/// +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
/// §4.1.2 question: QNAME | QTYPE (16) | QCLASS (16; mDNS: top bit = QU, RFC 6762 §5.4)
/// §4.1.3 record:   NAME | TYPE (16) | CLASS (16; mDNS: top bit = cache-flush, RFC 6762 §10.2) | TTL (32) | RDLENGTH (16) | RDATA
/// </code>
/// </summary>
public sealed record MdnsMessage(ushort Id, bool IsResponse, byte Opcode, bool Truncated, IReadOnlyList<MdnsQuestion> Questions,
    IReadOnlyList<MdnsRecord> Records)
{
    /// <summary>The UDP port of mDNS (RFC 6762 §3).</summary>
    public const int Port = 5353;

    /// <summary>The link-local multicast groups of mDNS (RFC 6762 §3): 224.0.0.251 and ff02::fb.</summary>
    public static readonly IPAddress Group4 = IPAddress.Parse("224.0.0.251"), Group6 = IPAddress.Parse("ff02::fb");

    public const ushort TypeA = 1, TypeCname = 5, TypePtr = 12, TypeTxt = 16, TypeAaaa = 28, TypeSrv = 33, TypeNsec = 47, TypeAny = 255;

    private const int HeaderLength = 12;
    private const ushort TopBit = 0x8000;

    /// <summary>RFC 1035 §2.3.4: a name is at most 255 octets on the wire (a label at most 63: the length octet's top bits are 00).</summary>
    private const int MaxNameLength = 255;

    /// <summary>The records of the answer section.</summary>
    public IEnumerable<MdnsRecord> Answers => Records.Where(r => r.Section == MdnsSection.Answer);

    /// <summary>A, AAAA, ANY as Wireshark names them; other types as TYPEnnn (RFC 3597 §5).</summary>
    public static string TypeName(ushort type) => type switch
    {
        TypeA => "A",
        TypeCname => "CNAME",
        TypePtr => "PTR",
        TypeTxt => "TXT",
        TypeAaaa => "AAAA",
        TypeSrv => "SRV",
        TypeNsec => "NSEC",
        TypeAny => "ANY",
        _ => $"TYPE{type}",
    };

    /// <summary>Reads a whole message; false with the reason in <paramref name="error"/> when it is not one.</summary>
    public static bool TryRead(ReadOnlySpan<byte> data, out MdnsMessage message, out string error)
    {
        message = null!;
        if (data.Length < HeaderLength)
        {
            error = $"{data.Length} bytes, shorter than the 12-byte DNS header (RFC 1035 §4.1.1)";
            return false;
        }
        var flags = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        var counts = new int[4];
        for (var i = 0; i < 4; i++) counts[i] = BinaryPrimitives.ReadUInt16BigEndian(data[(4 + 2 * i)..]);
        var offset = HeaderLength;
        var questions = new List<MdnsQuestion>();
        for (var i = 0; i < counts[0]; i++)
        {
            if (!TryReadName(data, ref offset, out var name, out error)) return Fail($"question {i + 1}: {error}", out error);
            if (offset + 4 > data.Length) return Fail($"question {i + 1} ({name}): ends before its type and class", out error);
            var qclass = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]);
            questions.Add(new MdnsQuestion(name, BinaryPrimitives.ReadUInt16BigEndian(data[offset..]), (qclass & TopBit) != 0));
            offset += 4;
        }
        var records = new List<MdnsRecord>();
        MdnsSection[] sections = [MdnsSection.Answer, MdnsSection.Authority, MdnsSection.Additional];
        for (var s = 0; s < sections.Length; s++)
            for (var i = 0; i < counts[s + 1]; i++)
            {
                if (!TryReadRecord(data, ref offset, sections[s], out var record, out error))
                    return Fail($"{sections[s].ToString().ToLowerInvariant()} record {i + 1}: {error}", out error);
                records.Add(record);
            }
        message = new MdnsMessage(BinaryPrimitives.ReadUInt16BigEndian(data), (flags & TopBit) != 0, (byte)(flags >> 11 & 0xF),
            (flags & 0x0200) != 0, questions, records);
        error = "";
        return true;
    }

    private static bool Fail(string reason, out string error)
    {
        error = reason;
        return false;
    }

    private static bool TryReadRecord(ReadOnlySpan<byte> data, ref int offset, MdnsSection section, out MdnsRecord record, out string error)
    {
        record = null!;
        if (!TryReadName(data, ref offset, out var name, out error)) return false;
        const int fixedLength = 10; // TYPE, CLASS, TTL, RDLENGTH
        if (offset + fixedLength > data.Length) return Fail($"{name}: ends before its type, class, TTL and length", out error);
        var type = BinaryPrimitives.ReadUInt16BigEndian(data[offset..]);
        var rclass = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 2)..]);
        var ttl = BinaryPrimitives.ReadUInt32BigEndian(data[(offset + 4)..]);
        int length = BinaryPrimitives.ReadUInt16BigEndian(data[(offset + 8)..]);
        offset += fixedLength;
        if (offset + length > data.Length)
            return Fail($"{name}: RDLENGTH {length} runs {offset + length - data.Length} bytes past the end of the message", out error);
        var rdata = data.Slice(offset, length);
        IPAddress? address = null;
        string? target = null;
        if (type is TypeA or TypeAaaa)
        {
            var expected = type == TypeA ? 4 : 16;
            if (length != expected) return Fail($"{name}: {TypeName(type)} record with {length} bytes of address (RFC 1035 §3.4.1, RFC 3596 §2.2: {expected})", out error);
            address = new IPAddress(rdata);
        }
        else if (type is TypePtr or TypeCname)
        {
            // The target may be compressed against the whole message (RFC 1035 §4.1.4); it must stay within RDATA.
            var at = offset;
            if (!TryReadName(data, ref at, out var name2, out error)) return Fail($"{name}: {TypeName(type)} target: {error}", out error);
            if (at > offset + length) return Fail($"{name}: {TypeName(type)} target runs past RDLENGTH", out error);
            target = name2;
        }
        IReadOnlyList<ushort> nsecTypes = [];
        if (type == TypeNsec)
        {
            // RFC 4034 §4.1: Next Domain Name, then the Type Bit Maps: blocks of Window Block # (8) | Bitmap Length (8, 1-32) | Bitmap.
            var at = offset;
            if (!TryReadName(data, ref at, out _, out error)) return Fail($"{name}: NSEC next domain name: {error}", out error);
            if (at > offset + length) return Fail($"{name}: NSEC next domain name runs past RDLENGTH", out error);
            if (!TryReadTypeBitmap(data[at..(offset + length)], out nsecTypes))
                return Fail($"{name}: NSEC type bitmap does not fill RDLENGTH (RFC 4034 §4.1.2)", out error);
        }
        offset += length;
        record = new MdnsRecord(section, name, type, (rclass & TopBit) != 0, ttl, address, target) { NsecTypes = nsecTypes };
        return true;
    }

    /// <summary>The types an NSEC bitmap sets (RFC 4034 §4.1.2: window w, bit b of the bitmap = type w·256 + b); false when it is cut.</summary>
    private static bool TryReadTypeBitmap(ReadOnlySpan<byte> bitmaps, out IReadOnlyList<ushort> types)
    {
        var list = new List<ushort>();
        types = list;
        while (!bitmaps.IsEmpty)
        {
            if (bitmaps.Length < 2 || bitmaps[1] is 0 or > 32 || bitmaps.Length < 2 + bitmaps[1]) return false;
            for (var i = 0; i < bitmaps[1]; i++)
                for (var bit = 0; bit < 8; bit++)
                    if ((bitmaps[2 + i] & (0x80 >> bit)) != 0) list.Add((ushort)(bitmaps[0] * 256 + i * 8 + bit));
            bitmaps = bitmaps[(2 + bitmaps[1])..];
        }
        return true;
    }

    /// <summary>
    /// RFC 1035 §4.1.4: a name is a sequence of labels (a length octet 1-63, then that many octets) ending in a zero octet
    /// or in a pointer (two octets, top bits 11: the offset of the rest of the name in the message). A pointer must point
    /// before the label it replaces (Wireshark's and most resolvers' rule), so that a chain of pointers cannot loop.
    /// <paramref name="offset"/> moves past the name as it stands in place (a pointer ends it).
    /// </summary>
    private static bool TryReadName(ReadOnlySpan<byte> data, ref int offset, out string name, out string error)
    {
        var text = new StringBuilder();
        var at = offset;
        var limit = at; // a pointer must point before this
        var jumped = false;
        var wireLength = 1;
        while (true)
        {
            if (at >= data.Length) { name = ""; return Fail($"name at offset {offset} runs past the end of the message", out error); }
            var length = data[at];
            if ((length & 0xC0) == 0xC0)
            {
                if (at + 1 >= data.Length) { name = ""; return Fail($"name at offset {offset}: compression pointer cut off", out error); }
                var target = (length & 0x3F) << 8 | data[at + 1];
                if (!jumped) offset = at + 2;
                if (target >= limit)
                {
                    name = "";
                    return Fail($"name at offset {offset}: compression pointer to offset {target} does not point back (a loop, RFC 1035 §4.1.4)", out error);
                }
                jumped = true;
                at = limit = target;
                continue;
            }
            if ((length & 0xC0) != 0) { name = ""; return Fail($"name at offset {offset}: label type 0x{length & 0xC0:X2} is not defined (RFC 1035 §4.1.4, RFC 6891 §5)", out error); }
            if (length == 0)
            {
                if (!jumped) offset = at + 1;
                break;
            }
            if (at + 1 + length > data.Length) { name = ""; return Fail($"name at offset {offset}: a {length}-byte label runs past the end of the message", out error); }
            wireLength += 1 + length;
            if (wireLength > MaxNameLength) { name = ""; return Fail($"name at offset {offset} is longer than {MaxNameLength} bytes (RFC 1035 §2.3.4)", out error); }
            if (text.Length > 0) text.Append('.');
            AppendLabel(text, data.Slice(at + 1, length));
            at += 1 + length;
        }
        name = text.Length == 0 ? "." : text.ToString();
        error = "";
        return true;
    }

    /// <summary>A label as text (RFC 6762 §16: UTF-8); dots and bytes that are not printable escaped as Wireshark does (\. and \DDD).</summary>
    private static void AppendLabel(StringBuilder text, ReadOnlySpan<byte> label)
    {
        var decoded = Encoding.UTF8.GetString(label);
        foreach (var c in decoded)
        {
            if (c == '.') text.Append("\\.");
            else if (char.IsControl(c)) text.Append('\\').Append(((int)c).ToString("D3", System.Globalization.CultureInfo.InvariantCulture));
            else text.Append(c);
        }
    }
}
