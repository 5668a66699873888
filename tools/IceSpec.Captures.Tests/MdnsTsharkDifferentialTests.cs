using System.Net;
using IceSpec.Captures.Mdns;

namespace IceSpec.Captures.Tests;

/// <summary>
/// Our mDNS reading and tshark's (Wireshark 4.0's mDNS dissector, the DNS fields) agree frame by frame, on the real
/// captures of pcaps/mdns/ and on a capture of edge cases written from the RFC layouts (<see cref="MdnsWire"/>): which
/// frames are mDNS, query or response, each question's name, type and QU bit (RFC 6762 §5.4), each record's name, type,
/// TTL, cache-flush bit (§10.2) and address or PTR target. The malformed frames are ours to refuse and Wireshark's to
/// mark malformed.
/// </summary>
[Trait("Category", "interop")]
public sealed class MdnsTsharkDifferentialTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-mdns-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static readonly (string Field, Func<MdnsMessage, IEnumerable<string>> Ours)[] Fields =
    [
        ("dns.flags.response", m => [m.IsResponse ? "1" : "0"]),
        ("dns.qry.name", m => m.Questions.Select(q => q.Name)),
        ("dns.qry.type", m => m.Questions.Select(q => $"{q.Type}")),
        ("dns.qry.qu", m => m.Questions.Select(q => q.UnicastResponse ? "1" : "0")),
        ("dns.resp.name", m => m.Records.Select(r => r.Name)),
        // Wireshark files an NSEC record's bitmap types ("RR type in bit map") under dns.resp.type too, after the record's own.
        ("dns.resp.type", m => m.Records.SelectMany(r => r.NsecTypes.Prepend(r.Type)).Select(t => $"{t}")),
        ("dns.resp.ttl", m => m.Records.Select(r => $"{r.Ttl}")),
        ("dns.resp.cache_flush", m => m.Records.Select(r => r.CacheFlush ? "1" : "0")),
        ("dns.a", m => m.Records.Where(r => r.Type == MdnsMessage.TypeA).Select(r => r.Address!.ToString())),
        ("dns.aaaa", m => m.Records.Where(r => r.Type == MdnsMessage.TypeAaaa).Select(r => r.Address!.ToString())),
        ("dns.ptr.domain_name", m => m.Records.Where(r => r.Type == MdnsMessage.TypePtr).Select(r => r.Target!)),
    ];

    private const string Name = "3f1c5b2e-8d4a-4f6b-9c1d-2e7a9b0c4d5e.local";

    public static TheoryData<string> RealCaptures()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(Frames.Pcaps, "mdns"), "*.pcapng").Order()) data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(RealCaptures))]
    public void Our_mdns_decoding_of_the_real_captures_equals_tsharks(string name)
    {
        var frames = AssertEqualsTsharks(Path.Combine(Frames.Pcaps, "mdns", name));
        Assert.True(frames >= 3, $"{name}: only {frames} mDNS frames");
    }

    [Fact]
    public void Our_mdns_decoding_of_the_edge_cases_equals_tsharks()
    {
        var querier = IPEndPoint.Parse("10.0.1.1:40000");
        var group = IPEndPoint.Parse("224.0.0.251:5353");
        var responder = IPEndPoint.Parse("10.0.1.2:5353");
        var ptrQuestion = MdnsWire.Question(MdnsWire.Name("_x._udp.local"), MdnsMessage.TypePtr, false);
        var path = Path.Combine(_directory, "edge.pcap");
        Frames.WritePcap(path,
            // A one-shot query from an ephemeral port (RFC 6762 §5.1), QM.
            Frames.Udp(querier, group, MdnsWire.Query(Name)),
            // IPv6, QU, AAAA.
            Frames.Udp(IPEndPoint.Parse("[fe80::1]:5353"), IPEndPoint.Parse("[ff02::fb]:5353"), MdnsWire.Query(Name, MdnsMessage.TypeAaaa, unicastResponse: true), ttl: 255),
            // Two questions, ANY and A.
            Frames.Udp(IPEndPoint.Parse("10.0.1.1:5353"), group, MdnsWire.Concat(MdnsWire.Header(false, 2, 0),
                MdnsWire.Question(MdnsWire.Name(Name), MdnsMessage.TypeAny, true), MdnsWire.Question(MdnsWire.Pointer(12), MdnsMessage.TypeA, false))),
            // Answers (the second compressed), an additional AAAA without cache-flush.
            Frames.Udp(responder, group, MdnsWire.Concat(MdnsWire.Header(true, 0, 2, additional: 1),
                MdnsWire.A(MdnsWire.Name(Name), "10.0.1.2"), MdnsWire.A(MdnsWire.Pointer(12), "10.0.2.2", ttl: 10),
                MdnsWire.Aaaa(MdnsWire.Pointer(12), "fd00::2", cacheFlush: false))),
            // The unicast reply to the one-shot querier (§6.7), and a goodbye (§10.1).
            Frames.Udp(responder, querier, MdnsWire.Response(Name, 10, "10.0.1.2")),
            Frames.Udp(responder, group, MdnsWire.Response(Name, 0, "10.0.1.2")),
            // A PTR record whose name and target are compressed.
            Frames.Udp(responder, group, MdnsWire.Concat(MdnsWire.Header(true, 1, 1), ptrQuestion,
                MdnsWire.Record(MdnsWire.Pointer(12), MdnsMessage.TypePtr, false, 4500, [4, (byte)'h', (byte)'o', (byte)'s', (byte)'t', .. MdnsWire.Pointer(12)]))),
            // Malformed: cut inside the question's name; an A record with 3 bytes of address.
            Frames.Udp(querier, group, MdnsWire.Query(Name)[..30]),
            Frames.Udp(responder, group, MdnsWire.Concat(MdnsWire.Header(true, 0, 1), MdnsWire.Record(MdnsWire.Name(Name), MdnsMessage.TypeA, true, 120, [10, 0, 1]))));
        Assert.Equal(9, AssertEqualsTsharks(path, malformed: [8, 9]));
    }

    /// <summary>Compares every field of every mDNS frame of <paramref name="path"/>; returns how many frames tshark called mDNS.</summary>
    private static int AssertEqualsTsharks(string path, int[]? malformed = null)
    {
        var ours = new Dictionary<int, CapturedMdns>();
        var (_, error) = CaptureFile.Stream(path, _ => { }, mdns: m => ours.Add(m.Frame, m));
        Assert.Null(error);
        var theirs = Tshark(path);
        Assert.Equal(theirs.Keys.Order(), ours.Keys.Order());
        Assert.Equal(malformed ?? [], theirs.Where(t => t.Value.Malformed).Select(t => t.Key).Order());
        Assert.Equal(malformed ?? [], ours.Where(o => o.Value.Message is null).Select(o => o.Key).Order());
        foreach (var (frame, (cells, isMalformed)) in theirs)
        {
            if (isMalformed) continue;
            var message = ours[frame].Message!;
            for (var i = 0; i < Fields.Length; i++)
                Assert.True(cells[i] == string.Join(",", Fields[i].Ours(message)),
                    $"{Path.GetFileName(path)} frame {frame} {Fields[i].Field}: tshark '{cells[i]}', ours '{string.Join(",", Fields[i].Ours(message))}'");
        }
        return theirs.Count;
    }

    private static Dictionary<int, (string[] Cells, bool Malformed)> Tshark(string path) =>
        TsharkFields.Read(path, "mdns", ["frame.number", "_ws.malformed", .. Fields.Select(f => f.Field)])
            .ToDictionary(cells => int.Parse(cells[0]), cells => (cells.Skip(2).ToArray(), cells[1].Length > 0));
}
