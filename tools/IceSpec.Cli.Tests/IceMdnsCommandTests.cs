using System.Net;
using System.Text.RegularExpressions;
using System.Net.Sockets;
using IceSpec.Ice;

namespace IceSpec.Cli.Tests;

/// <summary>
/// <c>icespec ice offer --mdns</c>: the offer signals its host candidate as an mDNS name and the answer, resolving it over
/// real multicast on the machine's first IPv4 interface (loopback has no MULTICAST flag), connects to its address.
/// </summary>
[Trait("Category", "interop")]
public sealed class IceMdnsCommandTests
{
    [Fact]
    public async Task An_offer_with_mdns_signals_a_name_the_answer_resolves_and_connects_to()
    {
        var address = IceHostAddresses.Discover().FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        Assert.True(address is not null, "mDNS needs an up IPv4 interface with the MULTICAST flag besides loopback (eth0 on the CI machine)");
        var signal = Directory.CreateTempSubdirectory("icespec-ice-mdns-").FullName;
        try
        {
            var offer = new IceTerminal("hello from offer", output => output.Contains("< "));
            var answer = new IceTerminal("hello from answer", output => output.Contains("< "));
            string[] Args(string side, params string[] more) => ["ice", side, "--signal", signal, "--address", address!.ToString(), "--timeout", "20", .. more];
            var codes = await Task.WhenAll(
                Task.Run(() => CliApp.Run(Args("offer", "--mdns"), offer.Input, offer.Output, offer.Errors)),
                Task.Run(() => CliApp.Run(Args("answer"), answer.Input, answer.Output, answer.Errors))).WaitAsync(TimeSpan.FromSeconds(60));

            var transcript = $"--- offer err ---\n{offer.Errors}\n--- answer err ---\n{answer.Errors}";
            Assert.True(codes is [0, 0], transcript);
            var offered = File.ReadAllText(Path.Combine(signal, "offer.sdp"));
            Assert.Matches(@"a=candidate:\S+ 1 UDP \d+ [0-9a-f-]{36}\.local \d+ typ host", offered);
            Assert.DoesNotContain(address!.ToString(), offered);
            Assert.Matches($@"resolved [0-9a-f-]{{36}}\.local to {Regex.Escape(address.ToString())}", answer.Errors.ToString());
            Assert.Contains("< hello from offer", answer.Output.ToString());
        }
        finally
        {
            Directory.Delete(signal, recursive: true);
        }
    }
}
