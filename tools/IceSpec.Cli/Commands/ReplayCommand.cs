using System.CommandLine;
using System.Net;
using IceSpec.Captures;
using IceSpec.Captures.Credentials;
using IceSpec.Captures.Replay;
using IceSpec.Cli.Analysis;
using IceSpec.Cli.Replay;
using IceSpec.Conformance.Adapter;
using IceSpec.Conformance.Lab;

namespace IceSpec.Cli.Commands;

/// <summary>
/// <c>icespec replay FILE --side A (--target HOST:PORT | --impl NAME) [credentials] [--transport udp|tcp] [--speed X]
/// [--timeout S] [--max-pause S] [--keep-going]</c>: re-sends side A's requests to a live target — or to an
/// implementation it starts for the purpose (<see cref="ImplementationUnderReplay"/>) — and reports the first answer
/// that differs from the capture (see <see cref="Replayer"/>).
/// </summary>
public static class ReplayCommand
{
    public static Command Create(CliConsole console)
    {
        var file = new Argument<string>("file") { Description = "A capture (.pcap or .pcapng)." };
        var side = new Option<string>("--side") { Description = "Whose requests to replay: an address IP:PORT of the capture, or an ICE agent's ufrag.", Required = true };
        var target = new Option<string?>("--target") { Description = "Where to send them: HOST:PORT (UDP, and TCP for requests sent over TCP)." };
        var impl = new Option<string?>("--impl")
        {
            Description = "Start this implementation on 127.0.0.1, replay against it, stop it: coturn or icespec (server) for STUN/TURN requests, " +
                          "icespec, libnice, aioice, werift or pion (ICE agent, through its conformance driver) for ICE checks.",
        };
        var transport = new Option<string?>("--transport") { Description = "Send every request over udp or tcp (default: each over the transport it was captured on)." };
        transport.AcceptOnlyFromAmong("udp", "tcp");
        var speed = new Option<double>("--speed") { Description = "Divide the captured spacing by this (default 1: as captured).", DefaultValueFactory = _ => 1.0 };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait for each answer, retransmitting over UDP (default 3).", DefaultValueFactory = _ => 3.0 };
        var maxPause = new Option<double>("--max-pause") { Description = "Longest pause between two requests in seconds, whatever the capture says (default 30).", DefaultValueFactory = _ => 30.0 };
        var keepGoing = new Option<bool>("--keep-going") { Description = "Replay every request instead of stopping at the first divergence." };
        var keys = new CredentialOptions();
        var command = new Command("replay", "Re-send one side's requests of a capture to a live target, or to an implementation it starts, and compare the answers with the capture's.")
        {
            file, side, target, impl, transport, speed, timeout, maxPause, keepGoing,
        };
        foreach (var option in keys.All) command.Options.Add(option);
        command.SetAction(async (parse, cancel) =>
        {
            if (!keys.TryRead(parse, out var credentials, out var error)) return console.UsageError(error);
            var (targetText, implName) = (parse.GetValue(target), parse.GetValue(impl));
            if (targetText is not null && implName is not null) return console.UsageError("--target and --impl exclude each other: replay to a running target, or to one the tool starts");
            if (targetText is null && implName is null) return console.UsageError("give --target HOST:PORT (a running target) or --impl NAME (one the tool starts)");
            IPEndPoint? endpoint = null;
            if (targetText is not null && !TryResolve(targetText, out endpoint)) return console.UsageError($"--target: '{targetText}' is not HOST:PORT");
            if (parse.GetValue(speed) is not (> 0 and < 1000)) return console.UsageError("--speed must be above 0 and below 1000");
            if (parse.GetValue(timeout) is not (> 0 and <= 60)) return console.UsageError("--timeout must be above 0 and at most 60 seconds");
            if (parse.GetValue(maxPause) is not (>= 0 and <= 3600)) return console.UsageError("--max-pause must be 0 to 3600 seconds");
            CaptureResult capture;
            try
            {
                capture = CaptureFile.Read(parse.GetValue(file)!);
            }
            catch (MissingLibraryException e)
            {
                return console.SetupError(e.Message);
            }
            catch (CaptureException e)
            {
                return console.UsageError(e.Message);
            }
            if (ReplayPlan.Resolve(capture.Messages, parse.GetValue(side)!) is not { } address)
                return console.UsageError($"--side: no address or ICE ufrag '{parse.GetValue(side)}' sends requests in the capture");
            var over = parse.GetValue(transport);
            var steps = ReplayPlan.Build(capture.Messages, address);
            if (steps.Count == 0) return console.UsageError($"--side {address}: sends no requests in the capture");
            if (over is not null) steps = steps.Select(s => s with { Transport = over }).ToList();
            var pacing = new ReplayPacing(TimeSpan.FromSeconds(parse.GetValue(timeout)), parse.GetValue(speed), TimeSpan.FromSeconds(parse.GetValue(maxPause)));
            if (implName is null)
            {
                try
                {
                    return await ReplayAndReportAsync(console, new Replayer(endpoint!, ReplaySigning.WithCaptureCredentials(credentials), pacing), address,
                        endpoint!.ToString(), steps, !parse.GetValue(keepGoing), cancel);
                }
                catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                {
                    console.Error.WriteLine("icespec: replay interrupted");
                    return ExitCodes.Failed;
                }
            }
            return await ReplayToImplementationAsync(console, implName, address, steps, credentials, pacing, !parse.GetValue(keepGoing), cancel);
        });
        return command;
    }

