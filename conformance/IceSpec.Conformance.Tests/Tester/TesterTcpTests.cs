using System.Net;
using System.Net.Sockets;
using IceSpec.Conformance.Tester;
using IceSpec.Ice;
using IceSpec.Stun;

namespace IceSpec.Conformance.Tests.Tester;

/// <summary>
/// The tester's passive ICE-TCP candidate (RFC 6544): a message read on a connection the IUT opened is handed to a case
/// only once the connection is in <see cref="TesterPeer.TcpConnections"/>. A case waits for the check, then looks the
/// connection up (rfc6544-7.2-1 failed a loaded CI run with "opened no connection" right after the check had arrived).
/// The IUT here is a socket that writes its check before the tester has even accepted the connection.
/// </summary>
[Trait("Category", "unit")]
public sealed class TesterTcpTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-tester-tcp-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_check_arrives_only_from_a_connection_the_tester_lists()
    {
        using var capture = new TesterCapture(Path.Combine(_directory, "tester.pcap"));
        using var tester = new TesterPeer(capture, IPAddress.Loopback);
        var listener = tester.ListenTcp();
        var check = IceTcpFraming.Frame(Indication());
        for (var i = 0; i < 100; i++)
        {
            using var iut = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await iut.ConnectAsync(listener.LocalEndPoint);
            await iut.SendAsync(check, SocketFlags.None);
            var from = (IPEndPoint)iut.LocalEndPoint!;
            var arrived = await tester.WaitAsync(d => d.Transport == "tcp" && d.Remote.Equals(from), TimeSpan.FromSeconds(5), CancellationToken.None);
            Assert.NotNull(arrived);
            Assert.True(tester.TcpConnections.Any(t => t.Accepted && t.RemoteEndPoint.Equals(from)),
                $"connection {i}: the check from {from} arrived before the tester listed its connection");
        }
    }

    /// <summary>A Binding indication: a whole STUN message the tester records and does not answer.</summary>
    private static byte[] Indication()
    {
        var id = new byte[StunHeader.TransactionIdLength];
        Random.Shared.NextBytes(id);
        var builder = new StunMessageBuilder(new byte[64], new StunMessageType(StunMethods.Binding, StunClass.Indication), id);
        builder.AddFingerprint();
        return builder.Written.ToArray();
    }
}
