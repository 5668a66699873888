using System.Net;
using System.Text.Json.Nodes;
using IceSpec.Conformance.Adapter;
using IceSpec.Ice;
using IceSpec.Ice.Sdp;

namespace IceSpec.Cli.Replay;

/// <summary>
/// An ICE agent started through its conformance driver (conformance/ADAPTER.md) to be replayed against: configured with
/// the role opposite to the replayed side's and one host address (127.0.0.1), given a remote description that makes it
/// accept the side's checks — the side's ufrag and password and one host candidate, the replaying socket (RFC 8445
/// §5.3, RFC 8839 §5.1) — and read back for its own ufrag, password and UDP host candidate. Its stderr goes to a log
/// file. Disposing kills it by PID.
/// </summary>
internal sealed class IceAgentUnderReplay : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private readonly DriverProcess _driver;

    private IceAgentUnderReplay(DriverProcess driver, string ufrag, string password, IPEndPoint hostCandidate) =>
        (_driver, Ufrag, Password, HostCandidate) = (driver, ufrag, password, hostCandidate);

    public string Ufrag { get; }
    public string Password { get; }
    public IPEndPoint HostCandidate { get; }
    public int ProcessId => _driver.ProcessId;

    /// <summary>The agent's <c>state</c> events so far, in order.</summary>
    public IReadOnlyList<string> States => _driver.Events.Where(e => (string?)e["event"] == "state").Select(e => (string?)e["state"] ?? "").ToList();

    /// <exception cref="DriverException">The driver could not be built or started, failed, or gathered no host candidate on 127.0.0.1 (UDP, or passive TCP <paramref name="overTcp"/>).</exception>
    public static async Task<IceAgentUnderReplay> StartAsync(DriverSpec spec, bool controlling, string sideUfrag, string sidePassword,
        IPEndPoint replayingSocket, bool overTcp, string logPath, CancellationToken ct)
    {
        var driver = await DriverProcess.StartAsync(spec, new DriverStartOptions(LogPath: logPath), ct);
        try
        {
            await driver.WaitForEventAsync("ready", StartTimeout, ct);
            var configure = new JsonObject
            {
                ["command"] = "configure",
                ["role"] = controlling ? "controlling" : "controlled",
                // Nomination matters only when the agent controls; aioice nominates aggressively only (its README).
                ["nomination"] = spec.Supports("regular") ? "regular" : "aggressive",
                ["addresses"] = new JsonArray("127.0.0.1"),
            };
            if (overTcp) configure["transports"] = "tcp";
            await driver.SendAsync(configure, ct);
            await driver.SendAsync(new JsonObject { ["command"] = "gather" }, ct);
            var description = await driver.WaitForEventAsync("local-description", StartTimeout, ct);
            var transport = overTcp ? IceTransport.Tcp : IceTransport.Udp;
            var host = ((JsonArray)description["candidates"]!).Select(c => IceCandidate.TryParse((string?)c, out var parsed, out _) ? parsed : null)
                .FirstOrDefault(c => c is { ComponentId: 1, Type: IceCandidateType.Host } && c.Transport == transport &&
                                     (!overTcp || c.TcpType == IceTcpType.Passive) && c.Address.IPAddress is { } ip && IPAddress.IsLoopback(ip))
                ?? throw new DriverException(spec.Name,
                    $"gathered no {(overTcp ? "passive TCP" : "UDP")} host candidate on 127.0.0.1: {description["candidates"]?.ToJsonString()}");
            // Type preference 126 (host), component 1 (RFC 8445 §5.1.2.1); local preference 65535, or over TCP RFC 6544
            // §4.2's for an active candidate on the only interface; RFC 6544 §4.5: an active candidate's port is 9.
            var localPreference = overTcp
                ? (uint)IceFormulas.TcpLocalPreference(IceFormulas.HostActiveDirectionPreference, IceFormulas.MaxTcpOtherPreference)
                : 65535u;
            var ours = IceCandidate.Create("replay", 1, transport, (126u << 24) | (localPreference << 8) | 255u,
                IceConnectionAddress.FromIP(replayingSocket.Address), replayingSocket.Port, IceCandidateType.Host,
                tcpType: overTcp ? IceTcpType.Active : null);
            await driver.SendAsync(new JsonObject
            {
                ["command"] = "remote-description",
                ["ufrag"] = sideUfrag,
                ["pwd"] = sidePassword,
                ["candidates"] = new JsonArray(ours.FormatLine()),
                ["end-of-candidates"] = true,
            }, ct);
            return new IceAgentUnderReplay(driver, (string)description["ufrag"]!, (string)description["pwd"]!,
                new IPEndPoint(host.Address.IPAddress!, host.Port));
        }
        catch
        {
            await driver.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Waits up to <paramref name="timeout"/> for the agent to leave checking (connected, completed or failed), so that a
    /// summary says where the agent got to rather than where it was when the last answer came.
    /// </summary>
    public async Task SettleAsync(TimeSpan timeout, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!States.Any(s => s is "connected" or "completed" or "failed"))
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return;
            try
            {
                await _driver.WaitForEventAsync("state", left, ct);
            }
            catch (DriverException)
            {
                return; // no further state in time, or the driver exited: the states so far are the answer
            }
        }
    }

    public ValueTask DisposeAsync() => _driver.DisposeAsync();
}