    private static async Task<int> ReplayToImplementationAsync(CliConsole console, string name, IPEndPoint address, IReadOnlyList<ReplayStep> steps,
        CaptureCredentials credentials, ReplayPacing pacing, bool stopAtFirstDivergence, CancellationToken cancel)
    {
        var replayed = ReplayedSide.Of(steps);
        if (ImplementationUnderReplay.Check(name, replayed, credentials) is { } unusable) return console.UsageError(unusable);
        var logs = Directory.CreateTempSubdirectory("icespec-replay-");
        var keepLogs = true;
        try
        {
            ImplementationUnderReplay started;
            try
            {
                started = await ImplementationUnderReplay.StartAsync(name, replayed, credentials, logs.FullName, cancel);
            }
            catch (Exception e) when (e is LabException or DriverException or FileNotFoundException)
            {
                console.Error.WriteLine($"icespec: cannot start {name}: {e.Message}");
                return ExitCodes.Setup;
            }
            await using (started)
            {
                console.Out.WriteLine($"started {started.Description}");
                var code = await ReplayAndReportAsync(console, new Replayer(started.Target, started.Signing, pacing, started.Socket, started.IceTcp), address,
                    $"{name} at {started.Target}", steps, stopAtFirstDivergence, cancel);
                if (await started.SummarizeAsync(cancel) is { Length: > 0 } summary) console.Out.WriteLine(summary);
                keepLogs = code != ExitCodes.Ok;
                return code;
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            console.Error.WriteLine($"icespec: interrupted; {name} stopped");
            return ExitCodes.Interrupted;
        }
        finally
        {
            if (keepLogs && logs.EnumerateFiles().Any()) console.Error.WriteLine($"icespec: {name}'s log kept in {logs.FullName}");
            else logs.Delete(recursive: true);
        }
    }

    /// <summary>Replays, printing a line per request as its answer comes, then the first divergence; the exit code says whether there was one.</summary>
    private static async Task<int> ReplayAndReportAsync(CliConsole console, Replayer replayer, IPEndPoint address, string to, IReadOnlyList<ReplayStep> steps,
        bool stopAtFirstDivergence, CancellationToken cancel)
    {
        var output = console.Out;
        var transports = steps.GroupBy(s => s.Transport).Select(g => $"{g.Count()} over {g.Key.ToUpperInvariant()}");
        output.WriteLine($"replaying {steps.Count} request(s) of {address} to {to} ({string.Join(", ", transports)})");
        var outcomes = await replayer.RunAsync(steps, stopAtFirstDivergence, o =>
            output.WriteLine($"  frame {o.Step.Frame,5}  {o.Step.Offset.TotalMilliseconds,9:0.0} ms  {o.Step.Transport}  {o.Step.Label,-26} → " +
                             (o.Answer is null ? "no answer" : $"{o.Answer} in {o.RttMs} ms, integrity {o.Integrity}") +
                             (o.Divergence is null ? "  ok" : "  DIVERGES")), cancel);
        var first = outcomes.FirstOrDefault(o => o.Divergence is not null);
        output.WriteLine(first is null
            ? $"no divergence: {outcomes.Count} of {steps.Count} request(s) answered as in the capture"
            : $"first divergence: frame {first.Step.Frame} ({first.Step.Label}): {first.Divergence}");
        return first is null ? ExitCodes.Ok : ExitCodes.Failed;
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
