using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using IceSpec.Captures.Replay;
using IceSpec.Stun;

namespace IceSpec.Captures.Tests;

/// <summary>
/// The replay's UDP exchange retransmits on <see cref="StunClientTransaction"/>'s schedule (RFC 8489 §6.2.1: the first
/// retransmission after RTO, 500 ms by default), not on a schedule of its own.
/// </summary>
[Trait("Category", "unit")]
public class UdpReplaySocketTests
{
    [Fact]
    public async Task A_lost_request_is_sent_again_after_the_transactions_RTO_and_its_answer_is_returned()
    {
        using var server = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        server.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        await using var socket = UdpReplaySocket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

        var transactionId = new byte[StunHeader.TransactionIdLength];
        Random.Shared.NextBytes(transactionId);
        var request = Message(StunClass.Request, transactionId);

        var arrivals = new List<TimeSpan>();
        var clock = Stopwatch.StartNew();
        var serving = Task.Run(async () =>
        {
            var buffer = new byte[1500];
            while (true)
            {
                var received = await server.ReceiveFromAsync(buffer, SocketFlags.None, new IPEndPoint(IPAddress.Any, 0));
                arrivals.Add(clock.Elapsed);
                if (arrivals.Count < 2) continue;   // the first request is "lost"
                await server.SendToAsync(Message(StunClass.Success, transactionId), SocketFlags.None, received.RemoteEndPoint);
                return;
            }
        });

        var (reply, rtt) = await socket.ExchangeAsync((IPEndPoint)server.LocalEndPoint!, request, transactionId, TimeSpan.FromSeconds(5), CancellationToken.None);
        await serving.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.NotNull(reply);
        Assert.Equal(2, arrivals.Count);
        var rto = new StunClientTransactionMachine().Rto;
        // The first retransmission: not before RTO, and before the second would be due (RTO + 2·RTO after the first send).
        // The upper bound is loose on purpose: on a loaded machine (CI runs test projects side by side) timers fire late.
        Assert.InRange(arrivals[1] - arrivals[0], rto - TimeSpan.FromMilliseconds(50), rto * 3);
        Assert.True(rtt >= rto - TimeSpan.FromMilliseconds(50), $"rtt {rtt}");
    }

    private static byte[] Message(StunClass @class, byte[] transactionId)
    {
        var buffer = new byte[StunHeader.Length];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(StunMethods.Binding, @class), transactionId);
        return builder.Written.ToArray();
    }
}
