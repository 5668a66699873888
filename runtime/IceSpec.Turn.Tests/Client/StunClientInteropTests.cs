using System.Net;
using System.Security.Authentication;
using IceSpec.Stun.Client;
using IceSpec.Turn.Client;
using IceSpec.Stun.Transports;
using Xunit.Abstractions;

namespace IceSpec.Turn.Tests.Client;

/// <summary>Our Binding client against coturn over UDP, TCP and TLS (RFC 8489 §6).</summary>
[Trait("Category", "interop")]
[Collection(CoturnCollection.Name)]
public sealed class StunClientInteropTests(CoturnFixture coturn, ITestOutputHelper output)
{
    [Theory]
    [InlineData(TransportProtocol.Udp)]
    [InlineData(TransportProtocol.Tcp)]
    [InlineData(TransportProtocol.Tls)]
    public async Task Binding_returns_the_mapped_address_rtt_and_software(TransportProtocol transport)
    {
        var server = transport == TransportProtocol.Tls ? coturn.TlsServer : coturn.Server;
        var result = await StunClient.BindingAsync(new StunClientOptions { Server = server.ToString(), Transport = transport, Tls = coturn.TrustingTls });

        output.WriteLine($"{transport}: mapped {result.MappedAddress}, rtt {result.RoundTripTime.TotalMilliseconds:0.###} ms, software '{result.Software}', " +
                         $"response-origin {result.ResponseOrigin}, other-address {result.OtherAddress}");
        // On loopback without NAT the server sees our socket's own address (RFC 8489 §14.2 XOR-MAPPED-ADDRESS).
        Assert.Equal(result.LocalEndPoint, result.MappedAddress);
        Assert.Equal(server, result.Server);
        Assert.Equal(1, result.Transmissions);
        Assert.True(result.RoundTripTime > TimeSpan.Zero && result.RoundTripTime < TimeSpan.FromSeconds(2));
        Assert.Contains("Coturn", result.Software, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Tls_refuses_an_untrusted_certificate_unless_told_to_accept_any()
    {
        var options = new StunClientOptions { Server = coturn.TlsServer.ToString(), Transport = TransportProtocol.Tls };
        await Assert.ThrowsAsync<AuthenticationException>(() => StunClient.BindingAsync(options));

        var result = await StunClient.BindingAsync(options with { Tls = new TlsClientOptions { AcceptAnyCertificate = true } });
        Assert.Equal(result.LocalEndPoint, result.MappedAddress);
    }

    [Fact]
    public async Task No_server_times_out_after_the_retransmission_schedule()
    {
        // A port nobody listens on: the transaction's Rc requests go unanswered (ICMP errors are ignored), then it gives up.
        var silent = new IPEndPoint(IPAddress.Loopback, FreePorts.Find([IPAddress.Loopback], 1, 0)[0]);
        var error = await Assert.ThrowsAsync<StunClientException>(() => StunClient.BindingAsync(new StunClientOptions
        {
            Server = silent.ToString(),
            Rto = TimeSpan.FromMilliseconds(10),
            MaxTransmissions = 3,
        }));
        Assert.True(error.TimedOut);
        Assert.Contains("3 request(s)", error.Message);
    }
}
