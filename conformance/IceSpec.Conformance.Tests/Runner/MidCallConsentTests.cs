using System.Net;
using IceSpec.Conformance.Runner;
using IceSpec.Stun;

namespace IceSpec.Conformance.Tests.Runner;

/// <summary>
/// The wire's evidence that a call without a data path recovered by itself after a mid-call fault (MidCallConsent), on
/// hand-made captures: each agent's own check, sent after the fault has settled, answered with success by the other.
/// </summary>
[Trait("Category", "unit")]
public sealed class MidCallConsentTests : IDisposable
{
    private static readonly IPEndPoint Server = new(IPAddress.Parse("203.0.113.1"), 3478);
    private static readonly IPEndPoint Controlling = new(IPAddress.Parse("10.1.1.2"), 40000);
    private static readonly IPEndPoint Controlled = new(IPAddress.Parse("10.2.1.2"), 41000);
    private static readonly DateTime Fault = HandMadePcap.Epoch;
    private static readonly DateTime Until = Fault.AddSeconds(25);
    private readonly string _directory = Directory.CreateTempSubdirectory("icespec-consent-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Checks_both_agents_sent_after_the_fault_and_got_answered_are_the_evidence()
    {
        var evidence = Judge(Exchange(Controlling, Controlled, 1, seconds: 8), Exchange(Controlled, Controlling, 2, seconds: 9));

        Assert.NotNull(evidence);
        Assert.Contains("controlling.pcap frame 1 (+8.0 s, 10.1.1.2:40000 → 10.2.1.2:41000, answered in frame 2)", evidence);
        Assert.Contains("controlled.pcap frame 1 (+9.0 s", evidence);
    }

    [Fact]
    public void One_agent_whose_checks_go_unanswered_is_no_recovery()
    {
        var unanswered = new[] { new HandMadeDatagram(Controlled, Controlling, Check(7), Fault.AddSeconds(9)) };
        Assert.Null(Judge(Exchange(Controlling, Controlled, 1, seconds: 8), unanswered));
    }

    [Fact]
    public void An_answer_before_the_fault_settled_or_after_the_observation_does_not_count()
    {
        Assert.Null(Judge(Exchange(Controlling, Controlled, 1, seconds: 2), Exchange(Controlled, Controlling, 2, seconds: 9)));
        Assert.Null(Judge(Exchange(Controlling, Controlled, 1, seconds: 8), Exchange(Controlled, Controlling, 2, seconds: 30)));
    }

    [Fact]
    public void The_peers_check_answered_by_this_agent_and_a_binding_with_the_server_are_not_its_checks()
    {
        // In the controlled agent's capture: the controlling agent's check arrives (a router's decrement: TTL 63) and
        // is answered; the controlled agent's own Binding request goes to the STUN server and is answered.
        var peers = Exchange(Controlling, Controlled, 2, seconds: 9, requestTtl: 63);
        var server = Exchange(Controlled, Server, 3, seconds: 10);
        Assert.Null(Judge(Exchange(Controlling, Controlled, 1, seconds: 8), [.. peers, .. server]));
    }

    private string? Judge(HandMadeDatagram[] controlling, HandMadeDatagram[] controlled) => MidCallConsent.Evidence(
        HandMadePcap.Write(Path.Combine(_directory, "controlling.pcap"), controlling),
        HandMadePcap.Write(Path.Combine(_directory, "controlled.pcap"), controlled),
        new DateTimeOffset(Fault), new DateTimeOffset(Until), [Server]);

    /// <summary>A Binding request from <paramref name="from"/> and its success response, 10 ms later.</summary>
    private static HandMadeDatagram[] Exchange(IPEndPoint from, IPEndPoint to, byte id, double seconds, byte requestTtl = 64) =>
    [
        new(from, to, Check(id), Fault.AddSeconds(seconds), requestTtl),
        new(to, from, Success(id), Fault.AddSeconds(seconds + 0.01), 63),
    ];

    private static byte[] Check(byte id) => Build(StunClass.Request, id);

    private static byte[] Success(byte id) => Build(StunClass.Success, id);

    private static byte[] Build(StunClass type, byte id)
    {
        var transaction = new byte[12];
        transaction[0] = id;
        var builder = new StunMessageBuilder(new byte[64], new StunMessageType(StunMethods.Binding, type), transaction);
        return builder.Written.ToArray();
    }
}
