using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using IceSpec.Ice.Sdp;

namespace IceSpec.Ice.Tests.Mdns;

/// <summary>
/// <see cref="IceSession"/> offering and resolving mDNS names over IPv6 (RFC 6762 §20: [ff02::fb]:5353, joined per
/// interface index; IPV6_MULTICAST_LOOP brings each session's datagrams to the other) on the machine's first interface
/// with a non-link-local IPv6 address and the MULTICAST flag — loopback (::1) has none, so two sessions there cannot do it.
/// A session given only IPv6 addresses opens only the IPv6 socket: whatever resolves went over ff02::fb.
/// </summary>
[Trait("Category", "interop")]
[Collection(nameof(IceSessionMdnsTests))]
public sealed class IceSessionMdnsIPv6Tests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private static (IPAddress Address, NetworkInterface Interface) MulticastAddress6(bool linkLocal)
    {
        var found = NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.SupportsMulticast && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses.Select(u => (u.Address, Interface: n)))
            .FirstOrDefault(a => a.Address.AddressFamily == AddressFamily.InterNetworkV6 && a.Address.IsIPv6LinkLocal == linkLocal);
        Assert.True(found.Address is not null, $"mDNS over IPv6 needs an up interface with the MULTICAST flag and a{(linkLocal ? " link-local" : " global or ULA")} IPv6 address besides loopback (eth0 fd00::2 on the CI machine)");
        return found;
    }

    /// <summary>Connects an offerer with names to an answerer, and waits until the answerer resolved every name offered.</summary>
    private static async Task<(IceCandidatePair Pair, List<IceEvent> Events, IceDescription Offer)> Connect(IReadOnlyList<IPAddress> addresses)
    {
        var events = new List<IceEvent>();
        var offered = int.MaxValue;
        var allResolved = new TaskCompletionSource();
        void Check() { if (events.OfType<IceRemoteCandidateResolved>().Count() >= offered) allResolved.TrySetResult(); }
        await using var offerer = IceSession.Create(new IceSessionOptions { Role = IceRole.Controlling, Addresses = addresses, OfferMdnsHostNames = true });
        await using var answerer = IceSession.Create(new IceSessionOptions { Role = IceRole.Controlled, Addresses = addresses }, e => { lock (events) { events.Add(e); Check(); } });
        var offer = await offerer.GetLocalDescriptionAsync().WaitAsync(Limit);
        lock (events) { offered = offer.Candidates.Count; Check(); }
        answerer.SetRemoteDescription(offer);
        offerer.SetRemoteDescription(await answerer.GetLocalDescriptionAsync().WaitAsync(Limit));
        var pair = await answerer.ConnectAsync().WaitAsync(Limit);
        await allResolved.Task.WaitAsync(Limit);
        lock (events) return (pair, [.. events], offer);
    }

    [Fact]
    public async Task An_IPv6_host_candidate_is_offered_as_a_name_that_the_peer_resolves_to_its_AAAA_address_over_ff02_fb()
    {
        var (address, _) = MulticastAddress6(linkLocal: false);
        var (pair, events, offer) = await Connect([address]);

        var name = Assert.Single(offer.Candidates).Address;
        Assert.True(name.IsMdnsName, offer.Candidates[0].Format());
        Assert.DoesNotContain(address.ToString(), string.Join("\n", offer.Candidates.Select(c => c.Format())));
        Assert.DoesNotContain(events, e => e is IceMdnsUnavailable or IceRemoteCandidateDropped);
        var resolved = Assert.Single(events.OfType<IceRemoteCandidateResolved>());
        Assert.Equal(address, resolved.Address);
        Assert.Equal(IceCandidateType.Host, pair.Remote.Type);
        Assert.Equal(name, pair.Remote.Candidate.Address);
        Assert.Equal(address, pair.Remote.Address.Address);
    }

    [Fact]
    public async Task A_dual_stack_session_offers_one_name_per_family_and_the_peer_resolves_an_A_and_an_AAAA_record()
    {
        var (address6, nic) = MulticastAddress6(linkLocal: false);
        var address4 = nic.GetIPProperties().UnicastAddresses.Select(u => u.Address).FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork);
        Assert.True(address4 is not null, $"{nic.Name} has no IPv4 address besides {address6}");
        var (_, events, offer) = await Connect([address4!, address6]);

        Assert.Equal(2, offer.Candidates.Count);
        Assert.All(offer.Candidates, c => Assert.True(c.Address.IsMdnsName, c.Format()));
        Assert.NotEqual(offer.Candidates[0].Address, offer.Candidates[1].Address);
        var resolved = events.OfType<IceRemoteCandidateResolved>().Select(r => r.Address).OrderBy(a => a.AddressFamily == AddressFamily.InterNetworkV6);
        Assert.Equal([address4!, address6], resolved);
    }

    [Fact]
    public async Task A_link_local_AAAA_answer_is_scoped_to_the_interface_it_came_in_on()
    {
        var (address, nic) = MulticastAddress6(linkLocal: true);
        var (pair, events, _) = await Connect([address]);

        var resolved = Assert.Single(events.OfType<IceRemoteCandidateResolved>());
        Assert.True(resolved.Address.IsIPv6LinkLocal, resolved.Address.ToString());
        Assert.Equal(nic.GetIPProperties().GetIPv6Properties().Index, resolved.Address.ScopeId);
        Assert.Equal(IceCandidateType.Host, pair.Remote.Type);
    }
}
