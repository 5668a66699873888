using System.CommandLine;
using IceSpec.Turn.Server;

namespace IceSpec.Cli.Commands;

/// <summary>
/// <c>icespec turn-server [--config FILE] [flags]</c>: a STUN/TURN server (RFC 8489, RFC 8656, RFC 5780). Every flag is
/// also a config-file key of the same name (<see cref="TurnServerConfig.Keys"/>, one table for both); flags win over the
/// file. coturn's short options are aliases in that table, and its settings this server lacks are rows that refuse with
/// the equivalent, so a coturn command line runs or says what to change. Runs until SIGINT or SIGTERM. See
/// runtime/IceSpec.Turn.Server.Hosting/README.md.
/// </summary>
public static class TurnServerCommand
{
    public static Command Create(CliConsole console)
    {
        var config = new Option<string?>("--config", "-c") { Description = "Config file of key=value lines (the flags' names, without --)." };
        var noConfig = new Option<bool>("-n") { Description = "coturn's 'no configuration file': accepted; a file is read only when --config (-c) names one." };
        var command = new Command("turn-server", "Run a STUN/TURN server (UDP, TCP, TLS) until SIGINT/SIGTERM. coturn's common options are accepted, or refused naming what to use instead.") { config, noConfig };
        command.Subcommands.Add(TurnServerDrainCommand.Create(console));
        var options = new List<(TurnConfigKey Key, Option Option)>();
        foreach (var key in TurnServerConfig.Keys)
        {
            var aliases = key.Aliases.Select(a => (a.Length == 1 ? "-" : "--") + a).ToArray();
            Option option = key.Kind switch
            {
                TurnConfigKind.Flag or TurnConfigKind.UnsupportedFlag => new Option<bool>("--" + key.Name, aliases) { Description = key.Description },
                TurnConfigKind.Values => new Option<string[]>("--" + key.Name, aliases) { Description = key.Description, AllowMultipleArgumentsPerToken = false },
                TurnConfigKind.OptionalValue => new Option<string?>("--" + key.Name, aliases) { Description = key.Description, Arity = ArgumentArity.ZeroOrOne },
                _ => new Option<string?>("--" + key.Name, aliases) { Description = key.Description },
            };
            command.Options.Add(option);
            options.Add((key, option));
        }

        command.SetAction(parse =>
        {
            if (parse.GetValue(noConfig) && parse.GetValue(config) is not null) return console.UsageError("-n (no configuration file) and --config exclude each other");
            var flags = new List<TurnConfigSetting>();
            foreach (var (key, option) in options)
            {
                var source = "--" + key.Name;
                switch (option)
                {
                    case Option<bool> flag when parse.GetValue(flag):
                        flags.Add(new TurnConfigSetting(key.Name, null, source));
                        break;
                    case Option<string[]> many when parse.GetValue(many) is { } values:
                        flags.AddRange(values.Select(v => new TurnConfigSetting(key.Name, v, source)));
                        break;
                    case Option<string?> bare when key.Kind == TurnConfigKind.OptionalValue && parse.GetResult(bare) is not null:
                        flags.Add(new TurnConfigSetting(key.Name, parse.GetValue(bare), source));
                        break;
                    case Option<string?> one when parse.GetValue(one) is { } value:
                        flags.Add(new TurnConfigSetting(key.Name, value, source));
                        break;
                }
            }
            var exit = TurnServerRunner.Run(parse.GetValue(config), flags, console.Out, console.Error, CancellationToken.None);
            return exit switch
            {
                TurnServerRunner.Ok => ExitCodes.Ok,
                TurnServerRunner.Usage => ExitCodes.Usage,
                _ => ExitCodes.Failed,
            };
        });
        return command;
    }
}
