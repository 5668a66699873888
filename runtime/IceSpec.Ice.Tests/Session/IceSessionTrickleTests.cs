using System.Net;
using IceSpec.Ice.Sdp;

namespace IceSpec.Ice.Tests.Session;

/// <summary>
/// Trickle inside the session (RFC 8838): the host candidates are in <see cref="IceSession.GetCurrentDescriptionAsync"/> at
/// once, and two sessions given only those connect while server-reflexive gathering is still waiting for a STUN server
/// that never answers (127.0.0.1:9: three sends over 3.5 s, IceAgentOptions.GatherRequestCount).
/// </summary>
[Trait("Category", "interop")]
public sealed class IceSessionTrickleTests
{
    private static readonly IPEndPoint SilentStun = new(IPAddress.Loopback, 9);

    [Fact]
    public async Task Sessions_connect_on_host_candidates_before_gathering_ends()
    {
        IceSessionOptions Options(IceRole role) => new() { Role = role, Addresses = [IPAddress.Loopback], StunServers = [SilentStun] };
        await using var a = IceSession.Create(Options(IceRole.Controlling));
        await using var b = IceSession.Create(Options(IceRole.Controlled));
        var headA = await a.GetCurrentDescriptionAsync().WaitAsync(TimeSpan.FromSeconds(2));
        var headB = await b.GetCurrentDescriptionAsync().WaitAsync(TimeSpan.FromSeconds(2));
        Assert.False(headA.EndOfCandidates);
        Assert.Contains(headA.Candidates, c => c.Type == IceCandidateType.Host);
        Assert.NotNull(headA.Ufrag);

        a.SetRemoteDescription(headB);
        b.SetRemoteDescription(headA);
        var pair = await a.ConnectAsync().WaitAsync(TimeSpan.FromSeconds(3));
        await b.ConnectAsync().WaitAsync(TimeSpan.FromSeconds(3));
        Assert.Equal(IceCandidateType.Host, pair.Local.Type);
        // Gathering is still going on: the checks did not wait for it.
        Assert.False(a.GetLocalDescriptionAsync().IsCompleted);
        Assert.False(b.GetLocalDescriptionAsync().IsCompleted);
    }
}
