using System.Collections.Concurrent;

namespace IceSpec.Conformance.Adapter;

/// <summary>The drivers the kit knows: icespec, libnice, aioice, werift, pion; more with <see cref="Register"/>.</summary>
public static class DriverRegistry
{
    private static readonly object Gate = new();
    private static readonly List<DriverSpec> Drivers = [];
    private static readonly Dictionary<string, Func<CancellationToken, Task<DriverLaunch>>> Preparers = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, Lazy<Task<DriverLaunch>>> Prepared = new(StringComparer.Ordinal);

    static DriverRegistry()
    {
        Register(new DriverSpec("icespec", "IceSpec's agent (C#, this repository): IceSession, generated from spec/ice.spec",
            ["regular", "aggressive", "trickle", "stun", "turn-udp", "turn-tcp", "relay-policy", "ice-tcp", "restart"]), BundledDrivers.PrepareIceSpecAsync);
        Register(new DriverSpec("libnice", "libnice 0.1.21 (C, GLib main loop), Debian libnice-dev",
            ["regular", "aggressive", "trickle", "stun", "turn-udp", "turn-tcp", "relay-policy", "ice-tcp", "restart"]), BundledDrivers.PrepareLibniceAsync);
        // aioice's regular nomination (its ICE-lite path) races against a full peer's checks: drivers/aioice/README.md.
        Register(new DriverSpec("aioice", "aioice 0.8.0 (Python asyncio), Debian python3-aioice on /usr/bin/python3",
            ["aggressive", "trickle", "stun", "turn-udp", "turn-tcp", "relay-policy"]), BundledDrivers.PrepareAioiceAsync);
        Register(new DriverSpec("werift", "werift-ice 0.2.3 (Node.js), npm",
            ["regular", "aggressive", "trickle", "stun", "turn-udp", "turn-tcp", "relay-policy", "restart"]), BundledDrivers.PrepareWeriftAsync);
        // pion/ice v2 gathers passive TCP candidates only (through a TCPMux): drivers/pion/README.md.
        Register(new DriverSpec("pion", "pion/ice v2 (Go), Debian golang-github-pion-ice.v2-dev built offline in GOPATH mode",
            ["regular", "trickle", "stun", "turn-udp", "turn-tcp", "relay-policy", "ice-tcp-passive", "restart"]), BundledDrivers.PreparePionAsync);
    }

    public static IReadOnlyList<DriverSpec> All
    {
        get { lock (Gate) return Drivers.ToArray(); }
    }

    public static DriverSpec Get(string name)
    {
        lock (Gate)
        {
            return Drivers.Find(d => d.Name == name)
                ?? throw new ArgumentException($"unknown driver '{name}'; known: {string.Join(", ", Drivers.Select(d => d.Name))}", nameof(name));
        }
    }

    /// <summary>Adds (or replaces) a driver. <paramref name="prepare"/> runs once per process, on first use.</summary>
    public static void Register(DriverSpec driver, Func<CancellationToken, Task<DriverLaunch>> prepare)
    {
        lock (Gate)
        {
            Drivers.RemoveAll(d => d.Name == driver.Name);
            Drivers.Add(driver);
            Preparers[driver.Name] = prepare;
            Prepared.TryRemove(driver.Name, out _);
        }
    }

    /// <summary>Builds whatever the driver needs (once; cached on disk across runs) and says how to start it.</summary>
    public static async Task<DriverLaunch> PrepareAsync(DriverSpec driver, CancellationToken ct)
    {
        Func<CancellationToken, Task<DriverLaunch>> prepare;
        lock (Gate)
        {
            if (!Preparers.TryGetValue(driver.Name, out prepare!))
                throw new ArgumentException($"driver '{driver.Name}' is not registered", nameof(driver));
        }
        // One preparation per driver per process; a failed one is retried on the next call.
        var lazy = Prepared.GetOrAdd(driver.Name, _ => new Lazy<Task<DriverLaunch>>(() => prepare(CancellationToken.None)));
        try
        {
            return await lazy.Value.WaitAsync(ct);
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            Prepared.TryRemove(new KeyValuePair<string, Lazy<Task<DriverLaunch>>>(driver.Name, lazy));
            throw;
        }
    }
}
