using System.Net;
using System.Net.Sockets;
using IceSpec.Stun.Transports;
using IceSpec.Turn.Client;
using IceSpec.Turn.Tests.Server;

namespace IceSpec.Turn.Tests.Client;

/// <summary>
/// The TURN client over TCP frames ChannelData as well as STUN (RFC 8656 §12.5): its transport comes from IceSpec.Stun,
/// whose own framing is STUN only, so the client must connect with <see cref="StreamFraming.StunAndChannelData"/>. Our
/// server in-process on loopback, a UDP echo peer, sizes that need padding on the stream.
/// </summary>
[Trait("Category", "unit")]
public sealed class TurnStreamFramingTests
{
    [Fact]
    public async Task Channel_data_is_relayed_both_ways_over_tcp()
    {
        await using var server = TestServer.Start("allow-loopback-peers");
        using var peer = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        peer.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        var peerEndPoint = (IPEndPoint)peer.LocalEndPoint!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var options = new TurnClientOptions
        {
            Server = server.Tcp.ToString(), Transport = TransportProtocol.Tcp, Username = "alice", Password = "secret", Realm = "example.org",
        };
        await using var allocation = await TurnClient.AllocateAsync(options, timeout.Token);
        await allocation.BindChannelAsync(peerEndPoint, timeout.Token);

        var buffer = new byte[2048];
        foreach (var size in new[] { 1, 7, 1002 })
        {
            var payload = new byte[size];
            Random.Shared.NextBytes(payload);
            await allocation.SendAsync(peerEndPoint, payload, timeout.Token);
            var got = await peer.ReceiveFromAsync(buffer, new IPEndPoint(IPAddress.Any, 0), timeout.Token);
            Assert.Equal(payload, buffer.AsSpan(0, got.ReceivedBytes).ToArray());
            await peer.SendToAsync(buffer.AsMemory(0, got.ReceivedBytes), got.RemoteEndPoint, timeout.Token);
            var (from, data) = await allocation.ReceiveAsync(timeout.Token);
            Assert.Equal(peerEndPoint, from);
            Assert.Equal(payload, data.ToArray());
        }
    }
}
