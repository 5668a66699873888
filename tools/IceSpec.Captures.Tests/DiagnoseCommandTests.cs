using System.Text.Json;
using IceSpec.Cli;

namespace IceSpec.Captures.Tests;

/// <summary><c>icespec diagnose</c> on the command line (text, JSON, labels, exit codes, bad input) and the diagnosis section of <c>icespec analyze</c>.</summary>
[Trait("Category", "unit")]
public class DiagnoseCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        var code = CliApp.Run(args, new StringReader(""), stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string Broken(string name, string extension) => Path.Combine(Frames.Pcaps, "broken", name + extension);
    private static string Lab(string side, string extension) => Path.Combine(Frames.Pcaps, "lab", $"both-symmetric-turn-icespec-libnice-{side}{extension}");

    [Fact]
    public void A_failed_nomination_is_a_cause_with_its_frame_and_exit_code_1()
    {
        var (code, output, error) = Run("diagnose", Broken("aioice-asymmetric-response", ".pcapng"), "--credentials", Broken("aioice-asymmetric-response", ".credentials"));
        Assert.Equal("", error);
        Assert.Equal(ExitCodes.Failed, code);
        Assert.Contains("1. [cause] the controlling agent (AioC) tried to nominate", output);
        Assert.Contains("nomination-failed · RFC 8445 §8.1.1, §7.2.5.3.4 · frame 1", output);
    }

    [Fact]
    public void Two_captures_are_labelled_and_merged_into_one_json_diagnosis()
    {
        var (code, output, error) = Run("diagnose", "controlling=" + Lab("controlling", ".pcapng"), "controlled=" + Lab("controlled", ".pcapng"),
            "--json", "--credentials", Lab("controlled", ".credentials"));
        Assert.Equal("", error);
        Assert.Equal(ExitCodes.Ok, code);
        var json = JsonDocument.Parse(output).RootElement;
        Assert.Equal(["controlling", "controlled"], json.GetProperty("captures").EnumerateArray().Select(c => c.GetString()!));
        Assert.StartsWith("connected", json.GetProperty("summary").GetString());
        // The controlled agent's check through its relay arrives at the controlling host inside a Data indication.
        var pairs = json.GetProperty("pairs").EnumerateArray().ToList();
        Assert.Contains(pairs, p => p.GetProperty("frames")[0].GetProperty("capture").GetString() == "controlled" && p.GetProperty("outcome").GetString() == "succeeded");
    }

    [Fact]
    public void Bad_input_is_a_usage_error_naming_it()
    {
        var missing = Run("diagnose", "/nonexistent/x.pcap");
        Assert.Equal(ExitCodes.Usage, missing.Code);
        Assert.Contains("/nonexistent/x.pcap: no such file", missing.Err);
        var twice = Run("diagnose", Lab("controlling", ".pcapng"), Lab("controlling", ".pcapng"));
        Assert.Equal(ExitCodes.Usage, twice.Code);
        Assert.Contains("two captures are labelled 'both-symmetric-turn-icespec-libnice-controlling.pcapng': name them LABEL=PATH", twice.Err);
    }

    [Fact]
    public void Analyze_ends_with_the_diagnosis_in_text_json_and_html()
    {
        var capture = Broken("aioice-check-after-failure", ".pcapng");
        var credentials = Broken("aioice-check-after-failure", ".credentials");
        var text = Run("analyze", capture, "--credentials", credentials);
        Assert.Contains("diagnosis of aioice-check-after-failure.pcapng: checks succeeded, no pair nominated", text.Out);
        var json = JsonDocument.Parse(Run("analyze", capture, "--json", "--credentials", credentials).Out).RootElement;
        Assert.Equal("nomination-failed", json.GetProperty("diagnosis").GetProperty("findings")[0].GetProperty("kind").GetString());
        Assert.Equal("cause", json.GetProperty("diagnosis").GetProperty("findings")[0].GetProperty("severity").GetString());
        var html = Path.GetTempFileName();
        try
        {
            Run("analyze", capture, "--credentials", credentials, "--html", html);
            Assert.Contains("<h2>Diagnosis</h2>", File.ReadAllText(html));
            Assert.Contains("<code>nomination-failed</code>", File.ReadAllText(html));
        }
        finally
        {
            File.Delete(html);
        }
        // A capture of no session (a lone Binding exchange) says so instead.
        Assert.Contains("diagnosis: none (no ICE checks, no TURN allocation and no mDNS names in the capture)", Run("analyze", Path.Combine(Frames.Pcaps, "coturn-stunclient.pcap")).Out);
    }
}
