using System.CommandLine;
using IceSpec.Turn.Server;

namespace IceSpec.Cli.Commands;

/// <summary>
/// <c>icespec turn-server drain --fleet redis://HOST:PORT [--realm R] --id ID [--undo]</c>: sets (clears) the drain flag
/// of a member of a fleet on Redis; from its next heartbeat it takes no new allocation (300 to the least-loaded live
/// server) and keeps its existing ones (runtime/IceSpec.Turn.Server.Hosting/README.md, "A fleet on Redis").
/// </summary>
public static class TurnServerDrainCommand
{
    public static Command Create(CliConsole console)
    {
        var fleet = new Option<string>("--fleet") { Description = "The fleet's Redis, redis://HOST:PORT.", Required = true };
        var realm = new Option<string>("--realm") { Description = "The fleet's realm (default icespec).", DefaultValueFactory = _ => "icespec" };
        var id = new Option<string>("--id") { Description = "The member's id: the 'fleet ID' line it prints (default its listening IP:PORT).", Required = true };
        var undo = new Option<bool>("--undo") { Description = "Clear the drain flag: the member takes allocations again." };
        var command = new Command("drain", "Tell a server of a TURN fleet to drain: no new allocations (redirected), existing ones kept. Prints what it did.")
        {
            fleet, realm, id, undo,
        };
        command.SetAction(parse =>
        {
            if (TurnFleetStore.TryParseUrl(parse.GetValue(fleet)!, out var error) is not { } redis) return console.UsageError("--fleet: " + error);
            var member = parse.GetValue(id)!;
            var draining = !parse.GetValue(undo);
            try
            {
                using var connection = StackExchange.Redis.ConnectionMultiplexer.Connect($"{redis},connectTimeout=2000,syncTimeout=2000");
                var known = TurnFleetStore.SetDrainAsync(connection.GetDatabase(), parse.GetValue(realm)!, member, draining).GetAwaiter().GetResult();
                console.Out.WriteLine($"{(draining ? "draining" : "not draining")} {member} (realm {parse.GetValue(realm)}){(known ? "" : ": no such live member now; the flag applies when it joins")}");
                return ExitCodes.Ok;
            }
            catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
            {
                return console.SetupError($"fleet Redis {redis} unreachable: {e.Message}");
            }
        });
        return command;
    }
}
