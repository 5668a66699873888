using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using IceSpec.Cli.Load;
using IceSpec.Stun.Client;
using IceSpec.Stun.Transports;
using IceSpec.Turn.Client;

namespace IceSpec.Cli.Commands;

/// <summary>
/// <c>icespec turn-load --server HOST:PORT --user U --password P …</c>: a TURN load generator (what turnhammer and
/// coturn's uclient do). Many allocations, channel or Send-indication data, UDP or TCP, several threads with batched
/// socket calls, paced or open-loop; its own echo peers (or <c>--peer</c>). Reports sent/received/lost, loss, RTT
/// percentiles, rates and a score (relayed datagrams per second); <c>--allocate-only</c> measures allocations per second.
/// </summary>
public static class TurnLoadCommand
{
    public static Command Create(CliConsole console)
    {
        var server = new Option<string>("--server", "-s") { Description = "The TURN server, HOST[:PORT] (port 3478).", Required = true };
        var user = new Option<string>("--user", "-u") { Description = "Long-term credential: the username.", Required = true };
        var password = new Option<string>("--password", "-w") { Description = "Long-term credential: the password.", Required = true };
        var realm = new Option<string?>("--realm", "-r") { Description = "The realm to expect (default: accept the server's REALM)." };
        var tcp = new Option<bool>("--tcp") { Description = "Talk to the server over TCP (one connection per allocation); the relay to the peer stays UDP." };
        var allocations = new Option<int>("--allocations", "-m") { Description = "How many allocations (each its own socket).", DefaultValueFactory = _ => 10 };
        var channel = new Option<bool>("--channel") { Description = "Bind a channel per allocation and send ChannelData (RFC 8656 §12; the default)." };
        var sendIndication = new Option<bool>("--send-indication") { Description = "Create a permission and send Send indications (RFC 8656 §10, §11)." };
        var threads = new Option<int>("--threads", "-t") { Description = "Worker threads; each takes a share of the allocations and has its own echo peer.", DefaultValueFactory = _ => 1 };
        var rate = new Option<int>("--rate") { Description = "Messages per second offered in all (paced per millisecond).", DefaultValueFactory = _ => 1000 };
        var openLoop = new Option<bool>("--open-loop") { Description = "Send as fast as the workers go, without pacing (instead of --rate)." };
        var duration = new Option<double>("--duration", "-d") { Description = "Seconds of load.", DefaultValueFactory = _ => 5 };
        var size = new Option<int>("--size", "-l") { Description = $"Payload bytes per message ({LoadPayload.MinSize}..1400).", DefaultValueFactory = _ => 100 };
        var peer = new Option<string?>("--peer", "-e") { Description = "An echoing peer HOST:PORT (turnutils_peer); default: the generator's own, one per thread, on the server's address family." };
        var drain = new Option<int>("--drain") { Description = "Milliseconds to wait for echoes after the load; later ones count as lost.", DefaultValueFactory = _ => 1000 };
        var batch = new Option<int>("--batch") { Description = "Datagrams per recvmmsg/sendmmsg call (1..1024).", DefaultValueFactory = _ => 64 };
        var concurrency = new Option<int>("--concurrency") { Description = "Allocations set up at the same time.", DefaultValueFactory = _ => 32 };
        var allocateOnly = new Option<bool>("--allocate-only") { Description = "Only allocate (until --allocations or the server's relay range is used) and report allocations/s." };
        var hold = new Option<double>("--hold") { Description = "With --allocate-only: seconds to keep the allocations before deleting them (to read the server's memory).", DefaultValueFactory = _ => 0 };
        var portable = new Option<bool>("--portable") { Description = "One datagram per socket call, no epoll (what other platforms get)." };
        var noGso = new Option<bool>("--no-gso") { Description = "Do not send a socket's batch as one UDP GSO datagram (UDP_SEGMENT), even where the kernel has it." };
        var json = new Option<bool>("--json") { Description = "One JSON object instead of text." };

        var command = new Command("turn-load", "Load a TURN server: many allocations relaying to echo peers; report loss, RTT percentiles, rate and score.")
        {
            server, user, password, realm, tcp, allocations, channel, sendIndication, threads, rate, openLoop, duration, size, peer, drain, batch,
            concurrency, allocateOnly, hold, portable, noGso, json,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(channel) && parse.GetValue(sendIndication)) return console.UsageError("--channel and --send-indication exclude each other");
            if (parse.GetValue(openLoop) && parse.GetResult(rate) is { Implicit: false }) return console.UsageError("--rate and --open-loop exclude each other");
            if (!ServerAddress.TryParse(parse.GetValue(server)!, out _, out var error)) return console.UsageError("--server: " + error);
            ServerAddress? peerAddress = null;
            if (parse.GetValue(peer) is { } peerText)
            {
                if (!ServerAddress.TryParse(peerText, out var parsedPeer, out error)) return console.UsageError("--peer: " + error);
                if (parsedPeer.Port is null) return console.UsageError("--peer: give the peer's port, HOST:PORT");
                peerAddress = parsedPeer;
            }
            if (parse.GetValue(allocations) < 1) return console.UsageError("--allocations must be at least 1");
            if (parse.GetValue(threads) is < 1 or > 256) return console.UsageError("--threads must be 1..256");
            if (!parse.GetValue(openLoop) && parse.GetValue(rate) < 1) return console.UsageError("--rate must be at least 1 message per second (or give --open-loop)");
            if (parse.GetValue(duration) is not (> 0 and <= 3600)) return console.UsageError("--duration must be more than 0 and at most 3600 seconds");
            if (parse.GetValue(size) is < LoadPayload.MinSize or > 1400) return console.UsageError($"--size must be {LoadPayload.MinSize}..1400 bytes (the payload carries a sequence number and a send time)");
            if (parse.GetValue(drain) < 0) return console.UsageError("--drain is milliseconds, 0 or more");
            if (parse.GetValue(batch) is < 1 or > 1024) return console.UsageError("--batch must be 1..1024");
            if (parse.GetValue(concurrency) is < 1 or > 1024) return console.UsageError("--concurrency must be 1..1024");
            if (parse.GetValue(hold) < 0) return console.UsageError("--hold is seconds, 0 or more");
            if (parse.GetValue(hold) > 0 && !parse.GetValue(allocateOnly)) return console.UsageError("--hold goes with --allocate-only");

            var client = new TurnClientOptions
            {
                Server = parse.GetValue(server),
                Transport = parse.GetValue(tcp) ? TransportProtocol.Tcp : TransportProtocol.Udp,
                Username = parse.GetValue(user)!,
                Password = parse.GetValue(password)!,
                Realm = parse.GetValue(realm),
                // Fewer bytes per Send indication: the load measures the relay, not the checksum.
                Fingerprint = false,
                Software = null,
            };
            try
            {
                var serverEndpoint = ServerAddress.Parse(parse.GetValue(server)!).ResolveAsync(client.Transport).GetAwaiter().GetResult();
                var peerEndpoint = peerAddress?.ResolveAsync(TransportProtocol.Udp).GetAwaiter().GetResult();
                var plan = new TurnLoadPlan(serverEndpoint, client, parse.GetValue(allocations), !parse.GetValue(sendIndication), parse.GetValue(threads),
                    parse.GetValue(openLoop) ? 0 : parse.GetValue(rate), TimeSpan.FromSeconds(parse.GetValue(duration)), parse.GetValue(size), peerEndpoint,
                    TimeSpan.FromMilliseconds(parse.GetValue(drain)), parse.GetValue(batch), parse.GetValue(concurrency), parse.GetValue(allocateOnly),
                    TimeSpan.FromSeconds(parse.GetValue(hold)), parse.GetValue(portable), !parse.GetValue(noGso));
                var asJson = parse.GetValue(json);
                var report = TurnLoadGenerator.Run(plan, line =>
                {
                    // Progress goes to stderr, so that --json's stdout is one object; the bench script waits for "allocated".
                    console.Error.WriteLine("turn-load: " + line);
                    console.Error.Flush();
                });
                Print(console, plan, report, asJson);
                return report.Allocated > 0 ? ExitCodes.Ok : ExitCodes.Failed;
            }
            catch (Exception e) when (e is StunClientException or IOException or System.Net.Sockets.SocketException or InvalidOperationException or ArgumentException)
            {
                console.Error.WriteLine($"icespec: turn-load: {e.Message}");
                return ExitCodes.Failed;
            }
        });
        return command;
    }

    private static double Ms(long ticks) => Math.Round(ticks * 1000.0 / Stopwatch.Frequency, 3);

    public static void Print(CliConsole console, TurnLoadPlan plan, TurnLoadReport report, bool json)
    {
        var rtt = report.RoundTrips;
        var mode = plan.Channel ? "channel" : "send-indication";
        if (json)
        {
            console.Out.WriteLine(StunCommand.Json(w =>
            {
                w.WriteString("server", plan.Server.ToString());
                w.WriteString("transport", plan.Client.Transport.Name());
                w.WriteString("mode", plan.AllocateOnly ? "allocate-only" : mode);
                w.WriteNumber("allocations", plan.Allocations);
                w.WriteNumber("allocated", report.Allocated);
                w.WriteNumber("allocationFailures", report.AllocationFailures);
                if (report.FirstFailure is { } failure) w.WriteString("firstFailure", failure);
                w.WriteNumber("allocationSeconds", Math.Round(report.AllocationSeconds, 4));
                w.WriteNumber("allocationsPerSecond", Math.Round(report.AllocationsPerSecond, 1));
                if (plan.AllocateOnly) return;
                w.WriteNumber("threads", plan.Threads);
                w.WriteBoolean("batched", report.Batched);
                w.WriteBoolean("gso", report.Gso);
                w.WriteNumber("offeredRate", plan.Rate);
                w.WriteNumber("size", plan.Size);
                w.WriteNumber("seconds", Math.Round(report.Seconds, 3));
                w.WriteNumber("sent", report.Sent);
                w.WriteNumber("received", report.Received);
                w.WriteNumber("lost", report.Lost);
                w.WriteNumber("duplicates", report.Duplicates);
                w.WriteNumber("corrupt", report.Corrupt);
                w.WriteNumber("lossPercent", Math.Round(report.LossPercent, 4));
                w.WriteNumber("sentPerSecond", Math.Round(report.SentPerSecond, 1));
                w.WriteNumber("receivedPerSecond", Math.Round(report.ReceivedPerSecond, 1));
                w.WriteNumber("rttP50Ms", Ms(rtt.Percentile(0.50)));
                w.WriteNumber("rttP90Ms", Ms(rtt.Percentile(0.90)));
                w.WriteNumber("rttP99Ms", Ms(rtt.Percentile(0.99)));
                w.WriteNumber("rttMaxMs", Ms(rtt.Max));
                w.WriteNumber("generatorCpuSeconds", Math.Round(report.GeneratorCpuSeconds, 3));
                w.WriteNumber("score", Math.Round(report.Score, 1));
            }));
            return;
        }
        var o = console.Out;
        o.WriteLine($"server        {plan.Server} ({plan.Client.Transport.Name()})");
        o.WriteLine($"allocated     {report.Allocated} of {plan.Allocations} in {report.AllocationSeconds:0.000} s ({report.AllocationsPerSecond:0} /s)"
                    + (report.AllocationFailures > 0 ? $"; {report.AllocationFailures} failed ({report.FirstFailure})" : ""));
        if (plan.AllocateOnly) return;
        o.WriteLine($"load          {mode}, {plan.Size} bytes, {(plan.Rate > 0 ? plan.Rate.ToString(CultureInfo.InvariantCulture) + " msg/s offered" : "open loop")}, {plan.Threads} thread(s), "
                    + $"{(report.Batched ? "recvmmsg/sendmmsg batches of " + plan.Batch : "one datagram per call")}, {(report.Gso ? "UDP GSO" : "no GSO")}, {report.Seconds:0.0} s");
        o.WriteLine($"sent          {report.Sent} ({report.SentPerSecond:0} /s)");
        o.WriteLine($"received      {report.Received} ({report.ReceivedPerSecond:0} /s)" + (report.Duplicates > 0 ? $", {report.Duplicates} duplicates" : "") + (report.Corrupt > 0 ? $", {report.Corrupt} corrupt" : ""));
        o.WriteLine($"lost          {report.Lost} ({report.LossPercent:0.###} %)");
        o.WriteLine($"rtt           p50 {Ms(rtt.Percentile(0.5))} / p90 {Ms(rtt.Percentile(0.9))} / p99 {Ms(rtt.Percentile(0.99))} / max {Ms(rtt.Max)} ms");
        o.WriteLine($"generator cpu {report.GeneratorCpuSeconds:0.00} s ({100 * report.GeneratorCpuSeconds / Math.Max(report.Seconds, 1e-9):0} % of one core over the load)");
        o.WriteLine($"score         {report.Score:0} relayed datagrams/s (2 per echoed message)");
    }
}
