using System.CommandLine;
using IceSpec.Cli.Decoding;
using IceSpec.Cli.Rendering;

namespace IceSpec.Cli.Commands;

/// <summary><c>icespec decode [HEX]</c>: parse, validate and verify STUN messages given in hex.</summary>
public static class DecodeCommand
{
    /// <summary>The validator profiles the generated <c>StunValidator.TryValidate(msg, profile, …)</c> knows.</summary>
    public static string[] Profiles => [.. IceSpec.Stun.StunValidator.Profiles];

    public static Command Create(CliConsole console)
    {
        var hex = new Argument<string?>("hex")
        {
            Description = "The message in hex (spaces and 0x prefixes ignored). Omit it to read messages from standard input, one per line or block.",
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

        var command = new Command("decode", "Decode STUN messages: header, attributes, validation, FINGERPRINT and MESSAGE-INTEGRITY.")
        {
            hex, json, password, username, realm, algorithm, saslPrep, profile,
        };
        command.SetAction(parse =>
        {
            if (!Credential.TryFromOptions(parse.GetValue(username), parse.GetValue(realm), parse.GetValue(password),
                    parse.GetValue(algorithm), parse.GetValue(saslPrep), out var credential, out var error))
                return console.UsageError(error);

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
