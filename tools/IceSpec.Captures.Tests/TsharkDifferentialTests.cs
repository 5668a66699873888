using System.Buffers.Binary;
using IceSpec.Stun;

namespace IceSpec.Captures.Tests;

/// <summary>
/// For every capture in pcaps/, pcaps/broken/ and pcaps/lab/ (the NAT lab's, with Linux cooked headers), our decoding and tshark's (Wireshark 4.0's STUN/TURN dissector) agree frame by frame on
/// which frames carry STUN/ChannelData and, per frame, on every field below (tshark joins a frame's several messages
/// with commas; so do we). Classic STUN (RFC 3489) is a protocol of its own in Wireshark ("classicstun", the messages
/// without magic cookie): its fields are compared with our <see cref="CapturedKind.ClassicStun"/> messages.
/// </summary>
[Trait("Category", "interop")]
public class TsharkDifferentialTests
{
    /// <summary>tshark field, and how to compute the same text from one of our messages (null: the message has none).</summary>
    private static readonly (string Field, Func<CapturedMessage, IEnumerable<string>> Ours)[] Fields =
    [
        ("stun.type", m => Header(m, b => $"0x{BinaryPrimitives.ReadUInt16BigEndian(b):x4}")),
        ("stun.id", m => Header(m, b => Convert.ToHexStringLower(b.AsSpan(8, 12)))),
        ("stun.length", m => m.Kind == CapturedKind.ClassicStun ? [] : [$"{BinaryPrimitives.ReadUInt16BigEndian(m.Bytes.AsSpan(2))}"]),
        ("stun.channel", m => m.Channel is { } c ? [$"0x{c:x4}"] : []),
        ("stun.att.type", m => Attributes(m).Select(a => $"0x{a.Type:x4}")),
        ("stun.att.username", m => Values(m, 0x0006, v => System.Text.Encoding.UTF8.GetString(v))),
        ("stun.att.realm", m => Values(m, 0x0014, v => System.Text.Encoding.UTF8.GetString(v))),
        ("stun.att.nonce", m => Values(m, 0x0015, v => System.Text.Encoding.UTF8.GetString(v))),
        ("stun.att.lifetime", m => Values(m, 0x000D, v => $"{BinaryPrimitives.ReadUInt32BigEndian(v)}")),
        ("stun.att.channelnum", m => Values(m, 0x000C, v => $"0x{BinaryPrimitives.ReadUInt16BigEndian(v):x4}")),
        ("stun.att.error.class", m => Values(m, 0x0009, v => $"{v[2] & 7}")),
        ("stun.att.error", m => Values(m, 0x0009, v => $"{v[3]}")),
        ("stun.att.ipv4", m => Addresses(m, family: 1, port: false)),
        ("stun.att.ipv6", m => Addresses(m, family: 2, port: false)),
        ("stun.att.port", m => Addresses(m, family: 0, port: true)),
        ("stun.att.priority", m => Values(m, 0x0024, v => $"{BinaryPrimitives.ReadUInt32BigEndian(v)}")),
        ("stun.att.tie-breaker", m => Values(m, 0x8029, Convert.ToHexStringLower).Concat(Values(m, 0x802A, Convert.ToHexStringLower))),
        ("stun.att.crc32", m => Values(m, 0x8028, v => $"0x{BinaryPrimitives.ReadUInt32BigEndian(v):x8}")),
        // Wireshark's fingerprint check: 1 when the CRC matches, 0 when not; ours is StunIntegrity.VerifyFingerprint.
        ("stun.att.crc32.status", m => Attributes(m).Any(a => a.Type == 0x8028) ? [FingerprintStatus(m)] : []),
        ("classicstun.type", m => Classic(m, b => $"0x{BinaryPrimitives.ReadUInt16BigEndian(b):x4}")),
        ("classicstun.id", m => Classic(m, b => Convert.ToHexStringLower(b.AsSpan(4, 16)))),
        // Wireshark shows the classic Message Length in hex ("0x0040"), the RFC 5389 one in decimal.
        ("classicstun.length", m => Classic(m, b => $"0x{BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(2)):x4}")),
        ("classicstun.att.type", m => ClassicAttributes(m).Select(a => $"0x{a.Type:x4}")),
        ("classicstun.att.ipv4", m => ClassicAddresses(m).Where(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork).Select(a => a.Address.ToString())),
        ("classicstun.att.port", m => ClassicAddresses(m).Select(a => $"{a.Port}")),
        ("classicstun.att.change.ip", m => ClassicValues(m, 0x0003, v => (v[3] & 4) != 0 ? "1" : "0")),
        ("classicstun.att.change.port", m => ClassicValues(m, 0x0003, v => (v[3] & 2) != 0 ? "1" : "0")),
        ("classicstun.att.error.class", m => ClassicValues(m, 0x0009, v => $"{v[2] & 7}")),
        ("classicstun.att.error", m => ClassicValues(m, 0x0009, v => $"{v[3]}")),
        // SOFTWARE (RFC 5389 §15.10) is "SERVER" in Wireshark's classic dissector (its rfc3489bis name); coturn pads it with NULs.
        ("classicstun.att.server", m => ClassicValues(m, 0x8022, v => System.Text.Encoding.UTF8.GetString(v).TrimEnd('\0'))),
    ];

