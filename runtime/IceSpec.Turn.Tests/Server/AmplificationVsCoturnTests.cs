using IceSpec.Stun;
using IceSpec.Turn.Tests.Client;
using Xunit.Abstractions;

namespace IceSpec.Turn.Tests.Server;

/// <summary>
/// Issue 13: bytes answered per byte of an unauthenticated Allocate (UDP payloads, STUN message sizes), ours and
/// coturn's in the same run, same realm. "Minimal Allocate" is the issue's: a 20-byte header without attributes; the
/// smallest Allocate that can be challenged adds REQUESTED-TRANSPORT (28 bytes). Neither carries FINGERPRINT.
/// </summary>
[Trait("Category", "interop")]
[Collection(CoturnCollection.Name)]
public sealed class AmplificationVsCoturnTests(CoturnFixture coturn, ITestOutputHelper output)
{
    private static int AnswerSize(UdpTestClient client, System.Net.IPEndPoint server, byte[] request)
    {
        client.SendTo(server, request);
        var answer = client.Receive(TimeSpan.FromSeconds(2)) ?? throw new InvalidOperationException($"no answer from {server}");
        return answer.Data.Length;
    }

    [Fact]
    public async Task Unauthenticated_allocate_is_answered_with_at_most_three_times_its_size_and_less_than_coturn()
    {
        await using var server = TestServer.Start(); // realm example.org, as the coturn fixture
        using var client = new UdpTestClient();
        var bare = TestMessages.Build(TurnMethods.Allocate, StunClass.Request, fingerprint: false);
        var withTransport = TestMessages.Build(TurnMethods.Allocate, StunClass.Request,
            (ref StunMessageBuilder b) => b.AddRequestedTransport(new RequestedTransportValue(17, new byte[3])), fingerprint: false);
        var ours = (Bare: AnswerSize(client, server.Udp, bare), WithTransport: AnswerSize(client, server.Udp, withTransport));
        var theirs = (Bare: AnswerSize(client, coturn.Server, bare), WithTransport: AnswerSize(client, coturn.Server, withTransport));
        var report = $"20-byte Allocate: ours {ours.Bare} B ({ours.Bare / 20.0:F1}x), coturn {theirs.Bare} B ({theirs.Bare / 20.0:F1}x); " +
            $"28-byte Allocate with REQUESTED-TRANSPORT: ours {ours.WithTransport} B ({ours.WithTransport / 28.0:F2}x), coturn {theirs.WithTransport} B ({theirs.WithTransport / 28.0:F2}x)";
        output.WriteLine(report);
        Console.WriteLine(report);
        Assert.True(ours.Bare <= 3 * bare.Length, report);
        Assert.True(ours.WithTransport <= theirs.WithTransport, report);
    }
}
