using System.Diagnostics.CodeAnalysis;
using System.Net;
using IceSpec.Machines;
using IceSpec.Turn;

namespace IceSpec.Captures.Analysis;

/// <summary>
/// One TURN allocation seen from its client's 5-tuple, followed through the generated server machines of spec/turn.spec
/// as monitors: <see cref="TurnAllocationMachine"/> (RFC 8656 §7, §8), one <see cref="TurnPermissionMachine"/> per peer
/// IP (§9) and one <see cref="TurnChannelBindingMachine"/> per channel (§11, §12), and the client's
/// <see cref="TurnClientAuthenticationMachine"/> (RFC 8489 §9.2). Machine time is capture time since the first message.
/// </summary>
public sealed class TurnAllocationMonitor(string transport, IPEndPoint client, IPEndPoint server, DateTime epoch)
{
    public TurnAllocationMachine Allocation { get; } = new();
    public TurnClientAuthenticationMachine Authentication { get; } = new();
    public Dictionary<IPAddress, (TurnPermissionMachine Machine, int Installs)> Permissions { get; } = [];
    public Dictionary<ushort, TurnChannelBindingMachine> Channels { get; } = [];
    /// <summary>
    /// Each channel's machine with the peer it was last bound to (as an address: the machine keeps a
    /// <see cref="IceSpec.Turn.Server.TurnEndpoint"/>) and that peer's permission: what a ChannelData needs, in one look-up.
    /// </summary>
    public Dictionary<ushort, (TurnChannelBindingMachine Channel, IPEndPoint Peer, TurnPermissionMachine Permission)> ChannelPeers { get; } = [];
    public string Transport { get; } = transport;
    public IPEndPoint Client { get; } = client;
    public IPEndPoint Server { get; } = server;
    public string? Username { get; set; }
    public IPEndPoint? Relayed { get; set; }
    public int AuthenticationRounds { get; set; }
    public List<int> LifetimesGranted { get; } = [];
    public int Refreshes { get; set; }
    public bool ExpiredBeforeRefreshReported { get; set; }
    public int ChannelDataToServer, ChannelDataFromServer, SendIndications, DataIndications;
    public long Bytes;

    public TimeSpan Clock(DateTime time) => time - epoch;

    /// <summary>No machine's timer is due before this (null: unknown, after a machine was fired).</summary>
    private TimeSpan? _quietUntil;

    /// <summary>
    /// Lets every machine's timers run up to <paramref name="time"/> (expiries of allocation, permissions, channels).
    /// Cheap until the earliest deadline: relayed data calls it for every packet.
    /// </summary>
    public void Advance(DateTime time)
    {
        var now = Clock(time);
        if (now < _quietUntil) return;
        Allocation.HandleTimeout(now);
        var earliest = Allocation.NextDeadline ?? TimeSpan.MaxValue;
        foreach (var (machine, _) in Permissions.Values)
        {
            machine.HandleTimeout(now);
            if (machine.NextDeadline < earliest) earliest = machine.NextDeadline.Value;
        }
        foreach (var channel in Channels.Values)
        {
            channel.HandleTimeout(now);
            if (channel.NextDeadline < earliest) earliest = channel.NextDeadline.Value;
        }
        _quietUntil = earliest;
    }

    /// <summary>Called after firing any of the machines: their deadlines may have moved, so the next <see cref="Advance"/> looks at them all.</summary>
    public void MachinesFired() => _quietUntil = null;

    /// <summary>
    /// Sets the allocation machine's lifetime parameters so that its Expiry timer runs for what the server granted
    /// (the server's own maximum and default are not in the capture; RFC 8656 §7.2 lets it grant less than asked).
    /// </summary>
    public void Grant(uint lifetime)
    {
        var granted = TimeSpan.FromSeconds(lifetime);
        Allocation.Requested = granted;
        Allocation.DefaultLifetime = granted;
        Allocation.MaxLifetime = granted + TimeSpan.FromSeconds(1);
        LifetimesGranted.Add((int)lifetime);
    }

    /// <summary>The permission for <paramref name="peer"/>'s IP (RFC 8656 §9: permissions are per IP address, ports ignored).</summary>
    public (TurnPermissionMachine Machine, int Installs) Permission(IPAddress peer)
    {
        if (!Permissions.TryGetValue(peer, out var entry)) Permissions[peer] = entry = (new TurnPermissionMachine(), 0);
        return entry;
    }

    /// <summary>
    /// Fires Install on <paramref name="peer"/>'s permission (CreatePermission, RFC 8656 §10.2, or ChannelBind, §12.2).
    /// An expired permission is deleted (§9), as the server deletes it: the install creates a new one, and the channels
    /// bound to that peer see the new one.
    /// </summary>
    public bool TryInstall(IPAddress peer, DateTime time, [NotNullWhen(false)] out MachineRefusal<TurnPermissionState, TurnPermissionEvent>? refusal)
    {
        var (machine, installs) = Permission(peer);
        if (machine.IsFinal)
        {
            var expired = machine;
            machine = new TurnPermissionMachine();
            foreach (var (number, bound) in ChannelPeers.Where(c => c.Value.Permission == expired).ToList())
                ChannelPeers[number] = bound with { Permission = machine };
        }
        Permissions[peer] = (machine, installs + 1);
        return machine.TryFire(TurnPermissionEvent.Install, Clock(time), out refusal);
    }

    /// <summary>The machine of channel <paramref name="number"/>: a new one when the number was never bound or is free again (RFC 8656 §12: after its quarantine).</summary>
    public TurnChannelBindingMachine Channel(ushort number)
    {
        if (!Channels.TryGetValue(number, out var channel) || channel.IsFinal)
            Channels[number] = channel = new TurnChannelBindingMachine { Number = number };
        return channel;
    }

    public TurnAllocationReport Report() => new(
        Transport, Client.ToString(), Server.ToString(), Username, Relayed?.ToString(), Allocation.State.ToString(),
        AuthenticationRounds, Authentication.State.ToString(), LifetimesGranted, Refreshes,
        Permissions.Select(p => new TurnPermissionReport(p.Key.ToString(), p.Value.Machine.State.ToString(), p.Value.Installs))
            .OrderBy(p => p.Peer, StringComparer.Ordinal).ToList(),
        Channels.OrderBy(c => c.Key).Select(c => new TurnChannelReport($"0x{c.Key:X4}", c.Value.Peer.ToString(), c.Value.State.ToString())).ToList(),
        new TurnDataCounts(ChannelDataToServer, ChannelDataFromServer, SendIndications, DataIndications, Bytes));
}
