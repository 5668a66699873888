using System.CommandLine;
using System.Net;
using IceSpec.Captures;
using IceSpec.Captures.Replay;
using IceSpec.Cli.Analysis;

namespace IceSpec.Cli.Commands;

/// <summary>
/// <c>icespec replay FILE --side A --target HOST:PORT [credentials] [--speed X] [--timeout S] [--max-pause S] [--keep-going]</c>: re-sends
/// side A's requests to a live target and reports the first answer that differs from the capture (see <see cref="Replayer"/>).
/// </summary>
public static class ReplayCommand
{
    public static Command Create(CliConsole console)
    {
        var file = new Argument<string>("file") { Description = "A capture (.pcap or .pcapng)." };
        var side = new Option<string>("--side") { Description = "Whose requests to replay: an address IP:PORT of the capture, or an ICE agent's ufrag.", Required = true };
        var target = new Option<string>("--target") { Description = "Where to send them: HOST:PORT (UDP).", Required = true };
        var speed = new Option<double>("--speed") { Description = "Divide the captured spacing by this (default 1: as captured).", DefaultValueFactory = _ => 1.0 };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for each answer, retransmitting (default 3).", DefaultValueFactory = _ => 3.0 };
        var maxPause = new Option<double>("--max-pause") { Description = "Longest pause between two requests in seconds, whatever the capture says (default 30).", DefaultValueFactory = _ => 30.0 };
        var keepGoing = new Option<bool>("--keep-going") { Description = "Replay every request instead of stopping at the first divergence." };
        var keys = new CredentialOptions();
        var command = new Command("replay", "Re-send one side's requests of a capture to a live target and compare its answers with the capture's.")
        {
            file, side, target, speed, timeout, maxPause, keepGoing,
        };
        foreach (var option in keys.All) command.Options.Add(option);
        command.SetAction(async (parse, cancel) =>
        {
            if (!keys.TryRead(parse, out var credentials, out var error)) return console.UsageError(error);
            if (!TryResolve(parse.GetValue(target)!, out var endpoint)) return console.UsageError($"--target: '{parse.GetValue(target)}' is not HOST:PORT");
            if (parse.GetValue(speed) is not (> 0 and < 1000)) return console.UsageError("--speed must be above 0 and below 1000");
            if (parse.GetValue(timeout) is not (> 0 and <= 60)) return console.UsageError("--timeout must be above 0 and at most 60 seconds");
            if (parse.GetValue(maxPause) is not (>= 0 and <= 3600)) return console.UsageError("--max-pause must be 0 to 3600 seconds");
            CaptureResult capture;
            try
            {
                capture = CaptureFile.Read(parse.GetValue(file)!);
            }
            catch (CaptureException e)
            {
                return console.UsageError(e.Message);
            }
            if (ReplayPlan.Resolve(capture.Messages, parse.GetValue(side)!) is not { } address)
                return console.UsageError($"--side: no address or ICE ufrag '{parse.GetValue(side)}' sends requests in the capture");
            var steps = ReplayPlan.Build(capture.Messages, address, out var skippedTcp);
            if (steps.Count == 0) return console.UsageError($"--side {address}: sends no UDP requests in the capture");
            if (skippedTcp > 0) console.Error.WriteLine($"icespec: {skippedTcp} TCP request(s) of {address} skipped (replay is UDP only)");

            var replayer = new Replayer(endpoint, credentials, TimeSpan.FromSeconds(parse.GetValue(timeout)), parse.GetValue(speed),
                TimeSpan.FromSeconds(parse.GetValue(maxPause)));
            var outcomes = await replayer.RunAsync(steps, !parse.GetValue(keepGoing), cancel);
            var output = console.Out;
            output.WriteLine($"replaying {steps.Count} request(s) of {address} to {endpoint}");
            foreach (var o in outcomes)
                output.WriteLine($"  frame {o.Step.Frame,5}  {o.Step.Offset.TotalMilliseconds,9:0.0} ms  {o.Step.Label,-26} → " +
                                 (o.Answer is null ? "no answer" : $"{o.Answer} in {o.RttMs} ms, integrity {o.Integrity}") +
                                 (o.Divergence is null ? "  ok" : "  DIVERGES"));
            var first = outcomes.FirstOrDefault(o => o.Divergence is not null);
            output.WriteLine(first is null
                ? $"no divergence: {outcomes.Count} of {steps.Count} request(s) answered as in the capture"
                : $"first divergence: frame {first.Step.Frame} ({first.Step.Label}): {first.Divergence}");
            return first is null ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }

    private static bool TryResolve(string text, out IPEndPoint endpoint)
    {
        endpoint = null!;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], out var port) || port is < 1 or > 65535) return false;
        var host = text[..colon].Trim('[', ']');
        if (!IPAddress.TryParse(host, out var address))
        {
            try
            {
                address = Dns.GetHostAddresses(host).FirstOrDefault()!;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
            if (address is null) return false;
        }
        endpoint = new IPEndPoint(address, port);
        return true;
    }
}
