using System.Net;
using System.Threading.Channels;
using IceSpec.Ice;
using IceSpec.Signalling;
using IceSpec.Signalling.Server;

namespace IceSpec.Cli.Tests;

/// <summary>
/// <see cref="IceSignalledSession"/> against the signal server on Kestrel in this process (a free loopback port): two
/// sessions connect with no bookkeeping of their own, and an ICE restart from one side (RFC 8445 §9) goes through the
/// server as a new description, is answered by the other side's new description, and selects a pair again.
/// </summary>
[Trait("Category", "unit")]
public sealed class IceSignalledSessionTests : IAsyncLifetime
{
    private const string Secret = "session-secret";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);
    private readonly SignalServer _server = new(new SignalServerOptions { Listen = new IPEndPoint(IPAddress.Loopback, 0), Secret = Secret });

    public Task InitializeAsync() => _server.StartAsync();

    public Task DisposeAsync() => _server.DisposeAsync().AsTask();

    [Fact]
    public async Task A_restart_from_one_side_is_signalled_answered_and_connects_again()
    {
        var url = new Uri($"ws://{_server.EndPoint}/restart?token={SignalToken.Mint(Secret, "restart", DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds())}");
        var selections = Channel.CreateUnbounded<IceSelectedPairChanged>();
        await using var a = await IceSignalledSession.JoinAsync(url, new IceSessionOptions { Role = IceRole.Controlling, Addresses = [IPAddress.Loopback] },
            e => { if (e is IceSelectedPairChanged changed) selections.Writer.TryWrite(changed); });
        await using var b = await IceSignalledSession.JoinAsync(url, new IceSessionOptions { Role = IceRole.Controlled, Addresses = [IPAddress.Loopback] });
        await Task.WhenAll(a.Session.ConnectAsync(), b.Session.ConnectAsync()).WaitAsync(Limit);
        var (ufragA, ufragB) = (a.Session.LocalCredentials.Ufrag, b.Session.LocalCredentials.Ufrag);
        while (selections.Reader.TryRead(out _)) { }

        await a.RestartAsync();

        await selections.Reader.ReadAsync().AsTask().WaitAsync(Limit);   // a pair selected again after the restart
        Assert.NotEqual(ufragA, a.Session.LocalCredentials.Ufrag);
        Assert.NotEqual(ufragB, b.Session.LocalCredentials.Ufrag);        // b restarted on a's new description and answered
        Assert.True(await a.Session.SendAsync("after restart"u8.ToArray()));
        var (_, data) = await b.Session.ReceiveAsync().WaitAsync(Limit);
        Assert.Equal("after restart", System.Text.Encoding.UTF8.GetString(data));
    }
}
