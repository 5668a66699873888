using System.CommandLine;
using IceSpec.Cli.Decoding;
using IceSpec.Cli.Rendering;

namespace IceSpec.Cli.Commands;

/// <summary>
/// <c>icespec decode [HEX | FILE.pcap | FILE.pcapng]</c>: parse, validate and verify STUN messages given in hex, or every
/// STUN and ChannelData message of a capture (see <see cref="CaptureDecode"/>).
/// </summary>
public static class DecodeCommand
{
    /// <summary>The validator profiles the generated <c>StunValidator.TryValidate(msg, profile, …)</c> knows.</summary>
    public static string[] Profiles => [.. IceSpec.Stun.StunValidator.Profiles];

    public static Command Create(CliConsole console)
    {
        var hex = new Argument<string?>("hex")
        {
            Description = "The message in hex (spaces and 0x prefixes ignored), or a capture file (.pcap, .pcapng). Omit it to read hex messages from standard input, one per line or block.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var json = new Option<bool>("--json") { Description = "One JSON object per message, one per line." };
        var password = new Option<string?>("--password") { Description = "Short-term password; with --username and --realm, the long-term password." };
        var username = new Option<string?>("--username") { Description = "Long-term credentials: the username." };
        var realm = new Option<string?>("--realm") { Description = "Long-term credentials: the realm." };
        var algorithm = new Option<string?>("--password-algorithm") { Description = "Long-term key hash: md5 (default) or sha256 (RFC 8489 §18.5)." };
        algorithm.AcceptOnlyFromAmong("md5", "sha256");
        var saslPrep = new Option<bool>("--saslprep") { Description = "Prepare the password with SASLprep (RFC 5389) instead of OpaqueString (RFC 8489)." };
        var profile = new Option<string?>("--profile") { Description = "Validate with a usage profile's rules (ice-check: RFC 8445 connectivity checks)." };
        profile.AcceptOnlyFromAmong(Profiles);
        var address = new Option<string?>("--address") { Description = "Captures: only messages from or to this IP address (an ICMP error: its sender or the datagram it quotes)." };
        var port = new Option<int?>("--port") { Description = "Captures: only messages from or to this port (an ICMP error: the datagram it quotes)." };
        var method = new Option<string?>("--method") { Description = "Captures: only messages of this method (Binding, Allocate, ChannelBind…, 0x003, ChannelData, mDNS, or ICMP: errors about UDP datagrams)." };
        var transaction = new Option<string?>("--transaction") { Description = "Captures: only messages with this transaction ID (24 hex digits; 32 for classic RFC 3489 STUN)." };

        var keys = new IceSpec.Cli.Analysis.CredentialOptions();
        var command = new Command("decode", "Decode STUN messages: header, attributes, validation, FINGERPRINT and MESSAGE-INTEGRITY.")
        {
            hex, json, password, username, realm, algorithm, saslPrep, profile, address, port, method, transaction,
        };
        foreach (var option in keys.All) command.Options.Add(option);
        command.SetAction(parse =>
        {
            if (!Credential.TryFromOptions(parse.GetValue(username), parse.GetValue(realm), parse.GetValue(password),
                    parse.GetValue(algorithm), parse.GetValue(saslPrep), out var credential, out var error))
                return console.UsageError(error);

            var filterGiven = parse.GetValue(address) is not null || parse.GetValue(port) is not null ||
                              parse.GetValue(method) is not null || parse.GetValue(transaction) is not null;
            if (parse.GetValue(hex) is { } file && IsCapturePath(file))
            {
                if (!TryMakeFilter(parse.GetValue(address), parse.GetValue(port), parse.GetValue(method), parse.GetValue(transaction),
                        out var filter, out error)) return console.UsageError(error);
                if (!keys.TryRead(parse, out var known, out error)) return console.UsageError(error);
                return CaptureDecode.Run(console, file, filter, parse.GetValue(profile), credential, known, parse.GetValue(json));
            }
            if (filterGiven) return console.UsageError("--address, --port, --method and --transaction apply to capture files (.pcap, .pcapng)");
            if (keys.All.Any(o => parse.GetResult(o) is not null))
                return console.UsageError("--ice-credentials, --turn-user and --credentials apply to capture files (.pcap, .pcapng); use --password (and --username, --realm) with hex");

            List<byte[]> messages;
            if (parse.GetValue(hex) is { } text)
            {
                if (!HexInput.TryParseArgument(text, out var message, out error)) return console.UsageError(error);
                messages = [message];
            }
            else
            {
                if (console.InputIsTerminal) console.Error.WriteLine("icespec: reading hex from standard input; end with Ctrl-D (or give HEX as an argument)");
                if (!HexInput.TryParseLines(console.In, out messages, out error)) return console.UsageError(error);
            }

            return Run(console.Out, messages, parse.GetValue(profile), credential, parse.GetValue(json));
        });
        return command;
    }

    /// <summary>A capture rather than hex: an existing file, or a name ending in .pcap/.pcapng/.cap.</summary>
    public static bool IsCapturePath(string text) =>
        File.Exists(text) || Directory.Exists(text) ||
        text.EndsWith(".pcap", StringComparison.OrdinalIgnoreCase) || text.EndsWith(".pcapng", StringComparison.OrdinalIgnoreCase) ||
        text.EndsWith(".cap", StringComparison.OrdinalIgnoreCase);

    private static bool TryMakeFilter(string? address, int? port, string? method, string? transaction, out CaptureFilter filter, out string error)
    {
        filter = new CaptureFilter(null, null, null, null);
        error = "";
        System.Net.IPAddress? ip = null;
        if (address is not null && !System.Net.IPAddress.TryParse(address, out ip))
        {
            error = $"--address: '{address}' is not an IP address";
            return false;
        }
        if (port is < 0 or > 65535)
        {
            error = $"--port: {port} is not a port number (0-65535)";
            return false;
        }
        string? id = null;
        if (transaction is not null && (id = CaptureFilter.NormalizeTransaction(transaction)) is null)
        {
            error = $"--transaction: '{transaction}' is not a transaction ID (24 hex digits, or 32 for classic RFC 3489 STUN)";
            return false;
        }
        filter = new CaptureFilter(ip, port, method, id);
        return true;
    }

    /// <summary>Decodes and prints each message; 0 when every one passed (see <see cref="MessageReport.Passed"/>).</summary>
    public static int Run(TextWriter output, IReadOnlyList<byte[]> messages, string? profile, Credential? credential, bool json)
    {
        var passed = true;
        for (var i = 0; i < messages.Count; i++)
        {
            var report = MessageInspector.Inspect(messages[i], profile, credential);
            passed &= report.Passed;
            if (json) output.WriteLine(JsonRenderer.Render(report));
            else
            {
                if (i > 0) output.WriteLine();
                TextRenderer.Write(output, report, messages.Count > 1 ? $"message {i + 1} of {messages.Count}" : null);
            }
        }
        return passed ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