    private static string FingerprintStatus(CapturedMessage m)
    {
        StunMessage.TryParse(m.Bytes, out var message);
        return StunIntegrity.VerifyFingerprint(message) == IntegrityStatus.Valid ? "1" : "0";
    }

    /// <summary>
    /// Classic address attributes tshark decodes into classicstun.att.ipv4/port: MAPPED-, RESPONSE-, SOURCE-,
    /// CHANGED-ADDRESS and REFLECTED-FROM (RFC 3489 §11.2). Not XOR-MAPPED-ADDRESS: Wireshark 4.0's classic dissector
    /// knows it only at the rfc3489bis drafts' 0x8020 and shows stund's 0x0020 as "Unknown" with no address, while we
    /// decode it (<see cref="ClassicStun.TryReadAddress"/>; DecoderTests checks its value against MAPPED-ADDRESS).
    /// </summary>
    private static readonly ushort[] ClassicPlainAddressTypes = [0x0001, 0x0002, 0x0004, 0x0005, 0x000B];

    /// <summary>Address attributes tshark decodes into stun.att.ipv4/ipv6/port (XOR-ed ones un-XOR-ed).</summary>
    private static readonly Dictionary<ushort, bool> AddressTypes = new()
    {
        [0x0001] = false, // MAPPED-ADDRESS
        [0x0012] = true,  // XOR-PEER-ADDRESS
        [0x0016] = true,  // XOR-RELAYED-ADDRESS
        [0x0020] = true,  // XOR-MAPPED-ADDRESS
        [0x802B] = false, // RESPONSE-ORIGIN
        [0x802C] = false, // OTHER-ADDRESS
    };

    public static TheoryData<string> Captures()
    {
        var data = new TheoryData<string>();
        foreach (var dir in new[] { Frames.Pcaps, Path.Combine(Frames.Pcaps, "broken"), Path.Combine(Frames.Pcaps, "lab") })
            foreach (var file in Directory.GetFiles(dir).Where(f => f.EndsWith(".pcap") || f.EndsWith(".pcapng")).Order())
                data.Add(Path.GetRelativePath(Frames.Pcaps, file));
        return data;
    }

    [Fact]
    public void The_corpus_has_the_three_coturn_captures()
    {
        var names = Directory.GetFiles(Frames.Pcaps).Select(f => Path.GetFileName(f)).ToList();
        Assert.Contains("coturn-uclient-udp.pcap", names);
        Assert.Contains("coturn-uclient-tcp.pcap", names);
        Assert.Contains("coturn-stunclient.pcap", names);
        foreach (var name in names) Assert.True(new FileInfo(Path.Combine(Frames.Pcaps, name)).Length < 200_000, name + " is over 200 kB");
    }

    /// <summary>
    /// libnice-tcp.pcapng (ICE-TCP, RFC 4571 framing): after the three 14-byte application-data frames on the
    /// connection 58783 → 40003 (frames 24–26, not STUN), Wireshark takes the next segment for the rest of a PDU it
    /// could not dissect and shows frame 34 — the Binding success answering frame 28's check — as TCP only.
    /// </summary>
    private static readonly (string Capture, int Frame)[] TsharkMisses = [("libnice-tcp.pcapng", 34)];

    [Fact]
    public void The_frame_tshark_misses_in_the_ice_tcp_capture_answers_the_check_of_frame_28()
    {
        var messages = CaptureFile.Read(Path.Combine(Frames.Pcaps, "libnice-tcp.pcapng")).Messages;
        var check = Assert.Single(messages, m => m.Frame == 28);
        var answer = Assert.Single(messages, m => m.Frame == 34);
        Assert.Equal((check.Source, check.Destination), (answer.Destination, answer.Source));
        Assert.Equal(0x0101, BinaryPrimitives.ReadUInt16BigEndian(answer.Bytes));
        Assert.Equal(check.Bytes.AsSpan(8, 12).ToArray(), answer.Bytes.AsSpan(8, 12).ToArray());
    }

    [Theory]
    [MemberData(nameof(Captures))]
    public void Our_decoding_equals_tsharks(string name) => AssertDecodingEqualsTsharks(Path.Combine(Frames.Pcaps, name));

