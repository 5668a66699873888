using System.Net;
using IceSpec.Stun;
using IceSpec.Turn.Server;

namespace IceSpec.Turn.Tests.Server;

/// <summary>The long-term credential exchange and an Allocate over a <see cref="UdpTestClient"/> (RFC 8656 §7.1–7.3).</summary>
internal static class UdpTurnExchanges
{
    /// <summary>Sends a bare Allocate, expects the 401 challenge and returns the credentials for its realm and nonce.</summary>
    public static LongTermCredentials Authenticate(UdpTestClient client, IPEndPoint server, string user = "alice", string password = "secret")
    {
        var challenge = client.Request(server, TestMessages.Allocate()) ?? throw new InvalidOperationException("no response to Allocate");
        Assert.Equal(401, challenge.ErrorCode);
        return LongTermCredentials.For(user, password, challenge.Realm!, challenge.Nonce!);
    }

    /// <summary>Authenticates and allocates; returns the credentials and the relayed address.</summary>
    public static (LongTermCredentials Credentials, StunAddress Relay) Allocate(UdpTestClient client, IPEndPoint server)
    {
        var credentials = Authenticate(client, server);
        var response = client.Request(server, TestMessages.Allocate(credentials))!;
        Assert.True(response.IsSuccess, response.ToString());
        return (credentials, response.RelayedAddresses[0]);
    }
}
