using System.Buffers.Binary;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using IceSpec.Stun.Client;
using IceSpec.Turn.Client;
using IceSpec.Stun.Transports;

namespace IceSpec.Cli.Commands;

/// <summary>
/// <c>icespec turn-client --server HOST:PORT --user U --password P --peer HOST:PORT …</c>: allocates a relayed address
/// (RFC 8656), installs a permission (or binds a channel), relays N messages to an echoing peer (turnutils_peer) and
/// reports what came back: sent, received, loss, round-trip times. Exit 0 only if nothing was lost or altered.
/// </summary>
public static class TurnClientCommand
{
    /// <summary>The smallest message: a 32-bit sequence number.</summary>
    private const int MinSize = 4;

    public static Command Create(CliConsole console)
    {
        var server = new Option<string>("--server", "-s") { Description = "The TURN server, HOST[:PORT] (port 3478; 5349 with --tls).", Required = true };
        var user = new Option<string>("--user", "-u") { Description = "Long-term credential: the username.", Required = true };
        var password = new Option<string>("--password", "-w") { Description = "Long-term credential: the password.", Required = true };
        var realm = new Option<string?>("--realm", "-r") { Description = "The realm to expect (default: accept the server's REALM)." };
        var tcp = new Option<bool>("--tcp") { Description = "Talk to the server over TCP." };
        var tls = new Option<bool>("--tls") { Description = "Talk to the server over TLS." };
        var tlsOptions = TlsCliOptions.Create();
        var peer = new Option<string>("--peer", "-e") { Description = "The peer to relay to, HOST:PORT (it should echo, as turnutils_peer does).", Required = true };
        var channel = new Option<bool>("--channel") { Description = "Bind a channel and send ChannelData (RFC 8656 §12)." };
        var sendIndication = new Option<bool>("--send-indication") { Description = "Send Send indications after CreatePermission (RFC 8656 §10, §11; the default)." };
        var count = new Option<int>("--count", "-n") { Description = "How many messages to relay.", DefaultValueFactory = _ => 5 };
        var size = new Option<int>("--size", "-l") { Description = $"Bytes per message (at least {MinSize}).", DefaultValueFactory = _ => 100 };
        var interval = new Option<int>("--interval") { Description = "Milliseconds between messages.", DefaultValueFactory = _ => 20 };
        var wait = new Option<int>("--wait") { Description = "Milliseconds to wait for echoes after the last message.", DefaultValueFactory = _ => 2000 };
        var ipv6 = new Option<bool>("--ipv6") { Description = "Ask for an IPv6 relayed address (REQUESTED-ADDRESS-FAMILY)." };
        var json = new Option<bool>("--json") { Description = "One JSON object instead of text." };

        var command = new Command("turn-client", "Allocate on a TURN server, relay messages to an echoing peer, report loss and RTT.")
        {
            server, user, password, realm, tcp, tls, tlsOptions.Insecure, tlsOptions.CaFile, peer, channel, sendIndication, count, size, interval,
            wait, ipv6, json,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(tcp) && parse.GetValue(tls)) return console.UsageError("--tcp and --tls exclude each other");
            if (parse.GetValue(channel) && parse.GetValue(sendIndication)) return console.UsageError("--channel and --send-indication exclude each other");
            if (!ServerAddress.TryParse(parse.GetValue(server)!, out _, out var error)) return console.UsageError("--server: " + error);
            if (!ServerAddress.TryParse(parse.GetValue(peer)!, out var peerAddress, out error)) return console.UsageError("--peer: " + error);
            if (peerAddress.Port is null) return console.UsageError("--peer: give the peer's port, HOST:PORT");
            if (parse.GetValue(count) < 1) return console.UsageError("--count must be at least 1");
            if (parse.GetValue(size) is < MinSize or > 65000) return console.UsageError($"--size must be {MinSize}..65000 bytes");
            if (parse.GetValue(interval) < 0 || parse.GetValue(wait) < 0) return console.UsageError("--interval and --wait are milliseconds, 0 or more");
            if (!tlsOptions.TryRead(parse, out var tlsClient, out error)) return console.UsageError(error);
            var options = new TurnClientOptions
            {
                Server = parse.GetValue(server),
                Transport = parse.GetValue(tls) ? TransportProtocol.Tls : parse.GetValue(tcp) ? TransportProtocol.Tcp : TransportProtocol.Udp,
                Tls = tlsClient,
                Username = parse.GetValue(user)!,
                Password = parse.GetValue(password)!,
                Realm = parse.GetValue(realm),
                AddressFamily = parse.GetValue(ipv6) ? TurnAddressFamily.IPv6 : TurnAddressFamily.IPv4,
            };
            var plan = new RelayPlan(peerAddress, parse.GetValue(channel), parse.GetValue(count), parse.GetValue(size),
                TimeSpan.FromMilliseconds(parse.GetValue(interval)), TimeSpan.FromMilliseconds(parse.GetValue(wait)));
            return Run(console, options, plan, parse.GetValue(json));
        });
        return command;
    }

    /// <summary>What to relay: to whom, how, how much.</summary>
    public sealed record RelayPlan(ServerAddress Peer, bool Channel, int Count, int Size, TimeSpan Interval, TimeSpan Wait);

    /// <summary>What came back.</summary>
    public sealed record RelayReport(int Sent, int Received, int Corrupt, int Duplicates, IReadOnlyList<TimeSpan> RoundTrips)
    {
        public int Lost => Sent - Received;

        public bool Passed => Lost == 0 && Corrupt == 0;
    }

    public static int Run(CliConsole console, TurnClientOptions options, RelayPlan plan, bool json)
    {
        try
        {
            return RunAsync(console, options, plan, json).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is StunClientException or IOException or System.Net.Sockets.SocketException
                                     or System.Security.Authentication.AuthenticationException or InvalidOperationException)
        {
            if (json)
                console.Out.WriteLine(StunCommand.Json(w =>
                {
                    w.WriteBoolean("ok", false);
                    w.WriteString("error", e.Message);
                    if (e is StunClientException { ErrorCode: { } code }) w.WriteNumber("errorCode", code);
                    else w.WriteNull("errorCode");
                    w.WriteBoolean("credentialsRejected", e is TurnAuthenticationException);
                }));
            else console.Error.WriteLine($"icespec: turn-client: {e.Message}{TlsCliOptions.Hint(e)}");
            return ExitCodes.Failed;
        }
    }

    private static async Task<int> RunAsync(CliConsole console, TurnClientOptions options, RelayPlan plan, bool json)
    {
        var peer = await plan.Peer.ResolveAsync(TransportProtocol.Udp).ConfigureAwait(false);
        var text = json ? TextWriter.Null : console.Out;
        await using var allocation = await TurnClient.AllocateAsync(options).ConfigureAwait(false);
        text.WriteLine($"server        {allocation.Server} ({allocation.Transport.Name()}), realm \"{allocation.Realm}\"");
        foreach (var entry in allocation.TransactionLog) text.WriteLine($"  {entry}");
        text.WriteLine($"relayed       {string.Join(", ", allocation.RelayedAddresses)}");
        text.WriteLine($"mapped        {allocation.MappedAddress}");
        text.WriteLine($"lifetime      {allocation.Lifetime.TotalSeconds:0} s");

        if (plan.Channel)
        {
            var bound = await allocation.BindChannelAsync(peer).ConfigureAwait(false);
            text.WriteLine($"channel       0x{bound.Channel:X4} -> {peer}");
        }
        else
        {
            await allocation.CreatePermissionAsync(peer.Address).ConfigureAwait(false);
            text.WriteLine($"permission    {peer.Address} (Send/Data indications)");
        }

        var report = await RelayAsync(allocation, peer, plan).ConfigureAwait(false);
        var rtts = report.RoundTrips;
        if (json)
        {
            console.Out.WriteLine(StunCommand.Json(w =>
            {
                w.WriteBoolean("ok", report.Passed);
                w.WriteString("server", allocation.Server.ToString());
                w.WriteString("transport", allocation.Transport.Name());
                w.WriteString("relayed", allocation.RelayedAddress.ToString());
                w.WriteString("mapped", allocation.MappedAddress.ToString());
                w.WriteString("mode", plan.Channel ? "channel" : "send-indication");
                w.WriteNumber("sent", report.Sent);
                w.WriteNumber("received", report.Received);
                w.WriteNumber("lost", report.Lost);
                w.WriteNumber("corrupt", report.Corrupt);
                if (rtts.Count > 0)
                {
                    w.WriteNumber("rttMinMs", Math.Round(rtts.Min().TotalMilliseconds, 3));
                    w.WriteNumber("rttAvgMs", Math.Round(rtts.Average(t => t.TotalMilliseconds), 3));
                    w.WriteNumber("rttMaxMs", Math.Round(rtts.Max().TotalMilliseconds, 3));
                }
            }));
        }
        else
        {
            text.WriteLine($"sent          {report.Sent} x {plan.Size} bytes ({(plan.Channel ? "ChannelData" : "Send indications")})");
            text.WriteLine($"received      {report.Received}" + (report.Duplicates > 0 ? $" (+{report.Duplicates} duplicates)" : ""));
            text.WriteLine($"lost          {report.Lost} ({100.0 * report.Lost / report.Sent:0.#}%)" + (report.Corrupt > 0 ? $", {report.Corrupt} altered" : ""));
            if (rtts.Count > 0)
                text.WriteLine($"rtt           min {Ms(rtts.Min())} / avg {Ms(TimeSpan.FromMilliseconds(rtts.Average(t => t.TotalMilliseconds)))} / max {Ms(rtts.Max())} ms");
        }
        return report.Passed ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>Sends Count messages (a 32-bit sequence number, then a pattern) and matches the echoes.</summary>
    public static async Task<RelayReport> RelayAsync(TurnAllocation allocation, IPEndPoint peer, RelayPlan plan)
    {
        var sentAt = new long[plan.Count];
        var seen = new bool[plan.Count];
        var roundTrips = new List<TimeSpan>();
        int received = 0, corrupt = 0, duplicates = 0;
        using var stop = new CancellationTokenSource();
        var receiving = Task.Run(async () =>
        {
            try
            {
                await foreach (var (from, data) in allocation.ReceiveAllAsync(stop.Token).ConfigureAwait(false))
                {
                    var now = Stopwatch.GetTimestamp();
                    if (!from.Equals(peer) || data.Length != plan.Size) { corrupt++; continue; }
                    var sequence = BinaryPrimitives.ReadInt32BigEndian(data.Span);
                    if (sequence < 0 || sequence >= plan.Count || !data.Span.SequenceEqual(Message(sequence, plan.Size))) { corrupt++; continue; }
                    if (seen[sequence]) { duplicates++; continue; }
                    seen[sequence] = true;
                    received++;
                    lock (roundTrips) roundTrips.Add(Stopwatch.GetElapsedTime(Volatile.Read(ref sentAt[sequence]), now));
                    if (received == plan.Count) return;
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        for (var i = 0; i < plan.Count; i++)
        {
            if (i > 0 && plan.Interval > TimeSpan.Zero) await Task.Delay(plan.Interval).ConfigureAwait(false);
            Volatile.Write(ref sentAt[i], Stopwatch.GetTimestamp());
            await allocation.SendAsync(peer, Message(i, plan.Size)).ConfigureAwait(false);
        }
        await Task.WhenAny(receiving, Task.Delay(plan.Wait)).ConfigureAwait(false);
        stop.Cancel();
        await receiving.ConfigureAwait(false);
        lock (roundTrips) return new RelayReport(plan.Count, received, corrupt, duplicates, roundTrips.ToArray());
    }

    private static byte[] Message(int sequence, int size)
    {
        var message = new byte[size];
        BinaryPrimitives.WriteInt32BigEndian(message, sequence);
        for (var i = MinSize; i < size; i++) message[i] = (byte)(sequence + i);
        return message;
    }

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture);
}
