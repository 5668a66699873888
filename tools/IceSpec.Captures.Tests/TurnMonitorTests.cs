using System.Net;
using IceSpec.Captures.Analysis;
using IceSpec.Captures.Credentials;
using IceSpec.Stun;
using IceSpec.Turn;

namespace IceSpec.Captures.Tests;

/// <summary>
/// The TURN monitors fire every observed event on spec/turn.spec's machines: one the machine refuses is reported (here
/// the client's authentication machine, whose refusals were once ignored), and a permission created again after it
/// expired is a new permission (RFC 8656 §9), not a refused install that leaves the peer without one.
/// </summary>
[Trait("Category", "unit")]
public class TurnMonitorTests
{
    private static readonly IPEndPoint Client = IPEndPoint.Parse("10.0.0.1:5000");
    private static readonly IPEndPoint Server = IPEndPoint.Parse("10.0.0.9:3478");
    private static readonly IPEndPoint Peer = IPEndPoint.Parse("10.0.0.7:7000");

    private static byte[] Request(ushort method, byte id, IPEndPoint? peer = null)
    {
        var buffer = new byte[256];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(method, StunClass.Request), Id(id));
        if (peer is not null) builder.AddXorPeerAddress(new StunAddress(peer));
        return buffer.AsSpan(0, builder.Length).ToArray();
    }

    private static byte[] Success(ushort method, byte id, uint? lifetime = null)
    {
        var buffer = new byte[256];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(method, StunClass.Success), Id(id));
        if (lifetime is { } seconds) builder.AddLifetime(seconds);
        return buffer.AsSpan(0, builder.Length).ToArray();
    }

    private static byte[] Unauthenticated(byte id)
    {
        var buffer = new byte[256];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(TurnMethods.Allocate, StunClass.Error), Id(id));
        builder.AddErrorCode(StunErrorCodes.Unauthenticated, StunErrorCodes.ReasonPhrase(StunErrorCodes.Unauthenticated)!);
        return buffer.AsSpan(0, builder.Length).ToArray();
    }

    private static byte[] SendIndication(byte id, IPEndPoint peer)
    {
        var buffer = new byte[256];
        var builder = new StunMessageBuilder(buffer, new StunMessageType(TurnMethods.Send, StunClass.Indication), Id(id));
        builder.AddXorPeerAddress(new StunAddress(peer));
        builder.AddData("hello"u8);
        return buffer.AsSpan(0, builder.Length).ToArray();
    }

    private static byte[] Id(byte id) => Enumerable.Repeat(id, 12).ToArray();

    private static AnalysisReport Analyze(params (double Seconds, IPEndPoint From, IPEndPoint To, byte[] Stun)[] messages)
    {
        var analyzer = new CaptureAnalyzer(new CaptureCredentials());
        var frame = 0;
        foreach (var (seconds, from, to, stun) in messages)
            analyzer.Add(new CapturedMessage(++frame, DateTime.UnixEpoch.AddSeconds(seconds), "udp", from, to, CapturedKind.Stun, stun));
        return analyzer.Finish(frame);
    }

    [Fact]
    public void An_allocate_accepted_after_the_credentials_were_rejected_is_refused_by_the_authentication_machine()
    {
        // RFC 8489 §9.2.5: a 401 to a request that carried credentials is final (TurnClientAuthentication's Rejected).
        var report = Analyze(
            (0.0, Client, Server, Request(TurnMethods.Allocate, 1)), (0.1, Server, Client, Unauthenticated(1)),
            (0.2, Client, Server, Request(TurnMethods.Allocate, 2)), (0.3, Server, Client, Unauthenticated(2)),
            (0.4, Client, Server, Request(TurnMethods.Allocate, 3)), (0.5, Server, Client, Success(TurnMethods.Allocate, 3, lifetime: 600)));

        var refused = Assert.Single(report.Violations, v => v.Name == "machine-refused");
        Assert.Equal(6, refused.Frame);
        Assert.Contains("TurnClientAuthentication in state Rejected refused Accepted", refused.Detail);
        Assert.Equal("Rejected", Assert.Single(report.TurnAllocations).AuthenticationState);
    }

    [Fact]
    public void A_permission_created_again_after_it_expired_lets_the_clients_data_through()
    {
        // RFC 8656 §9: permissions last 300 s; the second CreatePermission, 400 s in, installs a new one.
        var report = Analyze(
            (0.0, Client, Server, Request(TurnMethods.Allocate, 1)), (0.1, Server, Client, Success(TurnMethods.Allocate, 1, lifetime: 3600)),
            (1.0, Client, Server, Request(TurnMethods.CreatePermission, 2, Peer)), (1.1, Server, Client, Success(TurnMethods.CreatePermission, 2)),
            (400.0, Client, Server, Request(TurnMethods.CreatePermission, 3, Peer)), (400.1, Server, Client, Success(TurnMethods.CreatePermission, 3)),
            (401.0, Client, Server, SendIndication(4, Peer)));

        Assert.DoesNotContain(report.Violations, v => v.Name is "data-without-permission" or "machine-refused");
        var permission = Assert.Single(Assert.Single(report.TurnAllocations).Permissions);
        Assert.Equal(("Installed", 2), (permission.State, permission.Installs));
    }
}
