using System.CommandLine;
using IceSpec.Ice;

namespace IceSpec.Cli.Commands;

/// <summary>The ICE-TCP options beyond host candidates: simultaneous-open candidates and relayed TCP candidates (RFC 6544, RFC 6062).</summary>
internal sealed record IceTcpOptions(Option<bool> SimultaneousOpen, Option<bool> TurnTcpRelay)
{
    public bool TryApply(ParseResult parse, IceSessionOptions options, out IceSessionOptions applied, out string error)
    {
        applied = options;
        error = "";
        var tcp = options.Transports.HasFlag(IceTransports.Tcp);
        if (parse.GetValue(SimultaneousOpen))
        {
            if (!tcp) { error = "--tcp-so needs tcp in --transports"; return false; }
            applied = applied with { TcpSimultaneousOpen = true };
        }
        if (parse.GetValue(TurnTcpRelay))
        {
            if (!tcp) { error = "--turn-tcp-relay needs tcp in --transports"; return false; }
            if (options.TurnServers is not [{ Transport: not Stun.Transports.TransportProtocol.Udp } turn]) { error = "--turn-tcp-relay needs --turn with --turn-tcp (RFC 6062 §4.1: a TCP allocation is made over TCP)"; return false; }
            applied = applied with { TurnServers = [turn with { TcpRelay = true }] };
        }
        return true;
    }
}
