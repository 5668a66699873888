using System.Text.Json;
using IceSpec.Cli;

namespace IceSpec.Captures.Tests;

/// <summary>
/// <c>icespec decode</c> shows the ICMP errors about UDP datagrams of a capture (RFC 792 destination unreachable; RFC 4443
/// §3.1–3.2), in order with the STUN messages: on the corpus captures with such errors (a peer killed, a TURN server
/// restarted, a NAT without hairpinning), the frames, reporters, reasons and quoted ports equal tshark's. They do not
/// change the exit status; --method icmp keeps them alone, --port filters by the quoted datagram's ports.
/// </summary>
[Trait("Category", "unit")]
public sealed class IcmpDecodeCommandTests
{
    private static readonly string PeerKilled = Path.Combine(Frames.Pcaps, "diagnose", "live-peer-killed", "capture.pcapng");

    private static (int Code, string Out, string Err) Run(params string[] args) => CliInProcess.Run(args);

    private static List<JsonElement> Lines(string output) => CliInProcess.JsonLines(output);

    [Theory]
    [InlineData("live-peer-killed/capture.pcapng")]
    [InlineData("live-turn-restart/controlling.pcapng")]
    [InlineData("live-turn-restart/controlled.pcapng")]
    [InlineData("nat-same-nat-hairpin-pion/controlling.pcapng")]
    public void Every_icmp_error_about_a_udp_datagram_equals_tsharks(string capture)
    {
        var path = Path.Combine(Frames.Pcaps, "diagnose", capture);
        // ICMPv4 type 3 code 3 is "port unreachable"; the first ip.src is the reporter, udp.* the quoted datagram's.
        var theirs = TsharkFields.Read(path, "icmp.type == 3 && udp", ["frame.number", "ip.src", "icmp.code", "udp.srcport", "udp.dstport"])
            .Select(c => $"{c[0]} {c[1].Split(',')[0]} {(c[2] == "3" ? "port-unreachable" : "code " + c[2])} {c[3]} {c[4]}").ToList();
        Assert.NotEmpty(theirs);

        var (code, output, _) = Run("decode", path, "--json", "--method", "icmp");

        Assert.Equal(ExitCodes.Ok, code);
        var ours = Lines(output).Select(l => $"{l.GetProperty("frame").GetInt32()} {l.GetProperty("reporter").GetString()} {l.GetProperty("reason").GetString()} " +
            $"{Port(l, "src")} {Port(l, "dst")}").ToList();
        Assert.Equal(theirs, ours);
    }

    private static string Port(JsonElement line, string end) => line.GetProperty("about").GetProperty(end).GetString()!.Split(':')[^1];

    [Fact]
    public void Text_shows_the_reporter_and_the_quoted_datagram_in_order_with_the_stun_messages()
    {
        var (code, output, _) = Run("decode", PeerKilled);

        Assert.Equal(ExitCodes.Ok, code);
        // tshark: frame 16, 127.0.0.1 → 127.0.0.1, "Destination unreachable (Port unreachable)" quoting UDP 44829 → 44522, TTL 64.
        Assert.Contains("frame 16  2026-12-07T09:04:08.635643Z  ICMP port unreachable from 127.0.0.1  about UDP 127.0.0.1:44829 → 127.0.0.1:44522  TTL 64\n", output);
        // Frame 23 is a consent check to the dead port, frame 24 the error it drew, frame 25 the next check.
        var order = new[] { "frame 23 ", "frame 24 ", "frame 25 " }.Select(f => output.IndexOf(f, StringComparison.Ordinal)).ToArray();
        Assert.True(order[0] >= 0 && order[0] < order[1] && order[1] < order[2], string.Join(", ", order));
        Assert.StartsWith("ICMP port unreachable", output[(order[1] + "frame 24  2026-12-07T09:04:11.966110Z  ".Length)..]);
    }

    [Fact]
    public void The_port_filter_matches_the_quoted_datagrams_ports()
    {
        var (_, quoted, _) = Run("decode", PeerKilled, "--json", "--method", "icmp", "--port", "44522");
        var (code, other, error) = Run("decode", PeerKilled, "--json", "--method", "icmp", "--port", "1");

        Assert.Equal(66, Lines(quoted).Count);
        Assert.Equal("", other);
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("no STUN, ChannelData, mDNS or ICMP messages match the filters", error);
    }
}
