using System.Net;
using System.Net.Sockets;
using IceSpec.Ice.Sdp;

namespace IceSpec.Ice.Tests.Mdns;

/// <summary>
/// <see cref="IceSession"/> offering and resolving mDNS names over real multicast (224.0.0.251:5353, IP_MULTICAST_LOOP
/// brings each session's datagrams to the other) on the machine's first IPv4 interface — loopback has no MULTICAST flag.
/// </summary>
[Trait("Category", "interop")]
[Collection(nameof(IceSessionMdnsTests))] // two test classes on port 5353 at once would answer each other's names: harmless, but one at a time is clearer
public sealed class IceSessionMdnsTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private static IPAddress MulticastAddress()
    {
        var address = IceHostAddresses.Discover().FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));
        Assert.True(address is not null, "mDNS needs an up IPv4 interface with the MULTICAST flag besides loopback (eth0 on the CI machine)");
        return address!;
    }

    [Fact]
    public async Task A_session_resolves_the_names_another_offers_and_they_connect_on_the_host_pair()
    {
        var address = MulticastAddress();
        var events = new List<IceEvent>();
        await using var offerer = IceSession.Create(new IceSessionOptions { Role = IceRole.Controlling, Addresses = [address], OfferMdnsHostNames = true });
        await using var answerer = IceSession.Create(new IceSessionOptions { Role = IceRole.Controlled, Addresses = [address] }, e => { lock (events) events.Add(e); });
        var offer = await offerer.GetLocalDescriptionAsync().WaitAsync(Limit);
        var name = Assert.Single(offer.Candidates).Address;
        Assert.True(name.IsMdnsName, offer.Candidates[0].Format());
        Assert.DoesNotContain(address.ToString(), string.Join("\n", offer.Candidates.Select(c => c.Format())));
        answerer.SetRemoteDescription(offer);
        offerer.SetRemoteDescription(await answerer.GetLocalDescriptionAsync().WaitAsync(Limit));

        var pair = await answerer.ConnectAsync().WaitAsync(Limit);
        Assert.Equal(IceCandidateType.Host, pair.Remote.Type);
        Assert.Equal(name, pair.Remote.Candidate.Address); // statistics keep the name (draft §3.3.1)
        lock (events) Assert.Contains(events, e => e is IceRemoteCandidateResolved r && r.Address.Equals(address));
    }

    [Fact]
    public async Task A_name_nobody_answers_is_dropped_after_the_timeout_and_the_event_says_why()
    {
        var address = MulticastAddress();
        var dropped = new TaskCompletionSource<IceRemoteCandidateDropped>();
        var options = new IceSessionOptions { Addresses = [address], MdnsResolutionTimeout = TimeSpan.FromMilliseconds(500) };
        await using var session = IceSession.Create(options, e => { if (e is IceRemoteCandidateDropped d) dropped.TrySetResult(d); });
        var started = DateTime.UtcNow;
        session.AddRemoteCandidate(IceCandidate.Parse($"candidate:1 1 UDP 2130706431 {Guid.NewGuid()}.local 40000 typ host"));
        var drop = await dropped.Task.WaitAsync(Limit);
        Assert.Contains("no mDNS answer within 0.5 s", drop.Reason);
        Assert.InRange(DateTime.UtcNow - started, TimeSpan.FromMilliseconds(450), TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task Names_a_peer_never_answers_are_dropped_and_its_checks_still_connect_through_a_peer_reflexive_candidate()
    {
        // The peer signals its host candidate under a name nobody answers; its checks reach this session, which learns
        // the address from them (RFC 8445 §7.3.1.3; the draft's §5.3 example of slow resolution).
        var address = MulticastAddress();
        var dropped = new TaskCompletionSource<IceRemoteCandidateDropped>();
        await using var peer = IceSession.Create(new IceSessionOptions { Role = IceRole.Controlling, Addresses = [address] });
        await using var session = IceSession.Create(new IceSessionOptions { Role = IceRole.Controlled, Addresses = [address], MdnsResolutionTimeout = TimeSpan.FromSeconds(1) },
            e => { if (e is IceRemoteCandidateDropped d) dropped.TrySetResult(d); });
        var offer = await peer.GetLocalDescriptionAsync().WaitAsync(Limit);
        var unanswered = new IceDescription { Ufrag = offer.Ufrag, Password = offer.Password, EndOfCandidates = true };
        foreach (var c in offer.Candidates)
            unanswered.Candidates.Add(new IceCandidate(c.Foundation, c.ComponentId, c.TransportToken, c.Priority, Name(),
                c.Port, c.TypeToken, c.RelatedAddress, c.RelatedPort, c.Extensions));
        session.SetRemoteDescription(unanswered);
        peer.SetRemoteDescription(await session.GetLocalDescriptionAsync().WaitAsync(Limit));

        var pair = await session.ConnectAsync().WaitAsync(Limit);
        Assert.Equal(IceCandidateType.PeerReflexive, pair.Remote.Type);
        Assert.Equal(address, pair.Remote.Address.Address);
        var drop = await dropped.Task.WaitAsync(Limit);
        Assert.Contains("no mDNS answer within 1 s", drop.Reason);
        Assert.True(drop.Candidate.Address.IsMdnsName);
    }

    private static IceConnectionAddress Name()
    {
        Assert.True(IceConnectionAddress.TryParse($"{Guid.NewGuid()}.local", out var name, out var reason), reason);
        return name;
    }

    [Theory]
    [InlineData("host.example.com", "not an mDNS candidate name")]
    [InlineData("a.b.local", "not an mDNS candidate name")]
    public async Task A_name_that_is_not_one_label_dot_local_is_dropped_at_once(string name, string reason)
    {
        var dropped = new TaskCompletionSource<IceRemoteCandidateDropped>();
        await using var session = IceSession.Create(new IceSessionOptions { Addresses = [IPAddress.Loopback] }, e => { if (e is IceRemoteCandidateDropped d) dropped.TrySetResult(d); });
        session.AddRemoteCandidate(IceCandidate.Parse($"candidate:1 1 UDP 2130706431 {name} 40000 typ host"));
        Assert.Contains(reason, (await dropped.Task.WaitAsync(Limit)).Reason);
    }

    [Fact]
    public async Task With_resolution_off_a_name_is_dropped_and_the_reason_names_the_option()
    {
        var dropped = new TaskCompletionSource<IceRemoteCandidateDropped>();
        await using var session = IceSession.Create(new IceSessionOptions { Addresses = [IPAddress.Loopback], ResolveMdnsCandidates = false },
            e => { if (e is IceRemoteCandidateDropped d) dropped.TrySetResult(d); });
        session.AddRemoteCandidate(IceCandidate.Parse($"candidate:1 1 UDP 2130706431 {Guid.NewGuid()}.local 40000 typ host"));
        Assert.Contains("ResolveMdnsCandidates", (await dropped.Task.WaitAsync(Limit)).Reason);
    }
}
