using System.Net;

namespace IceSpec.Signalling.Server;

/// <summary>What <c>icespec signal-server</c> is told; every limit has the default documented in README.md.</summary>
public sealed record SignalServerOptions
{
    /// <summary>Where Kestrel listens (port 0 picks a free port: <see cref="SignalServer.EndPoint"/> says which).</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 8443);

    /// <summary>The secret room tokens are signed with (<see cref="SignalToken"/>).</summary>
    public required string Secret { get; init; }

    /// <summary>The TURN REST API secret of the TURN servers (their <c>static-auth-secret</c>); null hands out no TURN server.</summary>
    public string? TurnSecret { get; init; }

    /// <summary>The TURN servers the welcome names (HOST:PORT), in the order the directory gives them.</summary>
    public ITurnServerDirectory TurnServers { get; init; } = new StaticTurnServerDirectory([]);

    /// <summary>How long the TURN credentials of a welcome stay valid (the username's expiry).</summary>
    public TimeSpan TurnCredentialLifetime { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Rooms at once; a join that would open one more is refused (close 1013).</summary>
    public int MaxRooms { get; init; } = 1000;

    /// <summary>Peers in one room; a join beyond is refused (close 1008). Two: one ICE session per room.</summary>
    public int MaxPeersPerRoom { get; init; } = 2;

    /// <summary>The largest message a peer may send; a larger one closes its connection (1009).</summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024;

    /// <summary>A peer that sends nothing (not even a ping) for this long is closed (1001).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>Where the TURN servers a welcome names come from: a fixed list, or the fleet (least loaded first).</summary>
public interface ITurnServerDirectory
{
    /// <summary>The servers to hand out now, as HOST:PORT, the preferred first.</summary>
    IReadOnlyList<string> Servers();
}

/// <summary>The servers given on the command line, in their order.</summary>
public sealed class StaticTurnServerDirectory(IReadOnlyList<string> servers) : ITurnServerDirectory
{
    public IReadOnlyList<string> Servers() => servers;
}

/// <summary>Servers from elsewhere, asked at every welcome (e.g. the fleet's live servers, least loaded first).</summary>
public sealed class DelegateTurnServerDirectory(Func<IReadOnlyList<string>> servers) : ITurnServerDirectory
{
    public IReadOnlyList<string> Servers() => servers();
}
