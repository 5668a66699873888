using System.Text.Json;
using IceSpec.Cli;

namespace IceSpec.Captures.Tests;

/// <summary>
/// <c>icespec decode</c> on the mDNS captures of pcaps/mdns/ (aioice 0.8.0 on one bridge; the expected frames and values
/// were read with tshark from the files, see pcaps/mdns/README.md): each mDNS frame in its own form, in order with the
/// STUN messages, in text and JSON; --method mdns keeps them alone; a malformed one fails the run with its reason.
/// </summary>
[Trait("Category", "unit")]
public sealed class MdnsDecodeCommandTests : IDisposable
{
    private static readonly string Resolved = Path.Combine(Frames.Pcaps, "mdns", "aioice-mdns-resolved.pcapng");
    private const string ControllingName = "aeb8c09a-0e91-4133-bc33-6a72a69d02f6.local";
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-mdns-decode-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliInProcess.Run(args);

    [Fact]
    public void Text_shows_the_query_and_the_answer_that_resolved_the_controlling_agents_name()
    {
        var (code, output, _) = Run("decode", Resolved);
        Assert.Equal(ExitCodes.Ok, code);
        // tshark: frame 2 10.77.0.2 → 224.0.0.251 "Standard query 0x0000 A aeb8….local, QM"; frame 3 10.77.0.1 → 224.0.0.251
        // "Standard query response 0x0000 A, cache flush 10.77.0.1" (TTL 120).
        Assert.Contains($"frame 2  2026-12-07T11:42:38.678758Z  UDP  10.77.0.2:5353 → 224.0.0.251:5353  multicast\nmDNS query  id 0x0000\n  question  {ControllingName}  A  QM\n", output);
        Assert.Contains($"frame 3  2026-12-07T11:42:38.679088Z  UDP  10.77.0.1:5353 → 224.0.0.251:5353  multicast\nmDNS response  id 0x0000\n  answer  {ControllingName}  A  10.77.0.1  TTL 120  cache-flush\n", output);
        // In capture order with the STUN check of frame 6.
        Assert.True(output.IndexOf("frame 3 ", StringComparison.Ordinal) < output.IndexOf("frame 6 ", StringComparison.Ordinal));
    }

    [Fact]
    public void Json_and_the_mdns_method_filter_give_the_four_mdns_frames_alone()
    {
        var (code, output, _) = Run("decode", Resolved, "--json", "--method", "mdns");
        Assert.Equal(ExitCodes.Ok, code);
        var frames = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([2, 3, 10, 11], frames.Select(f => f.GetProperty("frame").GetInt32()));
        Assert.All(frames, f => Assert.Equal("mdns", f.GetProperty("kind").GetString()));
        var answer = frames[1].GetProperty("records")[0];
        Assert.Equal((ControllingName, "A", 120, true, "10.77.0.1"),
            (answer.GetProperty("name").GetString(), answer.GetProperty("type").GetString(), answer.GetProperty("ttl").GetInt32(),
             answer.GetProperty("cacheFlush").GetBoolean(), answer.GetProperty("address").GetString()));
        Assert.False(frames[0].GetProperty("questions")[0].GetProperty("unicastResponse").GetBoolean());
    }

    [Fact]
    public void A_malformed_mdns_datagram_is_shown_with_its_reason_and_fails_the_run()
    {
        var path = Path.Combine(_directory, "cut.pcap");
        Frames.WritePcap(path, Frames.Udp(System.Net.IPEndPoint.Parse("10.0.1.1:5353"), System.Net.IPEndPoint.Parse("224.0.0.251:5353"),
            MdnsWire.Query("abc.local")[..14]));
        var (code, output, error) = Run("decode", path);
        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("mDNS  malformed: question 1: name at offset 12: a 3-byte label runs past the end of the message", output);
        Assert.Contains("note: frame 1: UDP 10.0.1.1:5353 → 224.0.0.251:5353: malformed mDNS message", error);
    }
}
