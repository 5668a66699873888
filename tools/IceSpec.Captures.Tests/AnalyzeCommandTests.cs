using System.Xml.Linq;
using IceSpec.Cli;

namespace IceSpec.Captures.Tests;

/// <summary><c>icespec analyze</c> run in-process: text, timeline, SVG/HTML diagrams, and bad input.</summary>
[Trait("Category", "unit")]
public class AnalyzeCommandTests
{
    private static string Pcap(string name) => Path.Combine(Frames.Pcaps, name);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliInProcess.Run(args);

    [Fact]
    public void Text_role_conflict_capture_shows_the_487_and_the_role_switch()
    {
        var (code, output, _) = Run("analyze", Pcap("libnice-role-conflict.pcapng"), "--credentials", Pcap("libnice-role-conflict.credentials"), "--timeline");
        Assert.Equal(ExitCodes.Ok, code);
        Assert.Contains("ICE session 1: LnL1 (controlled", output);
        Assert.Contains("InProgress -> Waiting on RoleConflict", output);
        Assert.Matches(@"frame\s+\d+\s+127\.0\.0\.1:\d+\s+→ 127\.0\.0\.1:\d+\s+Binding error 487", output);
        Assert.Contains("violations: none", output);
    }

    [Fact]
    public void Svg_is_well_formed_one_arrow_per_message_violations_marked()
    {
        using var svg = new TempFile(".svg");
        var capture = Pcap("broken/libnice-use-candidate-from-controlled.pcapng");
        var (code, _, _) = Run("analyze", capture, "--svg", svg.Path);
        Assert.Equal(ExitCodes.Failed, code);

        var document = XDocument.Load(svg.Path);
        XNamespace ns = "http://www.w3.org/2000/svg";
        var arrows = document.Descendants(ns + "line").Count(l => l.Attribute("marker-end") is not null);
        Assert.Equal(12, arrows); // the 12 STUN messages of the capture
        Assert.Contains(document.Descendants(ns + "text"), t => t.Value == "⚠ use-candidate-from-controlled");
        Assert.Equal(2, document.Descendants(ns + "rect").Count(r => r.Attribute("rx") is not null)); // two lanes
    }

    [Fact]
    public void Html_lists_each_violation_with_its_rfc_sentence()
    {
        using var html = new TempFile(".html");
        Run("analyze", Pcap("broken/coturn-refresh-after-expiry.pcapng"), "--html", html.Path);
        var page = System.Net.WebUtility.HtmlDecode(File.ReadAllText(html.Path));
        Assert.Contains("<svg", page);
        Assert.Contains("refresh-after-expiry", page);
        Assert.Contains("RFC 8656 §7: when the time-to-expiry reaches 0, the allocation is deleted", page);
        Assert.Contains("s later", page); // the 700 s pause is drawn as a gap row
    }

    [Theory]
    [InlineData("/nonexistent/file.pcap", "no such file")]
    [InlineData("/etc/hostname", "not a readable pcap/pcapng capture")]
    public void Unreadable_file_is_a_usage_error(string path, string message)
    {
        var (code, _, err) = Run("analyze", path);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains(message, err);
    }

    [Fact]
    public void Truncated_capture_is_analysed_up_to_the_break_and_says_so()
    {
        using var cut = new TempFile(".pcap");
        var bytes = File.ReadAllBytes(Pcap("coturn-uclient-udp.pcap"));
        File.WriteAllBytes(cut.Path, bytes[..(bytes.Length / 2)]);
        var (code, output, err) = Run("analyze", cut.Path);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("transactions:", output);
        Assert.Contains("truncated", err);
    }

    [Fact]
    public void Unwritable_diagram_path_is_a_usage_error()
    {
        var (code, _, err) = Run("analyze", Pcap("aioice.pcapng"), "--svg", "/nonexistent/dir/out.svg");
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("cannot write /nonexistent/dir/out.svg", err);
    }
}
