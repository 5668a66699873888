using IceSpec.Stun;
using IceSpec.Turn.Server;

namespace IceSpec.Turn.Tests.Server;

/// <summary>An in-memory relay port for the sans-IO core tests.</summary>
public sealed class FakeRelayPort(TurnEndpoint address, bool tcp = false) : TurnRelayPort(address)
{
    public bool Closed { get; set; }

    /// <summary>A TCP relayed transport address (RFC 6062 §5.1).</summary>
    public bool Tcp { get; } = tcp;
}

/// <summary>Relay ports without sockets: 198.51.100.1 and 2001:db8::1, ports from 50000 up, with the open set visible.</summary>
public sealed class FakeRelayPorts : ITurnRelayPortProvider
{
    public static readonly TurnEndpoint IPv4 = TurnEndpoint.Parse("198.51.100.1:0");
    public static readonly TurnEndpoint IPv6 = TurnEndpoint.Parse("[2001:db8::1]:0");

    private readonly HashSet<int> _used = [];
    private readonly int _max;

    public FakeRelayPorts(bool ipv6 = true, int capacity = 1000)
    {
        SupportsIPv6 = ipv6;
        _max = 50000 + capacity - 1;
    }

    public bool SupportsIPv6 { get; }

    public List<FakeRelayPort> Open { get; } = [];

    public List<FakeRelayPort> ClosedPorts { get; } = [];

    public bool SupportsFamily(byte family) => family == StunAddress.FamilyIPv4 || (family == StunAddress.FamilyIPv6 && SupportsIPv6);

    public bool TryOpen(in TurnRelayPortRequest request, out TurnRelayPort port, out TurnRelayPort? reserved)
    {
        port = null!;
        reserved = null;
        if (!SupportsFamily(request.Family)) return false;
        for (var number = 50000; number <= _max; number++)
        {
            if (_used.Contains(number)) continue;
            if ((request.EvenPort || request.ReserveNext) && (number & 1) != 0) continue;
            if (request.ReserveNext && (_used.Contains(number + 1) || number + 1 > _max)) continue;
            port = Add(request.Family, number, request.Tcp);
            if (request.ReserveNext) reserved = Add(request.Family, number + 1);
            return true;
        }
        return false;
    }

    private FakeRelayPort Add(byte family, int number, bool tcp = false)
    {
        _used.Add(number);
        var port = new FakeRelayPort((family == StunAddress.FamilyIPv6 ? IPv6 : IPv4).WithPort((ushort)number), tcp);
        Open.Add(port);
        return port;
    }

    public void Close(TurnRelayPort port)
    {
        var fake = (FakeRelayPort)port;
        fake.Closed = true;
        _used.Remove(port.Address.Port);
        Open.Remove(fake);
        ClosedPorts.Add(fake);
    }
}