    /// <summary>Decodes <paramref name="path"/> with us and with tshark and compares every field of every frame.</summary>
    internal static void AssertDecodingEqualsTsharks(string path)
    {
        var name = Path.GetFileName(path);
        var theirs = RunTshark(path);
        var capture = CaptureFile.Read(path);
        Assert.Null(capture.Error);
        // Wireshark does not dissect STUN inside a Send/Data indication's DATA or inside ChannelData: those are ours alone.
        var ours = capture.Messages.Where(m => m.Relay is null).GroupBy(m => m.Frame).ToDictionary(
            g => g.Key, g => Fields.Select(f => string.Join(",", g.SelectMany(f.Ours))).ToArray());

        Assert.NotEmpty(theirs);
        // Frames tshark 4.0 misses and we read, each checked on its own below: not a licence to differ elsewhere.
        var missedByTshark = TsharkMisses.Where(m => m.Capture == name).Select(m => m.Frame).ToHashSet();
        Assert.Equal(theirs.Keys.Order(), ours.Keys.Where(f => !missedByTshark.Contains(f)).Order());
        Assert.All(missedByTshark, f => Assert.True(ours.ContainsKey(f), $"{name} frame {f}: listed as missed by tshark, but we do not read it either"));
        foreach (var (frame, expected) in theirs)
            for (var i = 0; i < Fields.Length; i++)
                Assert.True(expected[i] == ours[frame][i],
                    $"{name} frame {frame} {Fields[i].Field}: tshark '{expected[i]}', ours '{ours[frame][i]}'");
    }

    private static Dictionary<int, string[]> RunTshark(string path) =>
        TsharkFields.Read(path, "stun || classicstun", ["frame.number", .. Fields.Select(f => f.Field)], "-o", "udp.try_heuristic_first:TRUE", "-o", "tcp.try_heuristic_first:TRUE")
            .ToDictionary(cells => int.Parse(cells[0]), cells => cells.Skip(1).ToArray());

    private static IEnumerable<string> Header(CapturedMessage m, Func<byte[], string> read) =>
        m.Kind == CapturedKind.Stun ? [read(m.Bytes)] : [];

    private static List<(ushort Type, byte[] Value)> Attributes(CapturedMessage m)
    {
        var list = new List<(ushort, byte[])>();
        if (m.Kind != CapturedKind.Stun || StunMessage.TryParse(m.Bytes, out var message) != StunParseStatus.Ok) return list;
        foreach (var attribute in message.Attributes) list.Add((attribute.Type, attribute.Value.ToArray()));
        return list;
    }

    private static IEnumerable<string> Classic(CapturedMessage m, Func<byte[], string> read) =>
        m.Kind == CapturedKind.ClassicStun ? [read(m.Bytes)] : [];

    private static List<(int Offset, ushort Type, byte[] Value)> ClassicAttributes(CapturedMessage m) =>
        m.Kind == CapturedKind.ClassicStun ? ClassicStun.Attributes(m.Bytes) : [];

    private static IEnumerable<string> ClassicValues(CapturedMessage m, ushort type, Func<byte[], string> read) =>
        ClassicAttributes(m).Where(a => a.Type == type).Select(a => read(a.Value));

    private static IEnumerable<System.Net.IPEndPoint> ClassicAddresses(CapturedMessage m)
    {
        foreach (var (_, type, value) in ClassicAttributes(m))
            if (ClassicPlainAddressTypes.Contains(type) && ClassicStun.TryReadAddress(type, value, m.Bytes.AsSpan(4, 16), out var address))
                yield return address;
    }

    private static IEnumerable<string> Values(CapturedMessage m, ushort type, Func<byte[], string> read) =>
        Attributes(m).Where(a => a.Type == type).Select(a => read(a.Value));

    /// <summary>family 0: every address attribute's port; 1/2: the IPv4/IPv6 addresses.</summary>
    private static IEnumerable<string> Addresses(CapturedMessage m, int family, bool port)
    {
        foreach (var (type, value) in Attributes(m))
        {
            if (!AddressTypes.TryGetValue(type, out var xor) || value.Length < 8) continue;
            if (family != 0 && value[1] != family) continue;
            var p = BinaryPrimitives.ReadUInt16BigEndian(value.AsSpan(2));
            if (xor) p ^= 0x2112;
            if (port)
            {
                yield return $"{p}";
                continue;
            }
            var address = value[4..(value[1] == 1 ? 8 : 20)];
            if (xor)
            {
                var mask = new byte[16];
                BinaryPrimitives.WriteUInt32BigEndian(mask, Frames.Cookie);
                m.Bytes.AsSpan(8, 12).CopyTo(mask.AsSpan(4));
                for (var i = 0; i < address.Length; i++) address[i] ^= mask[i];
            }
            yield return new System.Net.IPAddress(address).ToString();
        }
    }
}
