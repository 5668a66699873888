using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Ice.Tests.Session;

/// <summary>
/// A relayed TCP candidate's data connection (RFC 6062 §4.3, §4.4) on loopback, against a socket playing the TURN server:
/// the ConnectionBind goes out bare, STUN comes back bare until the ConnectionBind success, then RFC 4571 frames.
/// </summary>
[Trait("Category", "unit")]
public sealed class TurnDataConnectionTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task The_connection_bind_goes_out_bare_and_frames_start_right_after_its_success_in_the_same_segment()
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        server.Listen();
        var bind = Stun(TurnMethods.ConnectionBind, StunClass.Request);
        var connecting = IceTcpPeerConnection.ConnectToTurnAsync(IPAddress.Loopback, (IPEndPoint)server.LocalEndPoint!, bind, Limit,
            (int)IceFormulas.MaxTcpFrameLength, CancellationToken.None);
        using var accepted = await server.AcceptAsync();
        await using var connection = await connecting;
        var received = Channel.CreateUnbounded<byte[]>();
        connection.Start(m => received.Writer.TryWrite(m), _ => received.Writer.TryComplete());

        var first = new byte[bind.Length];
        Assert.Equal(bind.Length, await accepted.ReceiveAsync(first, SocketFlags.None).WaitAsync(Limit));
        Assert.Equal(bind, first); // no RFC 4571 header before it

        // A 438-style error (still bare), then the success and the peer's first framed message in one segment.
        var error = Stun(TurnMethods.ConnectionBind, StunClass.Error);
        var success = Stun(TurnMethods.ConnectionBind, StunClass.Success);
        var fromPeer = "peer data"u8.ToArray();
        await accepted.SendAsync((byte[])[.. error, .. success, .. IceTcpFraming.Frame(fromPeer)], SocketFlags.None);

        Assert.Equal(error, await received.Reader.ReadAsync().AsTask().WaitAsync(Limit));
        Assert.Equal(success, await received.Reader.ReadAsync().AsTask().WaitAsync(Limit));
        Assert.Equal(fromPeer, await received.Reader.ReadAsync().AsTask().WaitAsync(Limit));

        // What we send now is framed.
        connection.Send("to peer"u8.ToArray());
        var framed = new byte[IceTcpFraming.HeaderLength + 7];
        Assert.Equal(framed.Length, await accepted.ReceiveAsync(framed, SocketFlags.None).WaitAsync(Limit));
        Assert.Equal(IceTcpFraming.Frame("to peer"u8.ToArray()), framed);
    }

    private static byte[] Stun(ushort method, StunClass type)
    {
        var buffer = new byte[64];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(method, type), new byte[StunHeader.TransactionIdLength]);
        builder.AddFingerprint();
        return buffer[..builder.Length];
    }
}
